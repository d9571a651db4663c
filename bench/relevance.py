"""How well the built-in watchlist finds AI-related documents: recall, precision, every miss and false alarm.

    python bench/relevance.py [--data tests/fixtures/relevance] [--full-text-rate 20] [--json]

Driven the way the service runs: the labelled documents are served by a local fake of the documents API (full
texts at their `raw_text_url` paths), and `backfill` with the built-in defaults walks their whole date range,
fetching the full texts the watchlist asks for. A document counts as alerted when the built-in watchlist
matched it. `--data` takes any folder laid out like tests/fixtures/relevance (a corpus, labels, full_text/).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_config  # noqa: E402
from monitor.app import App  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from monitor.tuning import BackfillHit, backfill  # noqa: E402
from tests.kit.fakes import FakeFederalRegister  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "fixtures" / "relevance"


def load_half(folder: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, str]]:
    corpus_file = next(folder.glob("*_corpus.json"))
    labels_file = next(folder.glob("*_labels.json"))
    corpus = json.loads(corpus_file.read_text())
    labels = json.loads(labels_file.read_text())
    texts = {p.stem: p.read_text() for p in (folder / "full_text").glob("*.txt")}
    return corpus, labels, texts


def measured_on(folder: Path) -> str:
    """What the figures are figures of: the dev half the built-in watchlist was tuned on scores it on documents
    it was built to catch, which is an upper bound, not a prediction."""
    if folder.resolve() == DEFAULT_DATA.resolve():
        return "the dev half, the half the built-in watchlist was tuned on (an upper bound; the other half is held out)"
    return f"{folder} (not the dev half the built-in watchlist was tuned on)"


async def alerted(
    corpus: list[dict[str, Any]], texts: dict[str, str], full_text_rate: float
) -> tuple[list[BackfillHit], int, int]:
    fake = await FakeFederalRegister(documents=corpus, filter_dates=True, full_texts=texts).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = bench_config(
                tmp,
                f'[federal_register]\nbase_url = "{fake.base_url}"\nper_page = 1000\nrequests_per_second = 50\n'
                f"full_text_requests_per_second = {full_text_rate}\n",
            )
            app = App(load_settings(config))
            dates = sorted(date.fromisoformat(d["publication_date"]) for d in corpus)
            try:
                hits = await backfill(app, dates[0], dates[-1], app.evaluator.matcher)
            finally:
                await app.close()
        return hits, len(fake.requests), len(fake.full_text_fetches)
    finally:
        await fake.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a labelled half (corpus, labels, texts)")
    parser.add_argument(
        "--full-text-rate", type=float, default=20.0, help="full-text downloads a second from the local fake"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    corpus, labels, texts = load_half(args.data)
    started = time.perf_counter()
    hits, requests, downloads = asyncio.run(alerted(corpus, texts, args.full_text_rate))
    seconds = time.perf_counter() - started
    by_number = {h.document.number: h for h in hits}
    titles = {d["document_number"]: d["title"] for d in corpus}
    positives = {n for n, label in labels.items() if label["ai"]}
    caught = positives & by_number.keys()
    false_alarms = sorted(by_number.keys() - positives)
    misses = sorted(positives - by_number.keys())
    recall = len(caught) / len(positives) if positives else 1.0
    precision = len(caught) / len(by_number) if by_number else 1.0
    if args.json:
        figures = {
            "recall": recall,
            "precision": precision,
            "misses": misses,
            "false_alarms": false_alarms,
            "measured_on": measured_on(args.data),
        }
        print(json.dumps(figures, indent=2))
        return
    print(f"documents {len(corpus)} ({len(positives)} AI-related), from {args.data}")
    print(f"measured on {measured_on(args.data)}")
    print(f"recall    {recall:.1%} ({len(caught)} of {len(positives)} AI-related documents alerted)")
    print(f"precision {precision:.1%} ({len(caught)} of {len(by_number)} alerts were AI-related)")
    print(f"requests  {requests} to the documents API, {downloads} full-text downloads, {seconds:.1f} s")
    for number in misses:
        print(f"  missed      {number}  {titles[number][:90]}  [{labels[number]['case']}]")
    for number in false_alarms:
        terms = ", ".join(f"{h.term} in {h.field}" for h in by_number[number].match.hits)
        print(f"  false alarm {number}  {titles[number][:90]}  [{labels[number]['case']}]  ({terms})")


if __name__ == "__main__":
    main()
