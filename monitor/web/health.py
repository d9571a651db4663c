"""Health and metrics, for orchestrators and Prometheus. No secrets, no configuration.

/healthz   200 while the event loop is alive (its heartbeat is recent), else 503
/readyz    200 when the service is doing its job, else 503 with the problems (see `readiness`)
/metrics   Prometheus text format

`readiness` is the one verdict: /readyz answers it, the console's overview opens with it, and
`fr-monitor healthcheck` asks /readyz, so the three always agree.
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


def readiness(app: ServiceView) -> list[str]:
    """What keeps the service from doing its job, one problem per line naming the source (or part, or loop)
    and its last error; empty when ready. Not ready, at once:
    - the database does not take writes;
    - a source that has never polled successfully and whose polls fail (no network, a wrong base URL): there
      is nothing to wait for;
    - a source, or a part of one (an eCFR part), whose last `ops_alert_after_failures` polls failed in a row
      (the same count after which the ops target is told);
    and, without any failure recorded:
    - a source whose last success is older than three of its current intervals (quiet nights, weekends and
      holidays are not outages), or that has not polled successfully that long after the start."""
    from monitor.store.history import History

    problems = []
    try:
        app.store.check_writable()
    except sqlite3.Error as exc:
        problems.append(f"database not writable: {type(exc).__name__}: {exc}")
    now = app.clock()
    when = datetime.fromtimestamp(now, UTC)
    after = app.settings.ops_alert_after_failures
    try:
        rows = History(app.store).sources()
    except sqlite3.Error as exc:
        return [*problems, f"database not readable: {type(exc).__name__}: {exc}"]
    for source in app.sources:
        status = rows.get(source.name)
        limit = staleness_limit(when, source.interval, getattr(source, "quiet_interval", None))
        if status is not None and status.consecutive_failures and status.last_success_at is None:
            problems.append(
                f"{source.name}: no successful poll yet, {_polls(status.consecutive_failures)} failed; "
                f"last error: {status.last_error}"
            )
        elif status is not None and status.consecutive_failures >= after:
            problems.append(
                f"{source.name}: the last {_polls(status.consecutive_failures)} failed; last error: {status.last_error}"
            )
        elif status is None or status.last_success_at is None:
            # Not yet polled: ready during the first interval after start, then not.
            if now - app.started_at > limit:
                problems.append(f"{source.name}: no successful poll yet")
        elif now - status.last_success_at > limit:
            ago, limit_text = _minutes(now - status.last_success_at), _minutes(limit)
            failed = status.consecutive_failures
            since = f"; {_polls(failed)} failed since, last error: {status.last_error}" if failed else ""
            problems.append(f"{source.name}: last success {ago} ago (limit {limit_text}){since}")
        problems += [
            f"{name}: the last {_polls(part.consecutive_failures)} failed; last error: {part.last_error}"
            for name, part in sorted(rows.items())
            if name.startswith(f"{source.name} ") and part.consecutive_failures >= after
        ]
    return problems + app.loops.failing()


def _minutes(seconds: float) -> str:
    """A duration to the minute, in the units check-config uses: 90061 -> "1d1h1m"."""
    from monitor.settings.types import human_duration

    return human_duration(round(seconds / 60) * 60) if seconds >= 60 else human_duration(round(seconds))


def _polls(n: int) -> str:
    return "1 poll" if n == 1 else f"{n} polls"


def add_routes(web_app: web.Application, app: ServiceView, heartbeat: Callable[[], float]) -> None:
    async def healthz(_: web.Request) -> web.Response:
        age = time.monotonic() - heartbeat()
        status = 200 if age < HEARTBEAT_LIMIT else 503
        return web.json_response({"status": "ok" if status == 200 else "stalled"}, status=status)

    async def readyz(_: web.Request) -> web.Response:
        problems = readiness(app)
        body = {"status": "ready" if not problems else "not ready", "problems": problems}
        return web.Response(text=json.dumps(body), status=200 if not problems else 503, content_type="application/json")

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(app.metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    for path, handler in (("/healthz", healthz), ("/readyz", readyz), ("/metrics", metrics)):
        web_app.router.add_get(path, handler, allow_head=False)
