"""Time as the Federal Register keeps it: civil dates in US Eastern, whatever the machine's TZ says.

The one place that shows and reads US Eastern time: alerts, the console and the CLI all print an instant as
"2025-01-15 09:00 ET" (format_eastern_time, format_eastern_instant) and read a date or a date and time a person
typed as US Eastern (eastern_timestamp).

And what the app's clock is (Clock): the service runs on the system's (monitor.testhooks.SYSTEM_CLOCK); a test
or a bench hands the app a fake one, and then every wait the app decides passes on fake time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")


@runtime_checkable
class Clock(Protocol):
    """The app's time. Called, it is Unix time now (schedules, the store, alerts, an HTTP date's distance);
    `monotonic` and `sleep` time the waits the HTTP layer decides: spacing per host, a Retry-After, the pause
    before a retry. A wait is measured on `monotonic` alone, so a wall clock set back never stretches one."""

    def __call__(self) -> float: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


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


def format_eastern_instant(iso: str) -> str:
    """An ISO 8601 instant with its offset (public inspection's filed_at) as people here read it:
    "2025-01-13 08:45 ET"; ValueError when it is not one."""
    return format_eastern_time(datetime.fromisoformat(iso).timestamp())


@dataclass(frozen=True, slots=True)
class CatchUp:
    """The publication dates one Federal Register poll asks for, and any it had to leave out."""

    since: date
    until: date
    skipped: tuple[date, date] | None = None  # first and last date past the catch-up limit


def catch_up_window(now: datetime, lookback_days: int, last_success: datetime | None, max_days: int) -> CatchUp:
    """From the earlier of (today - lookback) and (the day of the last successful poll - 1), so that what was
    published while the service was down is still seen; never more than `max_days` back. The day before the
    last success is included because a document can be published under a date that already began."""
    since, today = lookback_window(now, lookback_days)
    if last_success is not None:
        since = min(since, eastern_today(last_success) - timedelta(days=1))
    earliest = today - timedelta(days=max_days - 1)
    if since < earliest:
        return CatchUp(earliest, today, (since, earliest - timedelta(days=1)))
    return CatchUp(since, today)


def month_windows(since: date, until: date) -> Iterator[tuple[date, date]]:
    """Calendar-month windows covering since..until, newest first (the order the API pages in)."""
    end = until
    while end >= since:
        start = max(since, end.replace(day=1))
        yield start, end
        if start == since:  # done; the day before could be before the first date there is (date.min)
            return
        end = start - timedelta(days=1)


def eastern_timestamp(text: str) -> float:
    """'2025-01-15' (midnight) or '2025-01-15T08:00', read as US Eastern -> Unix time; ValueError otherwise."""
    when = datetime.fromisoformat(text)
    return (when if when.tzinfo else when.replace(tzinfo=EASTERN)).timestamp()
