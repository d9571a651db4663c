"""The one Apprise adapter: send one message to one target URL and say whether a failure is worth retrying."""

from __future__ import annotations

import re
from dataclasses import dataclass

import apprise
from apprise.result import AppriseResultStatus

from monitor.notify.render import Message
from monitor.notify.targets import quiet_apprise

_HTTP_STATUS = re.compile(r"error=(\d{3})")


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    retryable: bool = True
    error: str = ""


def classify(status: AppriseResultStatus, log_messages: list[str]) -> SendOutcome:
    """Apprise's result and the log lines it captured -> delivered, retry later, or give up now.

    A 4xx answer (other than 408 and 429) will not get better by retrying: a bad token, a channel that does
    not exist. Everything else (5xx, 429, connection errors, timeouts) is retried with backoff.
    """
    if status == AppriseResultStatus.SUCCESS:
        return SendOutcome(ok=True)
    if status == AppriseResultStatus.TIMEOUT:
        return SendOutcome(ok=False, error="timed out; the receiver may have got it")
    codes = [int(c) for m in log_messages for c in _HTTP_STATUS.findall(m)]
    if codes:
        code = codes[-1]
        permanent = 400 <= code < 500 and code not in (408, 429)
        return SendOutcome(ok=False, retryable=not permanent, error=f"receiver answered HTTP {code}")
    return SendOutcome(ok=False, error="could not deliver (connection error or rejected by the service)")


class AppriseSender:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def send(self, url: str, message: Message) -> SendOutcome:
        notifier = apprise.Apprise()
        with quiet_apprise():
            added = notifier.add(url)
        if not added:
            return SendOutcome(ok=False, retryable=False, error="target URL is not a usable Apprise URL")
        result = await notifier.async_notify(
            body=message.body,
            title=message.title,
            body_format=apprise.NotifyFormat.TEXT,
            timeout=self.timeout,
        )
        messages = [entry.message for r in result.results for entry in r.logs()]
        return classify(result.status, messages)
