"""Benchmarks for watchlists: match throughput on a year-sized corpus, and a one-year backfill.

    python bench/matching.py [--documents 28000] [--watchlists 100]

Throughput: documents per second on one core, matching every document against every watchlist (compiled
together once). Backfill: how many requests one year takes, and the wall time, against a local fake.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_config  # noqa: E402
from bench.poll_cycle import SUBJECTS, WATCHLIST_TERMS  # noqa: E402
from monitor.app import App  # noqa: E402
from monitor.core.matching import Matcher  # noqa: E402
from monitor.core.watchlist import Watchlist  # noqa: E402
from monitor.models import Agency, Document  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from monitor.tuning import backfill  # noqa: E402
from tests.kit.fakes import FakeFederalRegister, synthetic_document  # noqa: E402

AGENCIES = [
    Agency("Industry and Security Bureau", "industry-and-security-bureau"),
    Agency("Environmental Protection Agency", "environmental-protection-agency"),
    Agency("Federal Aviation Administration", "federal-aviation-administration"),
    Agency("Energy Department", "energy-department"),
    Agency("Food and Drug Administration", "food-and-drug-administration"),
    Agency("Coast Guard", "coast-guard"),
]
# The vocabulary of everyday Federal Register prose: most documents are about air plans, airworthiness,
# information collections, fisheries, meetings... and never mention a watched term.
PROSE = [
    "the",
    "agency",
    "is",
    "amending",
    "its",
    "regulations",
    "to",
    "revise",
    "requirements",
    "for",
    "approval",
    "of",
    "state",
    "implementation",
    "plan",
    "submitted",
    "by",
    "department",
    "under",
    "section",
    "act",
    "provides",
    "notice",
    "of",
    "public",
    "meeting",
    "advisory",
    "committee",
    "comments",
    "must",
    "be",
    "received",
    "on",
    "or",
    "before",
    "date",
    "information",
    "collection",
    "burden",
    "hours",
    "respondents",
    "estimated",
    "annual",
    "cost",
    "airworthiness",
    "directive",
    "airplanes",
    "inspection",
    "replacement",
    "unsafe",
    "condition",
    "fishery",
    "management",
    "council",
    "quota",
    "allocation",
    "species",
    "habitat",
    "safety",
    "zone",
    "navigable",
    "waters",
    "vessel",
    "drug",
    "product",
    "application",
    "approval",
    "tariff",
    "filing",
    "pipeline",
    "natural",
    "gas",
    "transmission",
    "interstate",
    "commerce",
    "program",
    "grant",
    "applications",
    "eligible",
    "entities",
    "medicare",
    "payment",
    "hospital",
    "outpatient",
    "rates",
    "emissions",
    "standards",
    "facilities",
    "permit",
    "discharge",
    "water",
    "quality",
    "criteria",
    "pesticide",
    "tolerance",
    "residues",
    "food",
    "commodities",
    "import",
    "duty",
    "order",
    "antidumping",
    "review",
    "period",
    "results",
    "preliminary",
    "final",
    "determination",
    "investigation",
    "petition",
    "producers",
    "exporters",
    "merchandise",
]
# Phrases a watchlist looks for; about one document in twenty-five carries one.
TOPICAL = [
    "artificial intelligence",
    "model weights",
    "advanced computing integrated circuits",
    "semiconductor manufacturing equipment",
    "export administration regulations",
    "entity list",
    "supercomputer end use",
    "quantum computing items",
    "unmanned aircraft systems",
    "polysilicon imports",
    "biometric data",
    "critical minerals such as cobalt and graphite",
]
ROUTINE_TITLES = [
    "Air Plan Approval; Ohio; Regional Haze",
    "Combined Notice of Filings",
    "Airworthiness Directives; Airbus SAS Airplanes",
    "Agency Information Collection Activities; Submission for OMB Review",
    "Safety Zone; Lower Mississippi River",
    "Fisheries of the Northeastern United States; Atlantic Herring",
    "Sunshine Act Meetings",
    "Medicare Program; Payment Policies Under the Physician Fee Schedule",
    "Pesticide Tolerances; Fluopyram",
    "Certain Steel Nails From Taiwan: Final Results of Antidumping Duty Administrative Review",
]
EXTRA_TERMS = ["export", "quantum", "satellite", "biometric", "nuclear", "cobalt", "graphite", "5G", "robot*"]


def corpus(count: int, seed: int = 1) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        words = [rng.choice(PROSE) for _ in range(rng.randint(40, 120))]
        if rng.random() < 0.04:
            words.insert(rng.randrange(len(words)), rng.choice(TOPICAL))
        # Routine titles, with the topical ones (Entity List, advanced computing, polysilicon...) as rare as
        # they are in the real register.
        subjects = SUBJECTS if rng.random() < 0.05 else ROUTINE_TITLES
        title = f"{rng.choice(subjects)} {i}"
        docs.append(
            Document(
                source="federal_register",
                number=f"2025-{i:05d}",
                title=title,
                abstract=" ".join(words).capitalize() + ".",
                action=rng.choice(["Final rule.", "Notice.", "Proposed rule.", "Notice of meeting."]),
                type=rng.choice(["Rule", "Notice", "Proposed Rule"]),
                agencies=(rng.choice(AGENCIES),),
            )
        )
    return docs


def watchlists(count: int) -> list[Watchlist]:
    rng = random.Random(2)
    terms = WATCHLIST_TERMS + EXTRA_TERMS
    result = []
    for i in range(count):
        first, second = rng.sample(terms, 2)
        query = f"({first}) | ({second}) -drone" if i % 3 else f"({first}) ({second})"
        agencies = ["industry-and-security-bureau"] if i % 4 == 0 else []
        result.append(Watchlist.build(f"w{i}", query, agencies=agencies))
    return result


def bench_throughput(documents: int, watchlist_count: int) -> None:
    docs = corpus(documents)
    matcher = Matcher(watchlists(watchlist_count))
    matcher.match(docs[0])  # warm up
    start = time.perf_counter()
    matched = sum(len(matcher.match(d)) for d in docs)
    elapsed = time.perf_counter() - start
    print(f"matching: {documents} documents x {watchlist_count} watchlists in {elapsed:.2f} s")
    print(f"matching: {documents / elapsed:,.0f} documents/s on one core ({matched} matches)")


async def bench_backfill(documents: int) -> None:
    rng = random.Random(3)
    start_day = date(2025, 1, 1)
    raw = [
        synthetic_document(
            f"2025-{i:05d}",
            f"{rng.choice(SUBJECTS)} {i}",
            publication_date=(start_day + timedelta(days=rng.randrange(365))).isoformat(),
        )
        for i in range(documents)
    ]
    fake = await FakeFederalRegister(documents=raw, filter_dates=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(
            tmp,
            f'[federal_register]\nbase_url = "{fake.base_url}"\nper_page = 1000\n[targets.out]\nurl = "console://"\n',
        )
        app = App(load_settings(config))
        began = time.perf_counter()
        hits = await backfill(app, date(2025, 1, 1), date(2025, 12, 31), app.evaluator.matcher)
        elapsed = time.perf_counter() - began
        await app.close()
    await fake.close()
    print(
        f"backfill: one year ({documents} documents, per_page 1000): {len(fake.requests)} requests, "
        f"{elapsed:.1f} s wall (the client keeps to 5 requests/s), {len(hits)} hits"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=28_000)
    parser.add_argument("--watchlists", type=int, default=100)
    args = parser.parse_args()
    bench_throughput(args.documents, args.watchlists)
    asyncio.run(bench_backfill(args.documents))


if __name__ == "__main__":
    main()
