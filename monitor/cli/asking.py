"""Asking the running service over its own HTTP endpoints (`healthcheck`, and `status` for its verdict): the
address it answers at from this machine, and /healthz and /readyz read. Standard library only: the commands that
ask import neither aiohttp nor Apprise."""

from __future__ import annotations

from typing import Any

from monitor.settings.sections import WebSettings


def service_address(web: WebSettings) -> str:
    """Where the running service answers, as seen from this machine."""
    host = web.host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - listening on all interfaces: ask over loopback
        host = "127.0.0.1"
    return f"http://{host}:{web.port}"


def ask_readiness(web: WebSettings) -> list[str] | None:
    """The running service's /readyz: its problems ([] when ready), None when it does not answer."""
    try:
        ready, answer = ask(f"{service_address(web)}/readyz")
    except OSError:
        return None
    return [] if ready else [str(p) for p in answer.get("problems") or ["not ready"]]


def ask(url: str) -> tuple[bool, dict[str, Any]]:
    """Whether the endpoint answered 200, and its JSON body."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own http:// endpoint
            return response.status == 200, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:  # 503: the body says why
        with exc:
            try:
                body = json.loads(exc.read() or b"{}")
            except ValueError:
                body = {}
        return False, body if isinstance(body, dict) else {}
