"""Time as the Federal Register keeps it: civil dates in US Eastern, whatever the machine's TZ says."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")


def eastern_today(now: datetime) -> date:
    """The US Eastern calendar date at the aware instant `now`."""
    if now.tzinfo is None:
        raise ValueError("eastern_today needs an aware datetime")
    return now.astimezone(EASTERN).date()


def lookback_window(now: datetime, days: int) -> tuple[date, date]:
    """The publication dates to ask for: the last `days` Eastern days, today included."""
    today = eastern_today(now)
    return today - timedelta(days=max(days, 1) - 1), today


def format_eastern_time(timestamp: float) -> str:
    """A Unix time as people here read it: "2025-01-15 09:00 ET"."""
    return datetime.fromtimestamp(timestamp, EASTERN).strftime("%Y-%m-%d %H:%M ET")
