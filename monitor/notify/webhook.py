"""The `webhook://` and `webhooks://` targets: our versioned JSON payload, POSTed by an Apprise plugin.

Registered through Apprise's plugin mechanism, so webhooks go through the same dispatcher, retries and
privacy rules as every other target. The body Apprise hands over is already the JSON payload (see
render.webhook_payload). Redirects are never followed, and the host is resolved and refused when any of its
addresses is internal, unless the operator allowed private targets (the dispatcher then adds
`allow_private=yes` to the URL it passes to Apprise).
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import requests
from apprise.decorators import notify as apprise_plugin

from monitor.notify.targets import is_internal_host

log = logging.getLogger("apprise.webhook")
TIMEOUT = (5.0, 15.0)  # connect, read


def resolves_internal(host: str, port: int) -> bool:
    """Whether any address `host` resolves to is internal (loopback, private, link-local...)."""
    if is_internal_host(host):
        return True
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # unresolvable: the POST fails on its own, as a retryable connection error
    return any(is_internal_host(str(info[4][0])) for info in infos)


def _post(body: str, meta: dict[str, Any], scheme: str) -> bool:
    host = str(meta.get("host") or "")
    port = int(meta.get("port") or (443 if scheme == "https" else 80))
    qsd = dict(meta.get("qsd") or {})
    allow_private = qsd.pop("allow_private", "no") == "yes"
    qsd.pop("redirect", None)
    if not allow_private and resolves_internal(host, port):
        log.warning("Refused webhook notification: the host resolves to an internal address (error=403).")
        return False
    netloc = f"{host}:{meta['port']}" if meta.get("port") else host
    url = f"{scheme}://{netloc}{meta.get('fullpath') or '/'}"
    auth = (meta["user"], meta.get("password") or "") if meta.get("user") else None
    try:
        response = requests.post(
            url,
            data=body.encode("utf-8"),
            params=qsd or None,
            headers={"Content-Type": "application/json", "User-Agent": "fr-monitor"},
            auth=auth,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.Timeout:
        log.warning("Webhook notification timed out (timeout=1).")
        return False
    except requests.RequestException as exc:
        log.warning("A connection error occurred sending a webhook notification (%s).", type(exc).__name__)
        return False
    if 200 <= response.status_code < 300:
        return True
    retry_after = response.headers.get("Retry-After", "")
    extra = f" retry_after={retry_after}" if retry_after.strip().isdigit() else ""
    log.warning("Failed to send webhook notification: error=%d.%s", response.status_code, extra)
    return False


@apprise_plugin(on="webhook", name="fr-monitor webhook (HTTP)")  # type: ignore[untyped-decorator,no-untyped-call]
def _webhook(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    return _post(body, meta, "http")


@apprise_plugin(on="webhooks", name="fr-monitor webhook (HTTPS)")  # type: ignore[untyped-decorator,no-untyped-call]
def _webhooks(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    return _post(body, meta, "https")
