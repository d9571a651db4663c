"""What became of one send, and whether it is worth trying again.

Our own webhook notifier returns this directly (it sees the HTTP status, Retry-After and timeouts itself).
For Apprise's plugins, the only place that reads Apprise's captured log lines is `from_apprise`: Apprise's
result says delivered, failed or timed out, and its log lines carry the HTTP status (`error=404`) when known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HTTP_STATUS = re.compile(r"error=(\d{3})")


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    retryable: bool = True
    error: str = ""
    retry_after: float | None = None
    maybe_delivered: bool = False  # timed out: the receiver may have it; do not re-send at once


def from_status(status: int, retry_after: float | None = None) -> SendOutcome:
    """An HTTP answer -> the outcome. A 3xx or 4xx (other than 408 and 429) will not get better by retrying: a
    bad token, a channel that does not exist, a URL that moved (redirects are never followed, so a 3xx is as
    final as a 4xx). 5xx, 408 and 429 are retried with backoff, never before a Retry-After."""
    if 200 <= status < 300:
        return SendOutcome(ok=True)
    permanent = 300 <= status < 500 and status not in (408, 429)
    return SendOutcome(
        ok=False, retryable=not permanent, error=f"receiver answered HTTP {status}", retry_after=retry_after
    )


TIMED_OUT = SendOutcome(ok=False, error="timed out; the receiver may have got it", maybe_delivered=True)
NOT_DELIVERED = SendOutcome(ok=False, error="could not deliver (connection error or rejected by the service)")


def from_apprise(succeeded: bool, timed_out: bool, log_messages: list[str]) -> SendOutcome:
    """Apprise's result and the log lines it captured for the call -> the outcome."""
    if succeeded:
        return SendOutcome(ok=True)
    text = "\n".join(log_messages)
    if timed_out or "timed out" in text.lower():
        return TIMED_OUT
    codes = [int(c) for c in _HTTP_STATUS.findall(text)]
    return from_status(codes[-1]) if codes else NOT_DELIVERED
