"""The service's web server: health and metrics for orchestrators, and the read-only console for people.

/healthz /readyz /metrics   see monitor.web.health
/ /alerts /alerts/{id} /documents/{number} /watchlists   the console (monitor.web.console)
/feed.atom                  recent alerts as an Atom feed (monitor.web.feed)
/static/...                 the console's own stylesheet: nothing is loaded from anywhere else

Rules for every page (monitor.web.guard): GET only (anything else is 405), a strict Content-Security-Policy and
no-sniff headers, optional HTTP Basic auth on everything but /healthz and /readyz, no secret anywhere, and
untrusted text (titles, abstracts, page text) always shown as text: the templates escape everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from monitor.web.guard import guard_middleware

if TYPE_CHECKING:
    from monitor.web.view import ServiceView


def build_web_app(service: ServiceView, heartbeat: Callable[[], float]) -> web.Application:
    from monitor.web.console import add_routes as add_console
    from monitor.web.feed import add_routes as add_feed
    from monitor.web.health import add_routes as add_health

    app = web.Application(middlewares=[guard_middleware(service.settings.web)])
    add_health(app, service, heartbeat)
    add_console(app, service)
    add_feed(app, service)
    return app


async def start_web(service: ServiceView, heartbeat: Callable[[], float]) -> web.AppRunner:
    runner = web.AppRunner(build_web_app(service, heartbeat), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, service.settings.web.host, service.settings.web.port)
    await site.start()
    return runner
