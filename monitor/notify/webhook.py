"""The `webhook://` and `webhooks://` targets: our versioned JSON payload (see render.webhook_payload), POSTed by a
notifier we own, so it knows the HTTP status, Retry-After and timeouts it met and says so in a typed outcome.

Redirects are never followed (the host is checked against internal addresses by the sender, as for every
target that POSTs to a host the operator names). User and password in the URL become Basic auth; query parameters
are passed on.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import aiohttp

from monitor.core.backoff import parse_retry_after
from monitor.notify.outcome import NOT_DELIVERED, TIMED_OUT, SendOutcome, from_status
from monitor.notify.schemes import WEBHOOK_SCHEMES


def target(url: str) -> tuple[str, aiohttp.BasicAuth | None, list[tuple[str, str]]]:
    """A webhook target URL -> the HTTP(S) URL to POST to, its Basic auth, its query parameters."""
    parts = urlsplit(url)
    scheme = WEBHOOK_SCHEMES[parts.scheme.lower()]
    port = f":{parts.port}" if parts.port else ""
    auth = aiohttp.BasicAuth(parts.username, parts.password or "") if parts.username else None
    params = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("redirect", "allow_private")]
    return f"{scheme}://{parts.hostname}{port}{parts.path or '/'}", auth, params


# An idle connection is kept this long: long enough that the alerts of one poll share one connection, short enough
# to let go before any common server closes its side (uvicorn and Node keep 5 s, gunicorn 2 s), which would
# otherwise turn the next POST into a spurious failure.
KEEPALIVE_SECONDS = 1.0


class WebhookClient:
    """POSTs payloads to webhook targets over one HTTP session, opened on first use (in the running event loop)
    and closed with `close()`."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
                trust_env=False,
            )
        return self._session

    async def post(self, url: str, body: str) -> SendOutcome:
        """POST the payload; the sender has already refused hosts inside the network (unless allowed)."""
        post_url, auth, params = target(url)
        headers = {"Content-Type": "application/json", "User-Agent": "fr-monitor"}
        try:
            async with self._client().post(
                post_url, data=body.encode("utf-8"), params=params, headers=headers, auth=auth, allow_redirects=False
            ) as response:
                await response.read()
                retry_after = parse_retry_after(response.headers.get("Retry-After"), time.time())
                return from_status(response.status, retry_after)
        except TimeoutError:
            return TIMED_OUT
        except aiohttp.ClientError as exc:
            return SendOutcome(ok=False, error=f"{NOT_DELIVERED.error}: {type(exc).__name__}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
