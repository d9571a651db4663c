"""Benchmark: one poll-and-match cycle over a page of 1,000 documents with 20 watchlists, and the service's
resident memory after start. Everything runs against an in-process fake on 127.0.0.1; the times are wall
times of the whole cycle, and include the fake serving its JSON in the same process.

    python bench/poll_cycle.py [--documents 1000] [--watchlists 20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.app import App  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from tests.kit.fakes import FakeFederalRegister, offline, start_service, synthetic_document  # noqa: E402

SUBJECTS = [
    "Air Plan Approval; California; Feather River",
    "Combined Notice of Filings",
    "Addition of Entities to the Entity List",
    "Airworthiness Directives; The Boeing Company Airplanes",
    "Agency Information Collection Activities; Proposed Collection; Comment Request",
    "Safety Zone; Fireworks Display, Potomac River",
    "Implementation of Additional Export Controls: Certain Advanced Computing Items",
    "Antidumping Duty Order on Polysilicon From the People's Republic of China",
    "Medicare Program; Hospital Outpatient Prospective Payment System",
    "Sunshine Act Meetings",
]
WORDS = [
    "agency",
    "rule",
    "final",
    "proposed",
    "comment",
    "export",
    "control",
    "national",
    "security",
    "program",
    "federal",
    "regulation",
    "amendment",
    "requirement",
    "information",
    "collection",
    "public",
    "notice",
    "entity",
    "list",
    "license",
    "exception",
    "item",
    "technology",
    "software",
    "equipment",
    "standard",
    "review",
    "period",
    "effective",
    "date",
    "burden",
    "estimate",
]

WATCHLIST_TERMS = [
    '"artificial intelligence"',
    '"model weights"',
    '"advanced computing"',
    "semiconductor*",
    '"entity list" -drone',
    "supercomput*",
    '"integrated circuit*"',
    "(export | reexport) chips",
    '"machine learning"',
    "polysilicon",
    "quantum",
    "biotechnology",
    '"data center"',
    "encryption",
    "drones | UAS",
    '"foreign direct product"',
    "hypersonic",
    "cyber*",
    '"national security" technology',
    "lithography",
]


def corpus(n: int, seed: int, prefix: str) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 90)))
        docs.append(
            synthetic_document(
                f"2026-{prefix}{i:05d}",
                f"{rng.choice(SUBJECTS)} {i}",
                abstract=abstract.capitalize() + ".",
                publication_date="2026-11-25",
            )
        )
    return docs


def config_text(data_dir: Path, base_url: str, watchlists: int, per_page: int) -> str:
    lines = [
        f'data_dir = "{data_dir}"',
        "allow_private_targets = true",
        "[federal_register]",
        f'base_url = "{base_url}"',
        f"per_page = {per_page}",
        'interval = "1h"',
        "[targets.null]",
        'url = "console://"',
    ]
    for i in range(watchlists):
        lines += ["[[watchlists]]", f'name = "w{i}"', f"query = '{WATCHLIST_TERMS[i % len(WATCHLIST_TERMS)]}'"]
    return offline("\n".join(lines) + "\n")


async def timed_poll(app: App) -> float:
    # The HTTP client spaces requests to one host 200 ms apart (the API's 5/s); wait that out first so the
    # figure is the cycle's own cost, not politeness.
    await asyncio.sleep(0.25)
    start = time.perf_counter()
    outcome = await app.poll(app.sources[0])
    elapsed = time.perf_counter() - start
    assert outcome.ok, outcome.error
    return elapsed


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


async def measure_service_rss(config: Path) -> tuple[int, int]:
    """Start the real service, let it finish its first poll, and read its resident memory."""
    proc = await start_service("run", "--config", str(config))
    await asyncio.sleep(1.0)
    at_start = rss_kib(proc.pid)
    await asyncio.sleep(4.0)
    later = rss_kib(proc.pid)
    proc.terminate()
    await proc.wait()
    return at_start, later


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--watchlists", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    fake = await FakeFederalRegister(documents=corpus(args.documents, 1, "1")).start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(config_text(Path(tmp) / "data", fake.base_url, args.watchlists, args.documents))
        app = App(load_settings(config))
        app.dispatcher.sender = _NullSender()  # measure polling and matching, not printing
        baseline = await timed_poll(app)
        idle = [await timed_poll(app) for _ in range(args.rounds)]
        fresh = []
        for r in range(args.rounds):
            fake.documents = corpus(args.documents, 100 + r, f"{r + 2}")
            fresh.append(await timed_poll(app))
        await app.close()
        fake.documents = corpus(args.documents, 1, "1")
        print(f"documents per page: {args.documents}, watchlists: {args.watchlists}, rounds: {args.rounds}")
        print(f"baseline poll (fetch, parse, store {args.documents} snapshots): {baseline * 1000:.0f} ms")
        print(f"idle poll (nothing changed), median: {statistics.median(idle) * 1000:.1f} ms")
        print(
            f"poll with {args.documents} new documents (diff, match, alerts, outbox), median: "
            f"{statistics.median(fresh) * 1000:.0f} ms"
        )
        rss_config = Path(tmp) / "rss.toml"
        rss_config.write_text(config_text(Path(tmp) / "data2", fake.base_url, args.watchlists, args.documents))
        at_start, later = await measure_service_rss(rss_config)
        print(f"service resident memory: {at_start / 1024:.1f} MiB after start, {later / 1024:.1f} MiB after 5 s")
    await fake.close()


class _NullSender:
    async def send(self, url: str, message: object) -> Any:
        from monitor.notify.sender import SendOutcome

        return SendOutcome(ok=True)


if __name__ == "__main__":
    asyncio.run(main())
