"""Months of polling in a few minutes: does the service's memory stay flat?

    python bench/long_run.py [--polls 10000] [--documents 20] [--unbounded]

The Federal Register source polls a local fake `polls` times, the clock one day later each time, so every poll
asks for a new date window (a new URL). The fake answers with a Last-Modified, as an origin with validators
does, so each answer's body is kept for conditional requests. Prints the resident memory (VmRSS) and the
response cache's entries and bytes at the start, every tenth of the run, and at the end. `--unbounded` gives
the cache no limit, as before it had one, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_config  # noqa: E402
from monitor.app import App  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from monitor.sources.http import ResponseCache  # noqa: E402
from tests.kit.fakes import FakeFederalRegister, SharedCache, synthetic_document  # noqa: E402

START = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


@dataclass
class Validators(SharedCache):
    """In front of the fake: every answer carries a Last-Modified (no shared cache here)."""

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        response.headers["Last-Modified"] = "Mon, 05 Jan 2026 13:45:00 GMT"
        return response


def resident_mib() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def line(poll: int, app: App, when: datetime) -> str:
    cache = app.http._validators
    return (
        f"poll {poll:>6} ({when:%Y-%m-%d}): RSS {resident_mib():7.1f} MiB; response cache {len(cache):>6} entries, "
        f"{cache.size / 2**20:7.1f} MiB"
    )


async def long_run(polls: int, documents: int, unbounded: bool) -> None:
    docs = [synthetic_document(f"2026-1{i:04d}", f"Sunshine Act Meetings {i}") for i in range(documents)]
    fake = await FakeFederalRegister(documents=docs, cache=Validators()).start()
    clock = {"now": START.timestamp()}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = bench_config(
                tmp,
                f'[federal_register]\nbase_url = "{fake.base_url}"\nper_page = 1000\nrequests_per_second = 1000\n'
                "lookback_days = 3\n",
            )
            app = App(load_settings(config), clock=lambda: clock["now"])
            if unbounded:
                app.http._validators = ResponseCache(max_entries=10**12, max_bytes=10**15)
            (source,) = app.sources
            started = time.perf_counter()
            requests = 0
            try:
                for poll in range(1, polls + 1):
                    when = START + timedelta(days=poll - 1)
                    clock["now"] = when.timestamp()
                    outcome = await app.poll(source)
                    requests += len(fake.requests)
                    fake.requests.clear()  # the fake's own log of requests is not the service's memory
                    if not outcome.ok:
                        raise SystemExit(f"poll {poll} failed: {outcome.error}")
                    if poll == 1:
                        first = resident_mib()
                        print(line(poll, app, when), "(start)", flush=True)
                    elif poll % max(1, polls // 10) == 0 or poll == polls:
                        print(line(poll, app, when), flush=True)
                last = resident_mib()
                seconds = time.perf_counter() - started
            finally:
                await app.close()
    finally:
        await fake.close()
    print(
        f"{polls} polls ({requests} requests, a new date window each) in {seconds:.0f} s: resident memory "
        f"{first:.1f} MiB at the start, {last:.1f} MiB at the end ({last - first:+.1f} MiB)"
        + (" with the cache unbounded" if unbounded else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polls", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=20, help="documents in every answer")
    parser.add_argument("--unbounded", action="store_true", help="no limit on the response cache, for comparison")
    args = parser.parse_args()
    asyncio.run(long_run(args.polls, args.documents, args.unbounded))


if __name__ == "__main__":
    main()
