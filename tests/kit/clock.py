"""Time for tests: a fake clock the service is handed, and US Eastern wall times for simulated steps."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")


class Clock:
    """A clock that says `now` until a test moves it: `clock.now += 3600`; a monitor.core.clock.Clock, so the
    app handed one times its HTTP waits on it too.

    A sleep passes at once: it moves `monotonic` on by its length (and yields to the event loop once), and
    leaves `now` where the test put it, as the real sleeps of the HTTP layer did before. Concurrent sleeps add
    up, where real ones overlap: a wait is never shorter than asked, and may be longer. `sleeps` lists them."""

    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += max(0.0, seconds)
        await asyncio.sleep(0)


def at(text: str) -> float:
    """'2025-01-13 09:00' US Eastern -> epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ET).timestamp()
