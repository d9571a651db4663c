"""Sending one message to one target URL, and saying whether a failure is worth retrying.

`webhook://` and `webhooks://` go through our own notifier (typed outcome, monitor.notify.webhook), and
`console://` is printed; every other scheme goes through Apprise. Before a URL reaches Apprise: redirects are
turned off (`redirect=no`), and for generic HTTP targets the host is resolved and refused when it points inside
the network (unless `allow_private_targets`). Messages never carry the URL: only its privacy form is shown.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit

from monitor.notify.hosts import resolves_internal
from monitor.notify.outcome import SendOutcome, from_apprise
from monitor.notify.render import Message
from monitor.notify.schemes import CONSOLE, WEBHOOK_SCHEMES, scheme_of
from monitor.notify.targets import apprise_for, instantiate, quiet_apprise
from monitor.notify.webhook import WebhookClient

# Apprise targets that POST to a host the operator names: checked against internal addresses after DNS.
_GENERIC_HTTP = {"json", "jsons", "xml", "xmls", "form", "forms", "apprise", "apprises"}

__all__ = ["AppriseSender", "SendOutcome"]


def _with_params(url: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


class AppriseSender:
    def __init__(self, timeout: float, allow_private: bool = False) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.webhooks = WebhookClient(timeout)

    async def close(self) -> None:
        await self.webhooks.close()

    async def _refused_host(self, url: str) -> bool:
        """Whether a target that POSTs to a host the operator names (our webhooks, Apprise's generic HTTP
        plugins) resolves inside the network, when that is not allowed. Checked here, for both, at send time."""
        scheme = scheme_of(url)
        if self.allow_private or scheme not in (*WEBHOOK_SCHEMES, *_GENERIC_HTTP):
            return False
        if scheme in WEBHOOK_SCHEMES:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port
        else:
            plugin = instantiate(url)
            host, port = str(getattr(plugin, "host", "") or ""), getattr(plugin, "port", None)
        port = int(port or (443 if scheme.endswith("s") else 80))
        return bool(host) and await asyncio.to_thread(resolves_internal, host, port)

    async def send(self, url: str, message: Message) -> SendOutcome:
        if scheme_of(url) == CONSOLE:
            sys.stdout.write(f"{message.title}\n{message.body}\n\n" if message.title else f"{message.body}\n\n")
            sys.stdout.flush()
            return SendOutcome(ok=True)
        if await self._refused_host(url):
            return SendOutcome(ok=False, retryable=False, error="refused: the target resolves to an internal address")
        if scheme_of(url) in WEBHOOK_SCHEMES:
            return await self.webhooks.post(url, message.body)
        apprise = apprise_for(url)
        notifier = apprise.Apprise()
        with quiet_apprise():
            added = notifier.add(_with_params(url, redirect="no"))
        if not added:
            return SendOutcome(ok=False, retryable=False, error="target URL is not a usable Apprise URL")
        result = await notifier.async_notify(
            body=message.body,
            title=message.title,
            body_format=apprise.NotifyFormat.HTML if message.body_format == "html" else apprise.NotifyFormat.TEXT,
            timeout=self.timeout,
        )
        from apprise.result import AppriseResultStatus

        messages = [entry.message for r in result.results for entry in r.logs()]
        return from_apprise(
            result.status == AppriseResultStatus.SUCCESS, result.status == AppriseResultStatus.TIMEOUT, messages
        )
