"""Health and metrics, for orchestrators and Prometheus. No secrets, no configuration.

/healthz   200 while the event loop is alive (its heartbeat is recent), else 503
/readyz    200 when the database takes writes, every enabled source's last success is recent enough
           (three of its current intervals: quiet nights, weekends and holidays are not outages) and no
           long-lived loop keeps failing, else 503 with the reasons
/metrics   Prometheus text format
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from monitor.core.schedule import staleness_limit

if TYPE_CHECKING:
    from monitor.web.view import ServiceView

HEARTBEAT_LIMIT = 30.0


def add_routes(web_app: web.Application, app: ServiceView, heartbeat: Callable[[], float]) -> None:
    async def healthz(_: web.Request) -> web.Response:
        age = time.monotonic() - heartbeat()
        status = 200 if age < HEARTBEAT_LIMIT else 503
        return web.json_response({"status": "ok" if status == 200 else "stalled"}, status=status)

    async def readyz(_: web.Request) -> web.Response:
        problems = []
        try:
            app.store.check_writable()
        except sqlite3.Error as exc:
            problems.append(f"database not writable: {type(exc).__name__}")
        now = app.clock()
        when = datetime.fromtimestamp(now, UTC)
        for source in app.sources:
            status = app.store.load_source_status(source.name)
            limit = staleness_limit(when, source.interval, getattr(source, "quiet_interval", None))
            last = status.last_success_at if status else None
            if last is None:
                # Not yet polled successfully: ready during the first interval after start, then not.
                if now - app.started_at > limit:
                    problems.append(f"{source.name}: no successful poll yet")
            elif now - last > limit:
                problems.append(f"{source.name}: last success {now - last:.0f}s ago (limit {limit:.0f}s)")
        problems += app.failing_loops()
        body = {"status": "ready" if not problems else "not ready", "problems": problems}
        return web.Response(text=json.dumps(body), status=200 if not problems else 503, content_type="application/json")

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(app.metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    for path, handler in (("/healthz", healthz), ("/readyz", readyz), ("/metrics", metrics)):
        web_app.router.add_get(path, handler, allow_head=False)
