"""The dates ahead of an alerted document (comments close, takes effect), and how they are kept true.

The rules, in the order a date goes through them:
1. Watched: a Federal Register document a watchlist matched that has a date still ahead (today included).
   While it is in the search window every poll reads it anyway; once it left the window nothing else would,
   so it is read again by number (one request for up to REREAD_BATCH documents) when its last reading is
   REREAD_EVERY old, the least recently read first, at most REREAD_BATCHES_PER_POLL requests a poll.
2. A date that changed, found by the window or by a re-read, is a change like any other (an `updated` alert
   with before and after) and is remembered as a DateMove when the change is stored.
3. A reminder's identity (its alert key) holds the date it reminds of: reminders follow a date that moved
   instead of being dropped as repeats, and they say "extended from <old date>" ("moved from" when earlier).
4. A later document sharing the rule's RIN or docket that sets its own comments-close or effective date is
   shown on the rule's timeline (the console's document page), and a reminder of the rule's own date for that
   kind of date names it ("Set later: 2026-05-01 by 2026-90300, ..."): the rule's date may no longer hold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from monitor.core.identity import follow_keys
from monitor.models import Alert, Change, Document, Fact

# The dates a reminder counts down to, with how people read them.
DEADLINE_FIELDS = {"comments_close_on": "Comments close", "effective_on": "Takes effect"}

REREAD_EVERY = 6 * 3600.0  # seconds between two readings of a watched document outside the window
REREAD_BATCH = 100  # numbers per request: the API answers up to 250; 100 keeps the URL under 2,000 characters
REREAD_BATCHES_PER_POLL = 5  # requests a poll may spend; what is left waits for the next poll


def due_for_reread(last_read: Mapping[str, float | None], fetched: Collection[str], now: float) -> list[str]:
    """The watched documents (number -> when last read again, None: never) to read again now: those the poll did
    not fetch anyway, not read for REREAD_EVERY, the least recently read first, as many as the poll may ask."""
    due = [
        (read_at or 0.0, number)
        for number, read_at in last_read.items()
        if number not in fetched and (read_at is None or now - read_at >= REREAD_EVERY)
    ]
    return [number for _, number in sorted(due)[: REREAD_BATCH * REREAD_BATCHES_PER_POLL]]


def batches(numbers: Sequence[str], size: int = REREAD_BATCH) -> list[list[str]]:
    return [list(numbers[i : i + size]) for i in range(0, len(numbers), size)]


def rereads_per_day(watched: int) -> int:
    """Requests a day spent re-reading `watched` documents that left the window (the closing figure)."""
    per_round = -(-watched // REREAD_BATCH)
    return per_round * round(86400 / REREAD_EVERY)


@dataclass(frozen=True, slots=True)
class DateMove:
    """A date of a document that changed: `before` what it was, `after` what it is (None: none)."""

    number: str
    field: str
    before: date | None
    after: date | None


def date_moves(changes: Iterable[Change], previous: Mapping[str, Document]) -> list[DateMove]:
    """The dates that changed in this poll's updated documents, compared with their stored snapshots."""
    moves = []
    for change in changes:
        before = previous.get(change.document.number)
        if change.kind != "updated" or before is None:
            continue
        for name in DEADLINE_FIELDS:
            old, new = getattr(before, name), getattr(change.document, name)
            if old != new:
                moves.append(DateMove(change.document.number, name, old, new))
    return moves


def reminder_version(field: str, deadline: date, days: int) -> str:
    """The part of a reminder's key that names it: which date, which day, how many days before
    ("comments_close_on-2025-05-15-7d"). A date that moves makes new reminders."""
    return f"{field}-{deadline.isoformat()}-{days}d"


def moved_note(deadline: date, move: DateMove | None) -> str:
    """ " (extended from 2025-05-15)" when the date the reminder counts down to moved there from another date."""
    if move is None or move.after != deadline or move.before is None or move.before == deadline:
        return ""
    return f" ({'extended' if deadline > move.before else 'moved'} from {move.before.isoformat()})"


@dataclass(frozen=True, slots=True)
class LaterDate:
    """A later document on the same RIN or docket that sets a date of its own: a new comment period, a delayed
    effective date."""

    document: Document
    field: str
    day: date
    shared: tuple[str, ...]  # the RINs and dockets the two share ("RIN 0694-AJ90")


def dates_set_later(rule: Document, others: Iterable[Document]) -> list[LaterDate]:
    """Documents published after `rule` that share one of its RINs or dockets and carry a comments-close or
    effective date different from the rule's, oldest first."""
    keys = set(follow_keys(rule))
    found = []
    for other in others:
        shared = tuple(k for k in follow_keys(other) if k in keys)
        if other.number == rule.number or not shared or not _later(other, rule):
            continue
        for name in DEADLINE_FIELDS:
            day = getattr(other, name)
            if day is not None and day != getattr(rule, name):
                found.append(LaterDate(other, name, day, shared))
    return sorted(found, key=lambda d: (d.document.publication_date or date.max, d.document.number, d.field))


def _later(other: Document, rule: Document) -> bool:
    if other.publication_date is None or rule.publication_date is None:
        return False
    return other.publication_date > rule.publication_date


def with_later_dates(alerts: Sequence[Alert], later: Mapping[str, Sequence[LaterDate]]) -> list[Alert]:
    """Reminders (`due_reminders`: the hit names the date field) with a fact for each later document, by the
    reminded document's number, that sets the same kind of date."""
    told = []
    for alert in alerts:
        field = alert.match.hits[0].term if alert.match.hits else ""
        facts = tuple(
            Fact("Set later", f"{d.day.isoformat()} by {d.document.number}, {d.document.action or d.document.title}")
            for d in later.get(alert.document.number, ())
            if d.field == field
        )
        told.append(dataclasses.replace(alert, facts=(*alert.facts, *facts)) if facts else alert)
    return told
