"""What every response gets: GET only, security headers, and optional HTTP Basic auth."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from monitor.settings import WebSettings

# Everything from our own origin, nothing inline, no frames, no plugins: the console needs no more.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # orchestrators probe these without credentials
# Answers for programs, not people: their errors stay plain text; every other page's error is a console page.
MACHINE_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/feed.atom"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def credentials_ok(header: str, username: str, password: str) -> bool:
    """Constant-time comparison of a Basic auth header with the configured user and password."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, given = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    user_ok = hmac.compare_digest(user.encode(), username.encode())
    password_ok = hmac.compare_digest(given.encode(), password.encode())
    return user_ok and password_ok


def guard_middleware(settings: WebSettings) -> Middleware:
    password = settings.resolve_password() if settings.username else None

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "GET":
            response: web.StreamResponse = web.Response(status=405, text="405: GET only", headers={"Allow": "GET"})
        elif (
            settings.username
            and password is not None
            and request.path not in OPEN_PATHS
            and not credentials_ok(request.headers.get("Authorization", ""), settings.username, password)
        ):
            response = web.Response(
                status=401,
                text="401: sign in",
                headers={"WWW-Authenticate": 'Basic realm="fr-monitor", charset="UTF-8"'},
            )
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:  # 404s and the like get the same headers
                if exc.status == 404 and request.path not in MACHINE_PATHS and not request.path.startswith("/static/"):
                    from monitor.web.console import error_page

                    message = (exc.text or "").removeprefix("404: ")
                    response = error_page(404, message if message != "Not Found" else "No such page.", request.path)
                else:
                    response = web.Response(status=exc.status, text=exc.text, headers=exc.headers)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return guard
