"""Time for tests: a fake clock the service is handed, and US Eastern wall times for simulated steps."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")


class Clock:
    """A clock that says `now` until a test moves it: `clock.now += 3600`."""

    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def at(text: str) -> float:
    """'2025-01-13 09:00' US Eastern -> epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ET).timestamp()
