"""After a long downtime: how many requests, and how long, the first poll takes to catch up.

    python bench/catch_up.py [--days 90] [--per-day 100]

A local fake of the documents API holds `per-day` documents for each day of the downtime; the service polled
successfully `days` days ago and polls again now, at the Federal Register's own rate limit (5 requests a
second, per_page 1000). Prints requests, seconds and the documents it saw.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_config  # noqa: E402
from monitor.app import App  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from tests.kit.fakes import FakeFederalRegister, synthetic_document  # noqa: E402

TYPES = ["Rule", "Proposed Rule", "Notice", "Presidential Document"]


async def catch_up(days: int, per_day: int) -> None:
    now = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    first = now.date() - timedelta(days=days + 1)
    documents = [
        synthetic_document(
            f"{day.year}-{day.timetuple().tm_yday:03d}{i:02d}",
            f"Routine notice {i}",
            type=TYPES[i % len(TYPES)],
            publication_date=day.isoformat(),
        )
        for offset in range(days + 2)
        for day in [first + timedelta(days=offset)]
        for i in range(per_day)
    ]
    fake = await FakeFederalRegister(documents=documents, filter_dates=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = bench_config(
                tmp,
                f'[federal_register]\nbase_url = "{fake.base_url}"\n'
                f"per_page = 1000\nrequests_per_second = 5\nmax_catch_up_days = {days + 2}\n",
            )
            clock = {"now": (now - timedelta(days=days)).timestamp()}
            for moment in ((now - timedelta(days=days)).timestamp(), now.timestamp()):
                clock["now"] = moment
                app = App(load_settings(config), clock=lambda: clock["now"])
                before = len(fake.requests)
                started = time.perf_counter()
                try:
                    (outcome,) = await app.run_once()
                finally:
                    await app.close()
                seconds = time.perf_counter() - started
            requests = len(fake.requests) - before
            print(
                f"catch-up after {days} days down ({per_day} documents a day): {requests} requests, "
                f"{seconds:.1f} s at 5 requests/s, {outcome.documents} documents seen"
            )
    finally:
        await fake.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-day", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(catch_up(args.days, args.per_day))


if __name__ == "__main__":
    main()
