"""Who hears about what: turning a poll's changes into alerts over the life of a rule.

Events, and the rules that decide them, in the order they are applied to each change:
1. A document that is neither new nor meaningfully changed ("refreshed") alerts nobody.
2. A watchlist is concerned by a document when its query and filters match it; when it matched the same
   document before (on public inspection, or before an update); or, for a new document, when the watchlist
   follows one of the document's RINs or dockets (it matched an earlier document that carried them, and
   `follow` is on).
3. A new document from public inspection is `public_inspection`; a new document from the Federal Register is
   `published`, or `corrected` for the watchlists that matched the document it corrects (even when the
   correction's own text matches nothing).
4. A meaningful change to a stored document is `updated`, with the field-by-field diff.
5. A watched page's text that changed in a way its new entries do not explain is `page_changed`; a section
   of a watched CFR part added, amended or removed is `cfr_changed` (for watchlists with a matching `cfr`
   filter or matching words). Bookkeeping items (an eCFR title's dates) never alert.
6. A watchlist hears only the events it asked for (`events`, all by default).
Every alert has a key naming its event, document and watchlist: the store keeps keys unique, so one event
about one document reaches one watchlist once, ever, across restarts and re-polls.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from monitor.core.clock import EASTERN, format_eastern_instant
from monitor.core.deadlines import DEADLINE_FIELDS, DateMove, moved_note, reminder_version
from monitor.core.identity import alert_key, corrected_number, ecfr_part_item_of_section, follow_keys
from monitor.core.matching import Matcher
from monitor.core.watchlist import Watchlist
from monitor.models import (
    PAGE_REGION_NUMBER,
    Alert,
    Change,
    Document,
    EventKind,
    Fact,
    FieldChange,
    Hit,
    ItemKind,
    Match,
)

SILENT_TYPES = frozenset({ItemKind.CFR_PART_STATE})  # bookkeeping items: stored, never alerted
MAX_DIFF_LINES = 20
MAX_PAGE_LINES = 20


@dataclass(frozen=True)
class Memory:
    """What the store remembers about this poll's documents that decides who hears about them."""

    followed: Mapping[str, frozenset[str]] = field(default_factory=dict)  # follow key -> watchlists
    matched: Mapping[str, frozenset[str]] = field(default_factory=dict)  # document number -> watchlists
    pi_filed: Mapping[str, str] = field(default_factory=dict)  # document number -> filed_at (ISO, UTC)


@dataclass(frozen=True)
class Evaluation:
    alerts: list[Alert]
    # Every (document, watchlist) concerned, remembered for following, corrections, withdrawals and deadlines,
    # including those whose alerts are held back (a baseline, or an event the watchlist did not ask for).
    concerned: list[tuple[Document, str]]


# A field that only echoes another document's arrival: a correction lands in the corrected document's
# `corrections` list, and the Correction alert already tells it.
ECHO_FIELDS = frozenset({"corrections"})


def lead_time_fact(document: Document, filed_at: str) -> Fact:
    filed = datetime.fromisoformat(filed_at).astimezone(EASTERN)
    text = f"since {format_eastern_instant(filed_at)}"
    if document.publication_date:
        days = (document.publication_date - filed.date()).days
        text += f", {days} day{'s' if days != 1 else ''} before publication"
    return Fact("On public inspection", text)


def public_inspection_facts(document: Document) -> tuple[Fact, ...]:
    facts = []
    if document.filed_at:
        facts.append(Fact("Filed", format_eastern_instant(document.filed_at)))
    if document.filing_type:
        facts.append(Fact("Filing", document.filing_type))
    if document.num_pages:
        facts.append(Fact("Pages", str(document.num_pages)))
    if document.editorial_note:
        facts.append(Fact("Editorial note", document.editorial_note))
    return tuple(facts)


_SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[(A-Z0-9])")


