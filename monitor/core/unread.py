"""Texts the matcher needs that could not be read: the documents are held and evaluated again (pure).

A watchlist may search a document's full text (Federal Register documents without an abstract: executive orders
above all) or, for a page that follows its links, the linked page's text. Either can fail to download. The rules,
in order:
1. The document is evaluated now without the text: a watchlist that matches it anyway alerts once, and the alert
   says the text could not be read (UNREAD_NOTE).
2. Its change (as evaluated) is held in the store with the number of failed reads and the latest reason, and it
   is evaluated again on every poll of its source, whether or not the source still lists it, until the text is
   read. Then the watchlists that match only with the text alert; the others' alerts carry the same keys as
   before, so they are not sent twice.
3. After MAX_TEXT_TRIES failed reads it is given up on: the ops target hears once, with the document and the
   reason, and `frmonitor_enrichment_failures_total{kind}` counts it. It is still read once a day
   (GIVEN_UP_RETRY_SECONDS) for GIVEN_UP_KEPT_SECONDS, then dropped (logged).
4. Every held document is outstanding: `status` and the console list it, and `run --once` exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from monitor.models import Change, Document, FieldChange

TextKind = Literal["full_text", "linked_text"]
TEXT_LABELS: dict[TextKind, str] = {"full_text": "full text", "linked_text": "linked page's text"}

MAX_TEXT_TRIES = 3  # failed reads before the ops target hears
GIVEN_UP_RETRY_SECONDS = 86_400.0
GIVEN_UP_KEPT_SECONDS = 7 * 86_400.0
MAX_RETRIES_PER_POLL = 20  # held documents read again in one poll, least recently tried first


@dataclass(frozen=True, slots=True)
class Unread:
    """A document held because a text its watchlists need could not be read."""

    source: str
    change: Change  # as it was evaluated: what is evaluated again once the text is read
    kind: TextKind
    reason: str  # the latest failure
    tries: int
    first_failed_at: float
    last_tried_at: float
    given_up_at: float | None = None

    @property
    def number(self) -> str:
        return self.change.document.number

    def describe(self) -> str:
        """One line for people: which text of which document, why, and how often it was tried."""
        doc = self.change.document
        tries = f"{self.tries} time{'s' if self.tries != 1 else ''}"
        label = TEXT_LABELS[self.kind]
        return f"the {label} of {doc.number} ({doc.title}) could not be read, tried {tries}: {self.reason}"


def unread_note(kind: TextKind, reason: str) -> str:
    return (
        f"the {TEXT_LABELS[kind]} could not be read ({reason}): this alert comes from what could be read; "
        "the text is tried again on the next polls"
    )


def due_for_retry(held: Iterable[Unread], now: float) -> tuple[list[Unread], list[Unread]]:
    """(the held documents to read again in this poll, those given up on long enough ago to drop)."""
    due, dropped = [], []
    for unread in sorted(held, key=lambda u: u.last_tried_at):
        if unread.given_up_at is not None:
            if now - unread.given_up_at > GIVEN_UP_KEPT_SECONDS:
                dropped.append(unread)
                continue
            if now - unread.last_tried_at < GIVEN_UP_RETRY_SECONDS:
                continue
        due.append(unread)
    return due[:MAX_RETRIES_PER_POLL], dropped


def after_failure(
    source: str, change: Change, kind: TextKind, reason: str, previous: Unread | None, now: float
) -> Unread:
    """The record of one more failed read: counted, and given up on at MAX_TEXT_TRIES."""
    tries = (previous.tries if previous else 0) + 1
    given_up_at = previous.given_up_at if previous else None
    if given_up_at is None and tries >= MAX_TEXT_TRIES:
        given_up_at = now
    return Unread(
        source=source,
        change=change,
        kind=kind,
        reason=reason,
        tries=tries,
        first_failed_at=previous.first_failed_at if previous else now,
        last_tried_at=now,
        given_up_at=given_up_at,
    )


def newly_given_up(records: Sequence[Unread], now: float) -> list[Unread]:
    return [r for r in records if r.given_up_at == now]


def change_to_json(change: Change) -> str:
    fields = [[f.field, f.before, f.after] for f in change.fields]
    return json.dumps({"kind": change.kind, "document": change.document.to_dict(), "fields": fields})


def change_from_json(text: str) -> Change:
    data: Mapping[str, Any] = json.loads(text)
    fields = tuple(FieldChange(*f) for f in data.get("fields", ()))
    return Change(data["kind"], Document.from_dict(data["document"]), fields)
