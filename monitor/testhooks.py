"""Hooks for tests that drive the real process: named crash points and a shifted clock.

FR_MONITOR_CRASH_AT: when it names a point, the process kills itself with SIGKILL the moment it reaches that
point: no cleanup, no flush, exactly like a power cut or an OOM kill. Tests use it to prove that no alert is
lost at any step.
FR_MONITOR_CLOCK_OFFSET: seconds added to the wall clock, so a restarted process can be "an hour later" (a
digest falls due, a retry's backoff has passed) without a test waiting an hour.
Unset (always, outside those tests) they cost one dict lookup.

SYSTEM_CLOCK is the app's clock (monitor.core.clock.Clock) when no test hands it another: that shifted wall
clock, time.monotonic and asyncio's sleep.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

ENV = "FR_MONITOR_CRASH_AT"
CLOCK_OFFSET_ENV = "FR_MONITOR_CLOCK_OFFSET"
POINTS = ("after_fetch", "after_commit", "before_send", "after_send", "after_mark")


def crash_point(name: str) -> None:
    assert name in POINTS, name
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def wall_clock() -> float:
    """time.time(), shifted by FR_MONITOR_CLOCK_OFFSET seconds when a test sets it."""
    return time.time() + float(os.environ.get(CLOCK_OFFSET_ENV) or 0)


class SystemClock:
    """The machine's time, as monitor.core.clock.Clock: the wall clock above, time.monotonic, asyncio.sleep."""

    def __call__(self) -> float:
        return wall_clock()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
