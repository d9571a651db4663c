"""The console on a large history: server time of `/` and `/alerts` with 100,000 alerts in the store.

    python bench/console.py [--alerts 100000] [--requests 200]

Fills a real SQLite store with alerts (each with one sent or pending delivery), then asks each page `--requests`
times through the service's own web app on 127.0.0.1. Server time is measured inside the server (a middleware
around the handler); p50 and p95 are printed, with the round trip for comparison. The goal: p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_config  # noqa: E402
from monitor.app import App  # noqa: E402
from monitor.core.plan import queue  # noqa: E402
from monitor.core.routing import Routing  # noqa: E402
from monitor.models import Alert, Document, Match  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from monitor.web import build_web_app  # noqa: E402

EVENTS = ["published", "public_inspection", "updated", "corrected", "deadline"]


def fill(app: App, count: int) -> None:
    start = time.time() - count * 60
    batch: list[Alert] = []
    for i in range(count):
        document = Document(
            source="federal_register",
            number=f"2025-{i:06d}",
            title=f"Export controls on advanced computing items, notice {i}",
            type="Rule",
            abstract="Synthetic document for the console benchmark.",
        )
        watchlist = ("ai", "bis-rules")[i % 2]
        batch.append(
            Alert(
                key=f"{EVENTS[i % 5]}:federal_register:{document.number}:{watchlist}",
                event=EVENTS[i % 5],  # type: ignore[arg-type]
                watchlist=watchlist,
                document=document,
                match=Match(watchlist, ()),
                notify=("hook",),
            )
        )
        if len(batch) == 5000:
            app.store.outbox.save_alerts(queue(batch, Routing(), start + i * 60), start + i * 60)
            batch = []
    if batch:
        app.store.outbox.save_alerts(queue(batch, Routing(), start + count * 60), start + count * 60)
    app.store.db.execute("UPDATE deliveries SET state = 'sent', sent_at = created_at WHERE id % 10 != 0")


async def measure(alerts: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(
            tmp,
            '[targets.hook]\nurl = "console://"\n'
            "[[watchlists]]\nname = 'ai'\nquery = 'ai'\n[[watchlists]]\nname = 'bis-rules'\nquery = 'export'\n",
        )
        app = App(load_settings(config))
        started = time.perf_counter()
        fill(app, alerts)
        print(f"console: store filled with {alerts:,} alerts in {time.perf_counter() - started:.1f} s")
        server_times: dict[str, list[float]] = {}

        @web.middleware
        async def timer(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:  # type: ignore[name-defined]
            began = time.perf_counter()
            response = await handler(request)
            server_times.setdefault(request.path_qs, []).append((time.perf_counter() - began) * 1000)
            return response

        web_app = build_web_app(app, app.loops.last_beat)
        web_app.middlewares.append(timer)  # innermost: the handler alone
        client = TestClient(TestServer(web_app, host="127.0.0.1"))
        await client.start_server()
        try:
            for path in (
                "/",
                "/alerts",
                "/alerts?page=200",
                "/alerts?watchlist=ai&event=published",
                "/alerts?q=notice+99",
            ):
                round_trips = []
                for _ in range(requests):
                    began = time.perf_counter()
                    response = await client.get(path)
                    await response.read()
                    round_trips.append((time.perf_counter() - began) * 1000)
                    assert response.status == 200
                server = sorted(server_times[path])
                p95 = server[int(len(server) * 0.95) - 1]
                print(
                    f"console: {path:42} server p50 {statistics.median(server):5.1f} ms, p95 {p95:5.1f} ms "
                    f"(round trip p50 {statistics.median(round_trips):5.1f} ms)"
                )
        finally:
            await client.close()
            await app.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(measure(args.alerts, args.requests))


if __name__ == "__main__":
    main()
