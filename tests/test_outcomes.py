"""Delivery outcomes, table-tested: an HTTP status (and Retry-After) -> delivered, retry later, or give up; and
the one place that reads Apprise's captured log lines, on lines as Apprise writes them."""

from __future__ import annotations

import pytest

from monitor.core.backoff import parse_retry_after
from monitor.notify.outcome import NOT_DELIVERED, TIMED_OUT, SendOutcome, from_apprise, from_status


@pytest.mark.parametrize(
    ("status", "ok", "retryable"),
    [
        (200, True, True),
        (204, True, True),
        (301, False, False),
        (302, False, False),
        (400, False, False),
        (401, False, False),
        (403, False, False),
        (404, False, False),
        (408, False, True),
        (429, False, True),
        (500, False, True),
        (503, False, True),
    ],
)
def test_from_status(status: int, ok: bool, retryable: bool) -> None:
    outcome = from_status(status)
    assert outcome.ok is ok
    if not ok:
        assert outcome.retryable is retryable and outcome.error == f"receiver answered HTTP {status}"


APPRISE_LINES = [
    (
        "slack 404",
        False,
        False,
        ["Failed to send Slack notification: error=404.", "Response Details:\r\nno_team"],
        SendOutcome(ok=False, retryable=False, error="receiver answered HTTP 404"),
    ),
    (
        "json 500",
        False,
        False,
        ["Failed to send JSON notification: Internal Server Error - error=500."],
        SendOutcome(ok=False, retryable=True, error="receiver answered HTTP 500"),
    ),
    (
        "the last status counts",
        False,
        False,
        ["error=500.", "error=429."],
        SendOutcome(ok=False, retryable=True, error="receiver answered HTTP 429"),
    ),
    ("timed out, by status", False, True, [], TIMED_OUT),
    ("timed out, by line", False, False, ["A Connection error occurred: Read timed out. (read timeout=4)"], TIMED_OUT),
    ("connection refused", False, False, ["A Connection error occurred sending Slack notification."], NOT_DELIVERED),
    ("delivered", True, False, ["Sent Slack notification."], SendOutcome(ok=True)),
]


@pytest.mark.parametrize(
    ("succeeded", "timed_out", "lines", "expected"), [c[1:] for c in APPRISE_LINES], ids=[c[0] for c in APPRISE_LINES]
)
def test_from_apprise(succeeded: bool, timed_out: bool, lines: list[str], expected: SendOutcome) -> None:
    assert from_apprise(succeeded, timed_out, lines) == expected


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 0.0),
        ("Thu, 01 Jan 2026 00:01:00 GMT", 60.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
    ids=["seconds", "padded", "a date past", "a date ahead", "words", "empty", "absent"],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=1767225600.0) == seconds  # 2026-01-01 00:00 UTC


def test_the_common_plugin_table_agrees_with_the_installed_apprise() -> None:
    """The shortcut for common schemes must name the module the full scan of Apprise's plugins would find."""
    from monitor.notify.targets import COMMON_PLUGIN_MODULES, _plugin_modules

    scanned = _plugin_modules()
    assert {scheme: scanned.get(scheme) for scheme in COMMON_PLUGIN_MODULES} == COMMON_PLUGIN_MODULES