def section_diff(before: str, after: str) -> list[Fact]:
    """The sentences removed and added between two versions of a section, at most MAX_DIFF_LINES of each."""
    old = [s for line in before.split("\n") for s in _SENTENCE.split(line) if s]
    new = [s for line in after.split("\n") for s in _SENTENCE.split(line) if s]
    facts: list[Fact] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            facts += [Fact("−", s) for s in old[i1:i2]]
        if tag in ("replace", "insert"):
            facts += [Fact("+", s) for s in new[j1:j2]]
    if len(facts) > MAX_DIFF_LINES:
        facts = [*facts[:MAX_DIFF_LINES], Fact("More", f"{len(facts) - MAX_DIFF_LINES} more changed sentences")]
    return facts


def _follow_match(watchlist: str, keys: Iterable[str]) -> Match:
    return Match(watchlist, tuple(Hit(k, "follows an earlier match") for k in keys))


class Evaluator:
    """The rules above, for one matcher; `memory` is loaded by the caller for the documents at hand."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.watchlists: dict[str, Watchlist] = {w.name: w for w in matcher.watchlists}

    def _alert(
        self,
        event: EventKind,
        document: Document,
        match: Match,
        changes: tuple[FieldChange, ...] = (),
        facts: tuple[Fact, ...] = (),
        version: str = "",
    ) -> Alert | None:
        watchlist = self.watchlists.get(match.watchlist)
        if watchlist is None or not watchlist.wants(event):
            return None
        return Alert(
            key=alert_key(event, document, watchlist.name, version),
            event=event,
            watchlist=watchlist.name,
            document=document,
            match=match,
            changes=changes,
            notify=watchlist.notify,
            facts=facts,
            urgent=event != "deadline" and watchlist.is_urgent(document),
        )

    def _concerned(self, change: Change, memory: Memory, full_text: str | None) -> dict[str, Match]:
        document = change.document
        concerned = {m.watchlist: m for m in self.matcher.match(document, full_text)}
        # The same document seen earlier (on public inspection, or before an update) keeps its audience.
        for name in memory.matched.get(document.number, ()):
            concerned.setdefault(name, Match(name, (Hit(document.number, "matched earlier"),)))
        if change.kind == "new":
            keys_by_watchlist: dict[str, list[str]] = {}
            for key in follow_keys(document):
                for name in memory.followed.get(key, ()):
                    if name in self.watchlists and self.watchlists[name].follow:
                        keys_by_watchlist.setdefault(name, []).append(key)
            for name, keys in keys_by_watchlist.items():
                concerned.setdefault(name, _follow_match(name, keys))
        return concerned

    def evaluate(
        self,
        changes: Sequence[Change],
        memory: Memory,
        full_texts: Mapping[str, str] | None = None,
        previous: Mapping[str, Document] | None = None,
    ) -> Evaluation:
        previous = previous or {}
        full_texts = full_texts or {}
        # The eCFR's amendment dates travel on its parts' bookkeeping items ("title-15-part-744"), polled alongside
        # the sections. A part read for the first time is its baseline: its sections are recorded, not alerted.
        amended = {c.document.number: c.document.amended_on for c in changes if c.document.kind in SILENT_TYPES}
        first_read = {c.document.number for c in changes if c.document.kind in SILENT_TYPES and c.kind == "new"}
        result = Evaluation([], [])
        for change in changes:
            document = change.document
            if change.kind == "refreshed" or document.kind in SILENT_TYPES:
                continue
            if document.kind == ItemKind.PAGE_REGION:
                if change.kind == "updated" and (before := previous.get(PAGE_REGION_NUMBER)) is not None:
                    result.alerts.extend(self._page_changed(before, document, changes))
                continue
            if document.kind in ItemKind.CFR_SECTIONS:
                part = ecfr_part_item_of_section(document.number)
                if part in first_read:
                    continue
                one = self._cfr_changed(change, previous.get(document.number), amended.get(part))
            else:
                one = self._document_change(change, memory, full_texts.get(document.number))
            result.alerts.extend(one.alerts)
            result.concerned.extend(one.concerned)
        return result

    def _document_change(self, change: Change, memory: Memory, full_text: str | None) -> Evaluation:
        """A document (or page entry, feed item...) that is new or meaningfully changed."""
        document = change.document
        concerned = self._concerned(change, memory, full_text)
        original = corrected_number(document) if change.kind == "new" else None
        correcting = memory.matched.get(original, frozenset()) if original else frozenset()
        for name in correcting - concerned.keys():
            concerned[name] = Match(name, (Hit(str(original), "corrected document"),))
        alerts = [
            alert for match in concerned.values() if (alert := self._event_alert(change, match, memory, correcting))
        ]
        return Evaluation(alerts, [(document, name) for name in concerned])

    def _event_alert(self, change: Change, match: Match, memory: Memory, correcting: frozenset[str]) -> Alert | None:
        document = change.document
        if change.kind == "updated":
            fields = tuple(f for f in change.fields if f.field not in ECHO_FIELDS)
            if not fields:
                return None  # only a correction's arrival, which alerts on its own
            return self._alert("updated", document, match, fields, version=document.content_hash()[:16])
        if document.kind == ItemKind.PUBLIC_INSPECTION:
            return self._alert("public_inspection", document, match, facts=public_inspection_facts(document))
        if match.watchlist in correcting:
            original = corrected_number(document) or ""
            return self._alert("corrected", document, match, facts=(Fact("Corrects", original),))
        facts: tuple[Fact, ...] = ()
        if filed_at := memory.pi_filed.get(document.number):
            facts = (lead_time_fact(document, filed_at),)
        return self._alert("published", document, match, facts=facts)

    def _page_changed(self, before: Document, after: Document, changes: Sequence[Change]) -> list[Alert]:
        """A page's text changed. Lines that new entries explain are left out: their own alerts tell it.
        What is left goes to watchlists that name the page in `sources` or whose query matches it."""
        old, new = set(before.text.split("\n")), set(after.text.split("\n"))
        entries = [c.document for c in changes if c.kind == "new" and c.document.kind == ItemKind.PAGE_ENTRY]

        def explained(line: str) -> bool:
            return any(
                e.title in line or line in e.title or (e.searched_text and line in e.searched_text) for e in entries
            )

        added = sorted(line for line in new - old if not explained(line))
        removed = sorted(line for line in old - new if not explained(line))
        if not added and not removed:
            return []
        facts = [Fact("Added", line) for line in added[:MAX_PAGE_LINES]]
        facts += [Fact("Removed", line) for line in removed[:MAX_PAGE_LINES]]
        hidden = max(0, len(added) - MAX_PAGE_LINES) + max(0, len(removed) - MAX_PAGE_LINES)
        if hidden:
            facts.append(Fact("More", f"{hidden} more changed lines"))
        changed_text = Document(
            source=after.source,
            number=after.number,
            title=after.title,
            type=ItemKind.PAGE_REGION,
            text="\n".join(added + removed),
        )
        audience = {m.watchlist: m for m in self.matcher.match(changed_text)}
        for watchlist in self.watchlists.values():
            if after.source in watchlist.sources and watchlist.passes_filters(after):
                audience.setdefault(watchlist.name, Match(watchlist.name, (Hit(after.title, "page"),)))
        version = hashlib.sha256(after.text.encode()).hexdigest()[:16]
        return [
            alert
            for match in audience.values()
            if (alert := self._alert("page_changed", after, match, facts=tuple(facts), version=version))
        ]

    def _cfr_changed(self, change: Change, before: Document | None, amended: date | None) -> Evaluation:
        """A section of the regulations added, amended or removed: who watches its part, or its words."""
        after = change.document
        if after.kind == ItemKind.REMOVED_CFR_SECTION:
            kind, matched_on = "removed", before or after
        else:
            kind, matched_on = ("added" if change.kind == "new" else "amended"), after
        facts = [Fact("Change", f"§ {after.number.split(' CFR ')[-1]} {kind}")]
        if amended:
            facts.append(Fact("Amendment date", amended.isoformat()))
        if after.citation:
            facts.append(Fact("Federal Register", after.citation))
        old_text = before.text if before else ""
        facts += section_diff(old_text, after.text if kind != "removed" else "")
        audience = {m.watchlist: m for m in self.matcher.match(matched_on)}
        for watchlist in self.watchlists.values():
            if watchlist.cfr and watchlist.passes_filters(matched_on):
                audience.setdefault(watchlist.name, Match(watchlist.name, (Hit(after.number, "cfr"),)))
        version = after.content_hash()[:16]
        alerts = [
            alert
            for match in audience.values()
            if (alert := self._alert("cfr_changed", after, match, facts=tuple(facts), version=version))
        ]
        return Evaluation(alerts, [(after, name) for name in audience])

    def withdrawn(self, documents: Iterable[Document], memory: Memory) -> Evaluation:
        """Alerts for public inspection documents confirmed withdrawn before publication."""
        alerts: list[Alert] = []
        pairs: list[tuple[Document, str]] = []
        for document in documents:
            names = set(memory.matched.get(document.number, ())) | {m.watchlist for m in self.matcher.match(document)}
            for name in sorted(names):
                pairs.append((document, name))
                note = document.editorial_note or "withdrawn from public inspection"
                match = Match(name, (Hit(document.number, "withdrawn"),))
                if alert := self._alert("withdrawn", document, match, facts=(Fact("Editorial note", note),)):
                    alerts.append(alert)
        return Evaluation(alerts, pairs)


# -- deadline reminders ----------------------------------------------------------------------------------


def due_reminders(
    tracked: Iterable[tuple[Document, Watchlist]],
    now: datetime,
    reminder_hour: int,
    reminder_minute: int,
    moves: Mapping[tuple[str, str], DateMove],
) -> list[Alert]:
    """Reminders due at `now` for the deadlines of documents that matched; `moves` holds the latest move of each
    (document number, date field) that moved.

    A reminder `Nd` is due from `reminder_hour` (US Eastern) on the day N days before the deadline, until the
    deadline's day. When several of a deadline's reminders are due at once (the document was seen late), only
    the nearest is sent: "closes tomorrow" says all there is to say. Keys make each reminder happen once for
    each date (monitor.core.deadlines): when a date moves, its reminders start again for the new date and say
    where it moved from.
    """
    local = now.astimezone(EASTERN)
    today = local.date()
    past_hour = (local.hour, local.minute) >= (reminder_hour, reminder_minute)
    alerts = []
    for document, watchlist in tracked:
        for field_name, label in DEADLINE_FIELDS.items():
            deadline: date | None = getattr(document, field_name)
            if deadline is None or today >= deadline:
                continue
            due = [
                days
                for days in watchlist.reminders
                if (deadline.toordinal() - days) < today.toordinal()
                or ((deadline.toordinal() - days) == today.toordinal() and past_hour)
            ]
            if not due or not watchlist.wants("deadline"):
                continue
            days = min(due)
            left = (deadline - today).days
            moved = moved_note(deadline, moves.get((document.number, field_name)))
            fact = Fact("Reminder", f"{label} {deadline.isoformat()}{moved}, in {left} day{'s' if left != 1 else ''}")
            alerts.append(
                Alert(
                    key=alert_key("deadline", document, watchlist.name, reminder_version(field_name, deadline, days)),
                    event="deadline",
                    watchlist=watchlist.name,
                    document=document,
                    match=Match(watchlist.name, (Hit(field_name, "deadline"),)),
                    notify=watchlist.notify,
                    facts=(fact,),
                )
            )
    return alerts
