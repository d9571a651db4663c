"""Benchmark: the public inspection byte budget across restarts.

    python bench/budget_restarts.py

A local Federal Register (127.0.0.1) whose current.json ignores conditional requests (no ETag, no
Last-Modified: every check downloads the whole list, the case the byte budget is for) serves one business day,
Wednesday 2026-12-02, 00:00 to 24:00 US Eastern. The real App polls public inspection in the service's own
poll loop (monitor.service.poll_forever, its waits moving the clock instead of sleeping), and is stopped and
started again on the same data folder: never, once at noon, and every 30 minutes. The figure is the number of
full lists downloaded that day; the budget's own limit is what the former 5-minute full polls downloaded
(monitor.core.schedule.reference_downloads at midnight). With PYTHONPATH=<an older checkout> it measures
that code.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: an older checkout given there is the code measured

from bench import bench_config  # noqa: E402
from monitor.app import App  # noqa: E402
from monitor.core.schedule import reference_downloads  # noqa: E402
from monitor.service import poll_forever  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from tests.kit.clock import Clock  # noqa: E402

ET = ZoneInfo("America/New_York")
DAY = date(2026, 12, 2)  # a Wednesday, a business day
START = datetime.combine(DAY, time(0), tzinfo=ET).timestamp()
SEED = 21
END = datetime.combine(DAY + timedelta(days=1), time(0), tzinfo=ET).timestamp()


def current() -> dict[str, Any]:
    results = [
        {
            "document_number": f"2026-3{n:04d}",
            "title": f"Agency Information Collection {n}",
            "type": "Notice",
            "agencies": [{"name": "Commerce Department"}],
            "filed_at": "2026-12-02T08:45:00.000-05:00",
            "publication_date": "2026-12-03",
            "filing_type": "regular",
        }
        for n in range(125)
    ]
    return {
        "count": len(results),
        "results": results,
        "regular_filings_updated_at": "2026-12-02T08:45:00.000-05:00",
        "special_filings_updated_at": "2026-12-02T08:45:00.000-05:00",
    }


class Upstream:
    """current.json with no validators at all: each answer is a 200 with the whole list."""

    def __init__(self) -> None:
        self.full_lists = 0
        self.body = json.dumps(current())
        self.server: TestServer | None = None

    async def current(self, request: web.Request) -> web.Response:
        self.full_lists += 1
        return web.Response(text=self.body, content_type="application/json")

    async def nothing(self, request: web.Request) -> web.Response:
        return web.json_response({"count": 0, "results": [], "errors": {"not_found": []}})

    async def start(self) -> Upstream:
        app = web.Application()
        app.router.add_get("/api/v1/public-inspection-documents/current.json", self.current)
        app.router.add_get("/api/v1/public-inspection-documents/{numbers}.json", self.nothing)
        app.router.add_get("/api/v1/documents/{numbers}.json", self.nothing)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/v1/"))


async def full_lists(restarts: list[float]) -> int:
    """Full lists downloaded over the day, the service stopped and started again at `restarts` (Unix times)."""
    random.seed(SEED)  # the poll loop's jitter: the same day each run
    upstream = await Upstream().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = bench_config(
                folder,
                f'[federal_register]\nenabled = false\nbase_url = "{upstream.base_url}"\nrequests_per_second = 1000\n'
                "[public_inspection]\nenabled = true\n[web]\nenabled = false\n",
            )
            settings = load_settings(config)
            clock = Clock(START)
            for stop_at in [*restarts, END]:
                app = App(settings, clock=clock)
                source = next(s for s in app.sources if s.name == "public_inspection")

                async def wait(stop: asyncio.Event, seconds: float, until: float = stop_at) -> None:
                    clock.now = min(clock.now + seconds, until)
                    if clock.now >= until:
                        stop.set()

                try:
                    await poll_forever(app, source, asyncio.Event(), wait=wait)
                finally:
                    await app.close()
    finally:
        assert upstream.server is not None
        await upstream.server.close()
    return upstream.full_lists


def main() -> None:
    noon = datetime.combine(DAY, time(12), tzinfo=ET).timestamp()
    limit = reference_downloads(datetime.fromtimestamp(END - 1, UTC), 3600.0)
    print(f"public inspection, upstream ignoring conditional requests, {DAY} (a business day), 00:00-24:00 ET")
    print(f"  the budget (5-minute full polls' downloads by 24:00): {limit:.0f} full lists")
    for label, restarts in (
        ("no restart", []),
        ("one restart at noon", [noon]),
        ("a restart every 30 min", [START + k * 1800.0 for k in range(1, 48)]),
    ):
        lists = asyncio.run(full_lists(restarts))
        print(f"  {label}: {lists} full lists")


if __name__ == "__main__":
    main()
