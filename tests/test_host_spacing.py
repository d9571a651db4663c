"""HostSpacing on a fake clock: requests to one host spaced by its rate, none to a host before its Retry-After has
passed, and each host (or rate key) on its own. The waits pass at once; when each request was let go is read
from the fake clock's monotonic time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from monitor.app import App
from monitor.settings.loading import load_settings
from monitor.sources.http import HostSpacing
from monitor.testhooks import SYSTEM_CLOCK
from tests.kit.clock import Clock, at
from tests.kit.fakes import offline


async def let_go(spacing: HostSpacing, clock: Clock, *hosts: str) -> list[float]:
    """Wait for each host in turn, as the client does before a request: when each was let go."""
    times = []
    for host in hosts:
        await spacing.wait(host)
        times.append(clock.monotonic())
    return times


async def test_requests_to_a_host_are_spaced_by_its_rate() -> None:
    clock = Clock()
    spacing = HostSpacing({"slow.example": 2.0}, default_rate=5.0, clock=clock)
    assert await let_go(spacing, clock, "slow.example", "slow.example", "slow.example") == pytest.approx(
        [0.0, 0.5, 1.0]
    )
    later = clock.monotonic() + 10  # long after: the next request goes at once
    clock.elapsed = later
    assert await let_go(spacing, clock, "slow.example") == [later]


async def test_the_default_rate_is_for_hosts_not_named() -> None:
    clock = Clock()
    spacing = HostSpacing({"slow.example": 2.0}, default_rate=5.0, clock=clock)
    assert await let_go(spacing, clock, "other.example", "other.example") == pytest.approx([0.0, 0.2])


async def test_concurrent_requests_to_one_host_go_one_by_one() -> None:
    clock = Clock()
    spacing = HostSpacing({}, default_rate=4.0, clock=clock)
    times: list[float] = []

    async def request() -> None:
        await spacing.wait("api.example")
        times.append(clock.monotonic())

    await asyncio.gather(request(), request(), request())
    assert times == pytest.approx([0.0, 0.25, 0.5])


async def test_no_request_before_a_retry_after_has_passed() -> None:
    clock = Clock()
    spacing = HostSpacing({}, default_rate=5.0, clock=clock)
    await spacing.wait("api.example")
    spacing.block("api.example", 30)
    assert spacing.blocked_for("api.example") == 30
    clock.elapsed += 10  # ten seconds pass: twenty to go
    assert spacing.blocked_for("api.example") == 20
    assert await let_go(spacing, clock, "api.example") == pytest.approx([30.0])
    assert spacing.blocked_for("api.example") == 0
    # after the block, the rate again: the next request is a fifth of a second after this one
    assert await let_go(spacing, clock, "api.example") == pytest.approx([30.2])


async def test_a_shorter_retry_after_never_shortens_a_longer_one() -> None:
    clock = Clock()
    spacing = HostSpacing({}, clock=clock)
    spacing.block("api.example", 60)
    spacing.block("api.example", 2)
    assert spacing.blocked_for("api.example") == 60
    assert await let_go(spacing, clock, "api.example") == pytest.approx([60.0])


async def test_each_host_is_spaced_and_blocked_on_its_own() -> None:
    clock = Clock()
    spacing = HostSpacing({"a.example": 1.0, "full_text": 0.5}, default_rate=5.0, clock=clock)
    spacing.block("b.example", 120)
    # a blocked host and a slow one hold no other back: a.example, c.example and the full-text key go at once
    assert await let_go(spacing, clock, "a.example", "c.example", "full_text") == [0.0, 0.0, 0.0]
    assert clock.sleeps == []
    assert spacing.blocked_for("a.example") == 0 and spacing.blocked_for("b.example") == 120
    # each then waits for its own rate alone: c.example's next slot (0.2) comes before a.example's (1.0)
    assert await let_go(spacing, clock, "c.example", "a.example", "full_text") == pytest.approx([0.2, 1.0, 2.0])
    assert await let_go(spacing, clock, "b.example") == pytest.approx([120.0])


class OverrunningClock(Clock):
    """A loaded machine: every sleep lasts half a second longer than asked."""

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds + 0.5
        await asyncio.sleep(0)


async def test_the_next_slot_counts_from_when_a_request_was_really_let_go() -> None:
    clock = OverrunningClock()
    spacing = HostSpacing({}, default_rate=1.0, clock=clock)
    # due at 1.0, let go at 1.5 (the sleep overran): the next is due a full second later, at 2.5, not at 2.0
    assert await let_go(spacing, clock, "api.example", "api.example", "api.example") == pytest.approx([0.0, 1.5, 3.0])
    assert clock.sleeps == pytest.approx([1.0, 1.0])  # what it asked for each time: a full second


async def test_an_app_on_a_fake_clock_spaces_its_requests_on_it_too(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(offline(f'data_dir = "{tmp_path / "data"}"\n[web]\nenabled = false\n'))
    clock = Clock(at("2026-11-25 10:00"))
    app = App(load_settings(config), clock=clock)
    assert app.http.clock is clock and app.http.spacing.clock is clock
    await app.close()
    # a bare function of time sets the time of day only: the HTTP layer's waits stay on the system's clock
    app = App(load_settings(config), clock=lambda: at("2026-11-25 10:00"))
    assert app.http.clock is SYSTEM_CLOCK and app.http.spacing.clock is SYSTEM_CLOCK
    await app.close()
