"""Schedule maths (pure): US federal business days, and how often to poll public inspection.

Documents go on public inspection on business days: regular filings about 08:45 ET, special filings through
the day until about 18:00. Outside those hours, at weekends and on federal holidays nothing is filed, so the
public inspection desk is polled at its quiet interval then, and at its busy interval during the filing day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from monitor.core.clock import EASTERN

FILING_DAY_START = time(8, 0)
FILING_DAY_END = time(18, 30)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """A holiday on a Saturday is observed on the Friday before, on a Sunday on the Monday after."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """The eleven US federal holidays (5 U.S.C. 6103) as observed, for `year`."""
    monday, thursday = 0, 3
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    floating = [
        _nth_weekday(year, 1, monday, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, monday, 3),  # Washington's Birthday
        _last_weekday(year, 5, monday),  # Memorial Day
        _nth_weekday(year, 9, monday, 1),  # Labor Day
        _nth_weekday(year, 10, monday, 2),  # Columbus Day
        _nth_weekday(year, 11, thursday, 4),  # Thanksgiving Day
    ]
    days = {_observed(d) for d in fixed} | set(floating)
    # New Year's Day of the next year falling on a Saturday is observed on this year's December 31.
    if date(year + 1, 1, 1).weekday() == 5:
        days.add(date(year, 12, 31))
    return frozenset(days)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def in_filing_hours(now: datetime) -> bool:
    local = now.astimezone(EASTERN)
    return is_business_day(local.date()) and FILING_DAY_START <= local.time() < FILING_DAY_END


def public_inspection_interval(now: datetime, busy: float, quiet: float) -> float:
    """Seconds until the next public inspection poll: `busy` in filing hours, else `quiet` but never past the
    start of the next filing day (so the 08:45 regular filings are seen within `busy` of going up)."""
    if in_filing_hours(now):
        return busy
    local = now.astimezone(EASTERN)
    day = local.date()
    if local.time() >= FILING_DAY_START:
        day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    opens = datetime.combine(day, FILING_DAY_START, tzinfo=EASTERN).astimezone(UTC)
    until_open = (opens - now.astimezone(UTC)).total_seconds()
    return max(busy, min(quiet, until_open))


def staleness_limit(now: datetime, interval: float, quiet: float | None = None) -> float:
    """How long since a source's last successful poll before it counts as not ready: three of its current
    intervals (the quiet one outside filing hours, for a source that has one), and at least ten minutes."""
    current = interval if quiet is None or in_filing_hours(now) else max(interval, quiet)
    return max(600.0, 3 * current)


# A failed poll is tried again this soon, then doubling each time it fails again, never later than the source's
# own interval: a source that failed once is not left waiting a whole interval (six hours for the eCFR).
FIRST_RETRY = 30.0


@dataclass(frozen=True, slots=True)
class Check:
    """When a source checks next (seconds from now) and why, in words people read in status and the console."""

    delay: float
    reason: str


def next_retry(failures: int, planned: Check, retry_after: float | None = None) -> Check:
    """After the `failures`-th failed poll in a row: soon at first (FIRST_RETRY), doubling, never later than
    the check that was planned anyway; a Retry-After from upstream is waited out whatever it says."""
    delay = min(planned.delay, FIRST_RETRY * 2 ** (max(failures, 1) - 1))
    reason = f"back-off after {failures} failed poll{'s' if failures > 1 else ''}"
    if retry_after is not None and retry_after > delay:
        return Check(retry_after, f"{reason}; upstream asked to wait (Retry-After)")
    return Check(delay, reason)
