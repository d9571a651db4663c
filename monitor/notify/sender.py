"""The one Apprise adapter: send one message to one target URL and say whether a failure is worth retrying.

Before a URL reaches Apprise: redirects are turned off (`redirect=no`), and for generic HTTP targets the host
is resolved and refused when it points inside the network (unless `allow_private_targets`). Apprise's own
result says delivered, failed or timed out; the log lines it captured for the call give the HTTP status and a
Retry-After when known. Messages never carry the URL: only Apprise's privacy form of it is ever shown.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import apprise
from apprise.result import AppriseResultStatus

from monitor.notify import webhook
from monitor.notify.render import Message
from monitor.notify.targets import instantiate, quiet_apprise

_HTTP_STATUS = re.compile(r"error=(\d{3})")
_RETRY_AFTER = re.compile(r"retry_after=(\d+)")
# Apprise targets that POST to a host the operator names: checked against internal addresses after DNS.
_GENERIC_HTTP = {"json", "jsons", "xml", "xmls", "form", "forms", "apprise", "apprises"}


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    retryable: bool = True
    error: str = ""
    retry_after: float | None = None
    maybe_delivered: bool = False  # timed out: the receiver may have it; do not re-send at once


def classify(status: AppriseResultStatus, log_messages: list[str]) -> SendOutcome:
    """Apprise's result and the log lines it captured -> delivered, retry later, or give up now.

    A 3xx or 4xx answer (other than 408 and 429) will not get better by retrying: a bad token, a channel that
    does not exist, a URL that moved. Everything else (5xx, 429, connection errors, timeouts) is retried with backoff.
    """
    if status == AppriseResultStatus.SUCCESS:
        return SendOutcome(ok=True)
    text = "\n".join(log_messages)
    if status == AppriseResultStatus.TIMEOUT or "timed out" in text.lower():
        return SendOutcome(ok=False, error="timed out; the receiver may have got it", maybe_delivered=True)
    codes = [int(c) for c in _HTTP_STATUS.findall(text)]
    retry_after = [int(s) for s in _RETRY_AFTER.findall(text)]
    if codes:
        code = codes[-1]
        # Redirects are not followed (a target must be named as it is), so a 3xx is as final as a 4xx.
        permanent = 300 <= code < 500 and code not in (408, 429)
        return SendOutcome(
            ok=False,
            retryable=not permanent,
            error=f"receiver answered HTTP {code}",
            retry_after=float(retry_after[-1]) if retry_after else None,
        )
    return SendOutcome(ok=False, error="could not deliver (connection error or rejected by the service)")


def _with_params(url: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


class AppriseSender:
    def __init__(self, timeout: float, allow_private: bool = False) -> None:
        self.timeout = timeout
        self.allow_private = allow_private

    async def _refused_host(self, url: str) -> bool:
        scheme = url.split("://", 1)[0].lower()
        if self.allow_private or scheme not in _GENERIC_HTTP:
            return False
        plugin = instantiate(url)
        host = str(getattr(plugin, "host", "") or "")
        port = int(getattr(plugin, "port", None) or (443 if scheme.endswith("s") else 80))
        return bool(host) and await asyncio.to_thread(webhook.resolves_internal, host, port)

    async def send(self, url: str, message: Message) -> SendOutcome:
        if await self._refused_host(url):
            return SendOutcome(ok=False, retryable=False, error="refused: the target resolves to an internal address")
        params = {"redirect": "no"}
        if self.allow_private and url.lower().startswith(("webhook://", "webhooks://")):
            params["allow_private"] = "yes"
        notifier = apprise.Apprise()
        with quiet_apprise():
            added = notifier.add(_with_params(url, **params))
        if not added:
            return SendOutcome(ok=False, retryable=False, error="target URL is not a usable Apprise URL")
        result = await notifier.async_notify(
            body=message.body,
            title=message.title,
            body_format=apprise.NotifyFormat.HTML if message.body_format == "html" else apprise.NotifyFormat.TEXT,
            timeout=self.timeout,
        )
        messages = [entry.message for r in result.results for entry in r.logs()]
        return classify(result.status, messages)
