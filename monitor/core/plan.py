"""One poll's decision, made without I/O: from what is known, what was fetched and how it was enriched, the plan
of what to store, whom to alert, and when each delivery is first due.

The order the runner follows (monitor.runner.poll_source):
    load known -> fetch (and read watched documents again) -> diff -> enrich (complete, follow links, full texts,
    departures) -> plan -> save
The plan is the only input of the store's one transaction for the poll (Store.save_plan), and nothing changes
it after it is built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from monitor.core.deadlines import DateMove, date_moves
from monitor.core.identity import follow_keys
from monitor.core.lifecycle import Evaluation, Evaluator, Memory
from monitor.core.routing import Routing
from monitor.core.unread import TextKind, Unread, after_failure, unread_note
from monitor.models import Alert, Change, Document, Fact

THIN_NOTE = "only what the feed shows: the Federal Register API could not give the document's details"


@dataclass(frozen=True)
class Queued:
    """An alert with its deliveries: each target that hears of it, and when it is first due (now, or the
    target's next digest; an urgent alert is due now everywhere: the dispatcher sends it to a digest target at
    once and again, marked as sent already, in its next digest)."""

    alert: Alert
    deliveries: tuple[tuple[str, float], ...]


def queue(alerts: Sequence[Alert], routing: Routing, now: float) -> tuple[Queued, ...]:
    return tuple(
        Queued(
            alert,
            tuple(
                (target, now if alert.urgent else routing.first_attempt_at(target, now))
                for target in routing.targets_for(alert)
            ),
        )
        for alert in alerts
    )


@dataclass(frozen=True)
class Enriched:
    """What the poll fetched, made ready to evaluate."""

    changes: Sequence[Change]  # as the source shows them: what is stored
    evaluated: Sequence[Change]  # what watchlists see: completed from the API, with linked pages' text
    thin: frozenset[str] = frozenset()  # items that go out with only what their feed shows
    full_texts: Mapping[str, str] = field(default_factory=dict)  # number -> text the watchlists read
    fetched_texts: Mapping[str, tuple[str, bool]] = field(default_factory=dict)  # downloaded now: to cache
    withdrawn: Sequence[Document] = ()  # confirmed withdrawn from public inspection
    on_list: Sequence[str] | None = None  # the public inspection list now; None for other sources
    resolved: Mapping[str, str] = field(default_factory=dict)  # number -> published | withdrawn | gone
    held: Mapping[str, int] = field(default_factory=dict)  # new items waiting to be completed -> polls waited
    checked: Sequence[str] = ()  # departures asked about now and still unresolved: to the back of the queue
    reread: Sequence[str] = ()  # watched documents read again by number (found or not): read until the next due
    unread: Mapping[str, tuple[TextKind, str]] = field(default_factory=dict)  # number -> text that failed, why
    held_texts: Mapping[str, Unread] = field(default_factory=dict)  # documents held for their text, before this poll
    dropped_texts: Sequence[str] = ()  # held documents given up on long ago: no longer held


@dataclass(frozen=True)
class Known:
    """What the store knew that the decision needs."""

    previous: Mapping[str, Document]  # the stored snapshots of the changed items
    memory: Memory  # for the evaluated documents
    withdrawn_memory: Memory = field(default_factory=Memory)  # for the withdrawn ones


@dataclass(frozen=True)
class PollPlan:
    source: str
    baseline: bool
    changes: tuple[Change, ...]
    alerts: tuple[Queued, ...]  # none on a baseline: it records what exists, silently
    concerned: tuple[tuple[Document, str], ...]  # (document, watchlist): for follows, corrections, deadlines
    follow_keys: Mapping[str, tuple[str, ...]]
    on_list: tuple[str, ...] | None
    resolved: Mapping[str, str]
    full_texts: Mapping[str, tuple[str, bool]]
    held: Mapping[str, int]  # new items still waiting to be completed -> polls waited
    released: tuple[str, ...]  # new items that went through: no longer waiting
    checked: tuple[str, ...] = ()  # public inspection departures asked about now, still unresolved
    moves: tuple[DateMove, ...] = ()  # dates of stored documents that changed (monitor.core.deadlines)
    reread: tuple[str, ...] = ()  # watched documents read again now
    unread: tuple[Unread, ...] = ()  # documents held for a text that could not be read (monitor.core.unread)
    texts_released: tuple[str, ...] = ()  # held documents whose text was read now, or that were dropped

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(q.alert.event for q in self.alerts)


def with_note(alerts: Sequence[Alert], numbers: frozenset[str], note: Fact) -> list[Alert]:
    return [dataclasses.replace(a, facts=(*a.facts, note)) if a.document.number in numbers else a for a in alerts]


def with_unread_notes(alerts: Sequence[Alert], unread: Mapping[str, tuple[TextKind, str]]) -> list[Alert]:
    """An alert about a document whose text could not be read says so."""
    return [
        dataclasses.replace(a, facts=(*a.facts, Fact("Note", unread_note(*unread[a.document.number]))))
        if a.document.number in unread
        else a
        for a in alerts
    ]


def hold_unread(source: str, enriched: Enriched, now: float) -> tuple[tuple[Unread, ...], tuple[str, ...]]:
    """(the documents held for their text after this poll's failures, the held ones released: read or dropped)."""
    evaluated = {c.document.number: c for c in enriched.evaluated}
    unread = tuple(
        after_failure(source, evaluated[number], kind, reason, enriched.held_texts.get(number), now)
        for number, (kind, reason) in enriched.unread.items()
        if number in evaluated
    )
    read = [n for n in enriched.held_texts if n in evaluated and n not in enriched.unread]
    return unread, (*read, *enriched.dropped_texts)


def plan_poll(
    source: str,
    baseline: bool,
    enriched: Enriched,
    known: Known,
    evaluator: Evaluator,
    routing: Routing,
    now: float,
) -> PollPlan:
    evaluation = evaluator.evaluate(enriched.evaluated, known.memory, enriched.full_texts, known.previous)
    departed = (
        evaluator.withdrawn(list(enriched.withdrawn), known.withdrawn_memory)
        if enriched.withdrawn
        else Evaluation([], [])
    )
    alerts = [*with_note(evaluation.alerts, enriched.thin, Fact("Note", THIN_NOTE)), *departed.alerts]
    alerts = with_unread_notes(alerts, enriched.unread)
    unread, texts_released = hold_unread(source, enriched, now) if not baseline else ((), ())
    concerned = (*evaluation.concerned, *departed.concerned)
    return PollPlan(
        source=source,
        baseline=baseline,
        changes=tuple(enriched.changes),
        alerts=() if baseline else queue(alerts, routing, now),
        concerned=concerned,
        follow_keys={d.number: tuple(follow_keys(d)) for d, _ in concerned},
        on_list=tuple(enriched.on_list) if enriched.on_list is not None else None,
        resolved=dict(enriched.resolved),
        full_texts=dict(enriched.fetched_texts),
        held=dict(enriched.held),
        released=tuple(c.document.number for c in enriched.changes if c.kind == "new"),
        checked=tuple(enriched.checked),
        moves=tuple(date_moves(enriched.changes, known.previous)),
        reread=tuple(enriched.reread),
        unread=unread,
        texts_released=texts_released,
    )
