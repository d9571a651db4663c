"""Schedule maths (pure): US federal business days, and how often to poll public inspection.

Documents go on public inspection on business days: regular filings about 08:45 ET, special filings through
the day until about 18:00. Outside those hours, at weekends and on federal holidays nothing is filed, so the
public inspection desk is polled at its quiet interval then, and at its busy interval during the filing day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from monitor.core.backoff import doubling
from monitor.core.clock import EASTERN

FILING_DAY_START = time(8, 0)
FILING_DAY_END = time(18, 30)


@dataclass(frozen=True, slots=True)
class Check:
    """When a source checks next (seconds from now) and why, in words people read in status and the console."""

    delay: float
    reason: str


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


Hours = tuple[time, time]  # (from, until) US Eastern, on business days
FILING_HOURS: Hours = (FILING_DAY_START, FILING_DAY_END)
ISSUE_WINDOW: Hours = (time(5, 45), time(9, 0))


def parse_hours(text: str) -> Hours:
    """'08:00-18:30' -> (08:00, 18:30); ValueError unless both are HH:MM and the first is earlier."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM, like '08:00-18:30'")
    try:
        hours = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    except ValueError:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM, like '08:00-18:30'") from None
    if hours[0] >= hours[1]:
        raise ValueError(f"{text!r}: the start must be before the end (US Eastern, within one day)")
    return hours


def in_filing_hours(now: datetime, hours: Hours = FILING_HOURS) -> bool:
    local = now.astimezone(EASTERN)
    return is_business_day(local.date()) and hours[0] <= local.time() < hours[1]


def until_next_opening(now: datetime, hours: Hours) -> float:
    """Seconds from `now` to the next business day's `hours` start (today's, if it is still ahead)."""
    local = now.astimezone(EASTERN)
    day = local.date()
    if local.time() >= hours[0]:
        day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    opens = datetime.combine(day, hours[0], tzinfo=EASTERN).astimezone(UTC)
    return (opens - now.astimezone(UTC)).total_seconds()


def public_inspection_check(now: datetime, busy: float, quiet: float, hours: Hours = FILING_HOURS) -> Check:
    """The next public inspection check: `busy` in filing hours, else `quiet` but never past the start of the
    next filing day (so the 08:45 regular filings are seen within `busy` of going up)."""
    if in_filing_hours(now, hours):
        return Check(busy, "filing hours")
    until_open = until_next_opening(now, hours)
    if until_open < quiet:
        return Check(max(busy, until_open), "quiet until the filing day opens")
    return Check(quiet, "quiet (night, weekend or holiday)")


def public_inspection_interval(now: datetime, busy: float, quiet: float, hours: Hours = FILING_HOURS) -> float:
    """Seconds until the next public inspection poll (see public_inspection_check)."""
    return public_inspection_check(now, busy, quiet, hours).delay


def documents_check(now: datetime, interval: float, fast: float, window: Hours, issue_seen: bool) -> Check:
    """The next documents check: every `fast` in the daily issue's window on business days until today's issue
    has been read, else every `interval`, but never past the opening of the next window."""
    if in_filing_hours(now, window) and not issue_seen:
        return Check(fast, "issue window: today's issue not seen yet")
    until_open = until_next_opening(now, window)
    if until_open < interval:
        return Check(max(fast, until_open), "until the issue window opens")
    return Check(interval, "interval")


def staleness_limit(now: datetime, interval: float, quiet: float | None = None) -> float:
    """How long since a source's last successful poll before it counts as not ready: three of its current
    intervals (the quiet one outside filing hours, for a source that has one), and at least ten minutes."""
    current = interval if quiet is None or in_filing_hours(now) else max(interval, quiet)
    return max(600.0, 3 * current)


# A failed poll is tried again this soon, then doubling each time it fails again, never later than the source's
# own interval: a source that failed once is not left waiting a whole interval (six hours for the eCFR).
FIRST_RETRY = 30.0


def next_retry(failures: int, planned: Check, retry_after: float | None = None) -> Check:
    """After the `failures`-th failed poll in a row: soon at first (FIRST_RETRY), doubling, never later than
    the check that was planned anyway; a Retry-After from upstream is waited out whatever it says."""
    delay = doubling(failures, FIRST_RETRY, planned.delay)
    reason = f"back-off after {failures} failed poll{'s' if failures > 1 else ''}"
    if retry_after is not None and retry_after > delay:
        return Check(retry_after, f"{reason}; upstream asked to wait (Retry-After)")
    return Check(delay, reason)


# Today's schedule before conditional checks: the whole public inspection list every 5 minutes in filing hours,
# every quiet interval otherwise. A day's full downloads never exceed what it made (see ByteBudget).
REFERENCE_INTERVAL = 300.0
BUDGET_REASON = "byte budget: no more bytes a day than 5-minute full polls"


def reference_downloads(now: datetime, quiet: float, hours: Hours = FILING_HOURS) -> float:
    """Full lists the 5-minute schedule had downloaded from US Eastern midnight to `now` (today's first included)."""
    local = now.astimezone(EASTERN)
    midnight = datetime.combine(local.date(), time(0), tzinfo=EASTERN)
    elapsed = (now - midnight).total_seconds()
    filing = 0.0
    if is_business_day(local.date()):
        opens = (datetime.combine(local.date(), hours[0], tzinfo=EASTERN) - midnight).total_seconds()
        closes = (datetime.combine(local.date(), hours[1], tzinfo=EASTERN) - midnight).total_seconds()
        filing = max(0.0, min(elapsed, closes) - opens)
    return 1 + filing / REFERENCE_INTERVAL + (elapsed - filing) / quiet


@dataclass(slots=True)
class ByteBudget:
    """Bytes a day, counted in full lists: a day never downloads more than the 5-minute full polls did by the
    same time of day. A 200 costs one list, a 304 the few hundred bytes of its headers (a sliver of a list);
    while the budget is spent, checks wait until it has grown back (an upstream that ignores conditional
    requests is then read every 5 minutes, as before)."""

    quiet: float
    hours: Hours = FILING_HOURS
    day: date | None = None
    spent: float = 0.0  # lists downloaded today

    def spend(self, now: datetime, lists: float) -> None:
        today = now.astimezone(EASTERN).date()
        if today != self.day:
            self.day, self.spent = today, 0.0
        self.spent += lists

    def wait(self, now: datetime) -> float:
        """Seconds until a full list fits in the budget again (0: it fits now)."""
        if now.astimezone(EASTERN).date() != self.day:
            return 0.0
        short = self.spent + 1 - reference_downloads(now, self.quiet, self.hours)
        if short <= 0:
            return 0.0
        return short * (REFERENCE_INTERVAL if in_filing_hours(now, self.hours) else self.quiet)
