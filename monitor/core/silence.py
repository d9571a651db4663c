"""Silences: "stop telling me about this one for a while", set by an operator, with who, why and until when.

A silence has one or more matchers, and ALL of them must match an alert for it to be silenced:
    watchlist  the alert's watchlist, by name
    document   the document's number (a page entry's number is its URL)
    rin        one of the document's regulation identifier numbers (case does not matter)
    docket     one of the document's docket ids (case does not matter)
    query      the watchlist language, tried on the document's title, abstract, action and agencies
It is active from when it was added until it ends (`ends_at`) or is expired by hand (`expired_at`), whichever
comes first. An alert is checked against the active silences when it is queued: a silence added later does not
recall an alert already queued, and one that ended lets the next alert through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from monitor.core.clock import EASTERN
from monitor.core.matching import Matcher
from monitor.core.watchlist import Watchlist
from monitor.models import Alert

MATCHERS = ("watchlist", "document", "rin", "docket", "query")

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# A silence is for a while ("until 2099-12-31" for a long while); the bound keeps its end a date that datetime can
# hold and people can read. For good: edit the watchlist.
MAX_SILENCE_DAYS = 36_525
_MAX_SAID = "100 years"


class SilenceError(ValueError):
    """A silence that cannot be made as asked; the message says what to write instead."""


def parse_silence_duration(text: str) -> float:
    """'30d', '12h', '90m', '2w' -> seconds; SilenceError otherwise."""
    found = _DURATION.match(text)
    if found is None or int(found[1]) <= 0:
        raise SilenceError(f"--for {text!r} is not a duration; write a whole number and a unit, like 30d, 12h, 90m, 2w")
    seconds = int(found[1]) * _UNIT_SECONDS[found[2].lower()]
    if seconds > MAX_SILENCE_DAYS * 86400:
        raise SilenceError(
            f"--for {text.strip()} is longer than {_MAX_SAID}; to stop alerts for good, edit the watchlist"
        )
    return seconds


def end_of_day(day: date) -> float:
    """`--until YYYY-MM-DD`: the silence holds through that whole day, US Eastern: it ends at the midnight that
    closes it (00:00 ET the day after)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=EASTERN).timestamp()


def silence_end(now: float, for_: str | None, until: date | None) -> float:
    """When a silence added at `now` ends: exactly one of `for_` (a duration) and `until` (a date)."""
    if (for_ is None) == (until is None):
        raise SilenceError("give how long the silence lasts: --for DURATION (like 30d) or --until YYYY-MM-DD")
    if for_ is not None:
        return now + parse_silence_duration(for_)
    assert until is not None
    if until >= datetime.fromtimestamp(now, EASTERN).date() + timedelta(days=MAX_SILENCE_DAYS):
        raise SilenceError(
            f"--until {until} is more than {_MAX_SAID} ahead; to stop alerts for good, edit the watchlist"
        )
    ends_at = end_of_day(until)
    if ends_at <= now:
        raise SilenceError(f"--until {until} has passed already (US Eastern); give a date from today on")
    return ends_at


def check_query(query: str) -> None:
    """SilenceError when `query` is not valid in the watchlist language (the message points at the position)."""
    from monitor.core.watchlist import WatchlistError

    try:
        Watchlist.build("silence", query)
    except WatchlistError as exc:
        raise SilenceError(f"--{exc.detail}") from None


@dataclass(frozen=True)
class Silence:
    id: int
    comment: str
    author: str
    created_at: float
    ends_at: float
    watchlist: str | None = None
    document: str | None = None
    rin: str | None = None
    docket: str | None = None
    query: str | None = None
    expired_at: float | None = None  # expired by hand, before its end
    expired_by: str | None = None
    silenced: int = 0  # alerts it silenced (filled when read for people)

    def active(self, now: float) -> bool:
        return self.created_at <= now < self.ended_at

    @property
    def ended_at(self) -> float:
        """When it stops silencing: its end, or when it was expired by hand if that came first."""
        return min(self.ends_at, self.expired_at) if self.expired_at is not None else self.ends_at

    def matchers(self) -> list[tuple[str, str]]:
        """(name, value) of each matcher it has, in the order MATCHERS lists them."""
        return [(name, value) for name in MATCHERS if (value := getattr(self, name))]

    def describe(self) -> str:
        return " ".join(
            f"{name}={value!r}" if name == "query" else f"{name}={value}" for name, value in self.matchers()
        )

    @cached_property
    def _matcher(self) -> Matcher | None:
        return Matcher([Watchlist.build(f"silence-{self.id}", self.query)]) if self.query else None

    def matches(self, alert: Alert) -> bool:
        doc = alert.document
        if self.watchlist is not None and alert.watchlist != self.watchlist:
            return False
        if self.document is not None and doc.number != self.document:
            return False
        if self.rin is not None and self.rin.upper() not in {r.upper() for r in doc.regulation_id_numbers}:
            return False
        if self.docket is not None and self.docket.upper() not in {d.upper() for d in doc.docket_ids}:
            return False
        return self._matcher is None or bool(self._matcher.match(doc))


def silencing(silences: Iterable[Silence], alert: Alert, now: float) -> Silence | None:
    """The first (oldest) active silence that matches `alert`, or None: then it is delivered."""
    return next((s for s in sorted(silences, key=lambda s: s.id) if s.active(now) and s.matches(alert)), None)


def listed(silences: Sequence[Silence], now: float) -> list[Silence]:
    """For people: active ones first (ending soonest first), then the ended ones (most recently ended first)."""
    active = sorted((s for s in silences if s.active(now)), key=lambda s: (s.ended_at, s.id))
    ended = sorted((s for s in silences if not s.active(now)), key=lambda s: (-s.ended_at, -s.id))
    return [*active, *ended]
