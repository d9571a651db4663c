"""When each source checks next and why: back-off after failed polls, filing hours, the issue window, conditional
requests and the byte budget. Driven by the service's injectable clock: nothing here waits for real time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from monitor.app import App
from monitor.core.schedule import FIRST_RETRY, Check, next_retry
from monitor.service import next_check, poll_forever
from monitor.settings import load_settings
from monitor.sources.http import SourceError


class FlakySource:
    """A source with the eCFR's 6-hour interval that fails its first `failures` polls."""

    name = "flaky"
    interval = 21600.0

    def __init__(self, failures: int, retry_after: float | None = None) -> None:
        self.failures = failures
        self.retry_after = retry_after
        self.polled_at: list[float] = []
        self.clock: Any = None

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Any]:
        self.polled_at.append(now.timestamp())
        if len(self.polled_at) <= self.failures:
            raise SourceError("flaky: request to upstream failed: refused", "network", self.retry_after)
        return []

    def next_interval(self, now: datetime) -> float:
        return self.interval


class FakeTime:
    """The app's clock, moved by the service's own waits: each wait returns at once, the clock that much later."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def waiter(self, polls: int, source: FlakySource):  # type: ignore[no-untyped-def]
        async def wait(stop: asyncio.Event, seconds: float) -> None:
            self.waits.append(seconds)
            self.now += seconds
            if len(source.polled_at) >= polls:
                stop.set()

        return wait


async def run_polls(app: App, clock: FakeTime, source: FlakySource, polls: int) -> None:
    stop = asyncio.Event()
    await poll_forever(app, source, stop, wait=clock.waiter(polls, source))


async def test_a_failed_poll_is_retried_soon_then_later_never_past_the_interval(fake_fr, receiver, write_config):
    # The eCFR case from the issue: failed at 09:39 ET, it must not wait until 15:39 for the next try.
    clock = FakeTime(datetime(2026, 11, 25, 14, 39, tzinfo=UTC).timestamp())
    app = App(load_settings(write_config(fake_fr, receiver)), clock=clock)
    source = FlakySource(failures=12)
    try:
        await run_polls(app, clock, source, polls=14)
        reasons = app.next_reason
    finally:
        await app.close()
    gaps = [later - earlier for earlier, later in pairwise(source.polled_at)]
    # Soon at first, growing (doubling, a little jitter), capped at the interval; after a success, the interval.
    assert FIRST_RETRY <= gaps[0] <= FIRST_RETRY * 1.06
    assert all(b > a for a, b in pairwise(gaps[:11]))
    assert all(g <= source.interval * 1.06 for g in gaps)
    assert gaps[10] >= source.interval and gaps[11] >= source.interval  # capped: 30 s * 2**10 > 6 h
    assert sum(gaps[:6]) < 3600  # six tries within the first hour after the failure
    assert gaps[-1] >= source.interval - 5  # the 13th poll succeeded: back to the interval (give or take jitter)
    assert reasons["flaky"] == "interval"


async def test_the_back_off_is_visible_and_a_retry_after_is_waited_out(fake_fr, receiver, write_config):
    clock = FakeTime(datetime(2026, 11, 25, 14, 39, tzinfo=UTC).timestamp())
    app = App(load_settings(write_config(fake_fr, receiver)), clock=clock)
    source = FlakySource(failures=2, retry_after=600)
    planned: list[tuple[float, str]] = []
    real_planned = app.planned

    def spy(name: str, when: float, reason: str) -> None:
        planned.append((when - clock(), reason))
        real_planned(name, when, reason)

    app.planned = spy  # type: ignore[method-assign]
    try:
        await run_polls(app, clock, source, polls=3)
    finally:
        await app.close()
    assert planned[0][0] >= 600
    assert planned[0][1] == "back-off after 1 failed poll; upstream asked to wait (Retry-After)"
    assert planned[1][1].startswith("back-off after 2 failed polls")


@pytest.mark.parametrize(
    ("failures", "planned", "retry_after", "expected"),
    [
        (1, 21600, None, Check(30, "back-off after 1 failed poll")),
        (2, 21600, None, Check(60, "back-off after 2 failed polls")),
        (5, 21600, None, Check(480, "back-off after 5 failed polls")),
        (20, 21600, None, Check(21600, "back-off after 20 failed polls")),
        (1, 10, None, Check(10, "back-off after 1 failed poll")),  # never later than the plan
        (1, 60, 120, Check(120, "back-off after 1 failed poll; upstream asked to wait (Retry-After)")),
        (3, 21600, 5, Check(120, "back-off after 3 failed polls")),
    ],
    ids=["first", "second", "fifth", "capped", "short interval", "retry-after", "short retry-after"],
)
def test_next_retry(failures: int, planned: float, retry_after: float | None, expected: Check) -> None:
    assert next_retry(failures, Check(planned, "interval"), retry_after) == expected


def test_next_check_of_a_source_without_a_plan_is_its_interval() -> None:
    now = datetime(2026, 11, 25, 14, 39, tzinfo=UTC)
    assert next_check(FlakySource(0), now) == Check(21600, "interval")
    assert next_check(FlakySource(0), now, failures=1) == Check(30, "back-off after 1 failed poll")
