"""One poll of one source, as a story, read top to bottom in `poll_source`:

    load known (the source's status) -> fetch (and read again the watched documents that left the window) ->
    diff against the stored snapshots -> enrich (complete feed items from the API, add the documents held for a
    text that could not be read, add linked pages' text, read full texts, resolve public inspection departures)
    -> plan (pure: monitor.core.plan) -> save (one transaction: Store.save_plan)

And the deadline reminders, which no poll causes. A source error is caught here and nowhere deeper: it is
logged with the source's name, recorded as a failed poll, and nothing stored changes. The first successful poll
of a source is a silent baseline, decided once, at the start.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.core.clock import eastern_today
from monitor.core.deadlines import batches, dates_set_later, due_for_reread, with_later_dates
from monitor.core.diffing import diff_document
from monitor.core.identity import corrected_number, follow_keys
from monitor.core.lifecycle import Evaluator, Memory, due_reminders
from monitor.core.plan import Enriched, Known, plan_poll, queue
from monitor.core.redaction import redact_secrets
from monitor.core.routing import Routing
from monitor.core.unread import TextKind, Unread, due_for_retry, newly_given_up
from monitor.models import Change, Document, ItemKind, Sources
from monitor.sources.full_text import FullText, FullTextFetcher
from monitor.sources.http import SourceError
from monitor.sources.protocols import (
    Completing,
    Conditional,
    DepartureTracking,
    LinkFollowing,
    PartwiseSource,
    Rereading,
    Source,
)
from monitor.store.store import SavedPoll, Store
from monitor.testhooks import crash_point

log = logging.getLogger("monitor.runner")

# A public inspection document that left the list unconfirmed is given up on this long after its
# scheduled publication date (it was most likely published outside the Federal Register window watched).
GIVE_UP_AFTER = timedelta(days=7)
# Departures asked about per poll (two requests: published? withdrawn?), the longest unasked first, so a
# backlog of any size is walked through, a bounded slice each poll.
MAX_DEPARTURES_PER_POLL = 50
MAX_COMPLETION_WAITS = 3  # polls a new feed item waits for the documents API before it alerts as it is


@dataclass(frozen=True, slots=True)
class PollOutcome:
    source: str
    ok: bool
    saved: SavedPoll | None = None
    error: str = ""
    reason: str = ""
    retry_after: float | None = None
    documents: int = 0
    failed_parts: tuple[tuple[str, SourceError], ...] = ()  # parts that failed in a poll that otherwise succeeded
    given_up: tuple[Unread, ...] = ()  # documents whose text could not be read after MAX_TEXT_TRIES: tell ops
    unchanged: bool = False  # a conditional check that found nothing new upstream
    # public inspection departures resolved and stored by this poll: (number, published | withdrawn | gone)
    departures: tuple[tuple[str, str], ...] = ()


REREAD_PART = "watched documents"  # how a failed re-read is reported: a part of the poll that failed


@dataclass(frozen=True)
class Reread:
    documents: list[Document] = dataclasses.field(default_factory=list)
    numbers: list[str] = dataclasses.field(default_factory=list)  # asked for, found or not
    failures: tuple[tuple[str, SourceError], ...] = ()


async def reread_watched(source: Source, store: Store, fetched: Sequence[Document], now: datetime) -> Reread:
    """The watched documents the poll did not fetch, read again by number when due, in batches. A failed request
    ends the re-reading for this poll and is reported as a failed part: the window's documents are stored as
    usual, and what was not read is due again at the next poll."""
    if not isinstance(source, Rereading):
        return Reread()
    watched = store.lifecycle.load_watched(source.name, eastern_today(now).isoformat())
    due = due_for_reread(watched, {d.number for d in fetched}, now.timestamp())
    documents: list[Document] = []
    numbers: list[str] = []
    for batch in batches(due):
        try:
            found, missing = await source.fetch_numbers(batch)
        except SourceError as exc:
            return Reread(documents, numbers, ((REREAD_PART, exc),))
        if missing:
            log.info("watched documents not found by number: %s", ", ".join(missing), extra={"source": source.name})
        documents += found
        numbers += batch
    return Reread(documents, numbers)


def load_memory(store: Store, documents: Sequence[Document]) -> Memory:
    numbers = [d.number for d in documents]
    originals = [n for d in documents if (n := corrected_number(d))]
    keys = [k for d in documents for k in follow_keys(d)]
    return Memory(
        followed=store.lifecycle.load_followed(keys),
        matched=store.lifecycle.load_matched(numbers + originals),
        pi_filed=store.lifecycle.load_filed_at(numbers),
    )


@dataclass(frozen=True, slots=True)
class Departures:
    withdrawn: list[Document]
    resolved: dict[str, str]  # number -> published | withdrawn | gone
    checked: list[str]  # asked about, still unresolved


async def _departures(
    source: DepartureTracking, store: Store, documents: Sequence[Document], now: datetime
) -> Departures:
    """Documents that left the public inspection list: published, confirmed withdrawn, or given up on.

    Published is what the Federal Register source stored, else what the documents API has (whatever that
    source's filters). Each poll asks about at most MAX_DEPARTURES_PER_POLL, the longest unasked first; those
    still unresolved go to the back of the queue. An empty list is never read as "everything left": it
    resolves nothing.
    """
    if not documents:
        return Departures([], {}, [])
    listed = {d.number for d in documents}
    departed = [n for n in store.lifecycle.load_unresolved() if n not in listed]
    resolved = {n: "published" for n in store.snapshots.load_snapshot_hashes(Sources.FEDERAL_REGISTER, departed)}
    batch = [n for n in departed if n not in resolved][:MAX_DEPARTURES_PER_POLL]
    published = await source.fetch_published(batch)
    resolved |= {n: "published" for n in published}
    unpublished = [n for n in batch if n not in published]
    withdrawn = await source.fetch_withdrawn(unpublished)
    resolved |= {d.number: "withdrawn" for d in withdrawn}
    today = eastern_today(now)
    stored = store.snapshots.load_snapshots(Sources.PUBLIC_INSPECTION, [n for n in unpublished if n not in resolved])
    for number, document in stored.items():
        if document.publication_date and today - document.publication_date > GIVE_UP_AFTER:
            resolved[number] = "gone"
    return Departures(withdrawn, resolved, [n for n in batch if n not in resolved])


Unreadable = dict[str, tuple[TextKind, str]]  # number -> the text that could not be read, and why


async def fetch_full_texts(
    fetcher: FullTextFetcher | None,
    store: Store,
    evaluator: Evaluator,
    changes: Sequence[Change],
    unread: Unreadable,
) -> tuple[dict[str, str], dict[str, tuple[str, bool]]]:
    """Full texts for the changed documents that a `full_text` watchlist would consider: (every text, by
    number; those fetched now, to be cached with the poll's transaction). A download that fails is added to
    `unread`."""
    texts: dict[str, str] = {}
    fetched: dict[str, tuple[str, bool]] = {}
    if fetcher is None:
        return texts, fetched
    for change in changes:
        document = change.document
        if change.kind == "refreshed" or not evaluator.matcher.needs_full_text(document):
            continue
        try:
            text, downloaded = await fetch_full_text(fetcher, store, document)
        except SourceError as exc:
            unread[document.number] = ("full_text", redact_secrets(str(exc)))
            log.warning(
                "full text unavailable: %s", exc, extra={"document_number": document.number, "error": exc.reason}
            )
            continue
        if text is not None:
            texts[document.number] = text
        if downloaded is not None:
            fetched[document.number] = (downloaded.text, downloaded.truncated)
    return texts, fetched


async def fetch_full_text(
    fetcher: FullTextFetcher, store: Store, document: Document
) -> tuple[str | None, FullText | None]:
    """A document's full text from the cache, else downloaded: (the text, what was downloaded now, to cache).
    SourceError when the download fails."""
    if (cached := store.snapshots.load_full_text(document.number)) is not None:
        return cached, None
    downloaded = await fetcher.fetch(document)
    return (downloaded.text if downloaded else None), downloaded


async def fetch_linked_texts(
    source: Source, store: Store, changes: list[Change], fetched: dict[str, tuple[str, bool]], unread: Unreadable
) -> list[Change]:
    """New entries of a page that follows links, with the linked page's text (fetched once, then cached: the
    texts fetched now are added to `fetched`, saved with the poll) added to what watchlists match. The snapshot
    stored stays the entry as the page shows it. A linked page that cannot be read is added to `unread`."""
    if not isinstance(source, LinkFollowing) or not source.follow_links:
        return changes
    enriched = []
    for change in changes:
        document = change.document
        if change.kind == "new" and document.kind == ItemKind.PAGE_ENTRY:
            text = store.snapshots.load_full_text(document.number)
            if text is None:
                try:
                    text = await source.fetch_linked_text(document)
                except SourceError as exc:
                    unread[document.number] = ("linked_text", redact_secrets(str(exc)))
                    log.warning(
                        "linked page unavailable: %s",
                        exc,
                        extra={"source": source.name, "document_number": document.number, "error": exc.reason},
                    )
                if text is not None:
                    fetched[document.number] = (text, False)
            if text:
                document = dataclasses.replace(document, linked_text=text)
                change = dataclasses.replace(change, document=document)
        enriched.append(change)
    return enriched


async def with_completed_items(
    source: Source, store: Store, changes: list[Change]
) -> tuple[list[Change], list[Change], set[str], dict[str, int]]:
    """(what to evaluate, what to store, the numbers that alert thin, the items still waiting with their count).
    A new item that cannot be completed yet is neither stored nor evaluated, so the next poll finds it new again
    and tries once more, up to MAX_COMPLETION_WAITS polls (counted in the store with the poll, so restarts and
    `run --once` keep the count); then it alerts as it is. What is stored is always the item as the source shows
    it, so the next poll does not see the completion as a change."""
    if not isinstance(source, Completing):
        return changes, changes, set(), {}
    waited = store.snapshots.load_held_waits(source.name, [c.document.number for c in changes if c.kind == "new"])
    evaluated, stored, thin, held = [], [], set(), {}
    for change in changes:
        item = change.document
        completed = await source.complete(item) if change.kind == "new" else item
        if completed is None:
            waits = waited.get(item.number, 0) + 1
            if waits < MAX_COMPLETION_WAITS:
                held[item.number] = waits
                continue
            completed = item
            thin.add(item.number)
        evaluated.append(dataclasses.replace(change, document=completed))
        stored.append(change)
    return evaluated, stored, thin, held


def redacted(error: SourceError) -> SourceError:
    """The same failure with the secrets in its text masked (monitor.core.redaction): a part's failure is
    recorded, printed and told to the ops target as it is."""
    return SourceError(redact_secrets(str(error)), error.reason, error.retry_after)


async def poll_source(
    source: Source,
    store: Store,
    evaluator: Evaluator,
    clock: Callable[[], float],
    full_text: FullTextFetcher | None,
    routing: Routing,
) -> PollOutcome:
    """One poll, top to bottom: load known -> fetch -> diff -> enrich -> plan (pure) -> save (one transaction)."""
    now = datetime.fromtimestamp(clock(), UTC)
    status = store.load_source_status(source.name)
    baseline = status is None or status.baseline_at is None  # decided once, here
    last_success = status.last_success_at if status else None
    try:
        documents = await source.fetch(now, datetime.fromtimestamp(last_success, UTC) if last_success else None)
    except SourceError as exc:
        message = redact_secrets(str(exc))  # recorded, printed and told to the ops target: no secret in it
        store.save_source_failure(source.name, message, clock())
        log.warning("poll failed: %s", message, extra={"source": source.name, "error": exc.reason})
        return PollOutcome(source.name, False, error=message, reason=exc.reason, retry_after=exc.retry_after)
    if isinstance(source, Conditional) and source.unchanged:  # nothing to parse, diff or evaluate...
        if not store.unread.load_unread([source.name]):
            store.save_source_checked(source.name, clock())
            return PollOutcome(source.name, True, unchanged=True)
        documents = list(source.last_documents)  # ...but texts to read again: on, with the list as it was
    crash_point("after_fetch")
    failed_parts = tuple(source.part_failures) if isinstance(source, PartwiseSource) else ()
    reread = Reread() if baseline else await reread_watched(source, store, documents, now)
    documents = [*documents, *reread.documents]
    failed_parts = tuple((part, redacted(error)) for part, error in (*failed_parts, *reread.failures))
    for _, error in failed_parts:
        log.warning("part of the poll failed: %s", error, extra={"source": source.name, "error": error.reason})

    # Most polls change nothing: compare hashes first and decode only the snapshots that differ.
    stored = store.snapshots.load_snapshot_hashes(source.name, (d.number for d in documents))
    candidates = [d for d in documents if stored.get(d.number) != d.content_hash()]
    previous = store.snapshots.load_snapshots(source.name, (d.number for d in candidates if d.number in stored))
    changes: list[Change] = [c for d in candidates if (c := diff_document(previous.get(d.number), d)) is not None]

    enriched = await enrich(source, store, evaluator, full_text, documents, changes, baseline, now)
    enriched = dataclasses.replace(enriched, reread=reread.numbers)
    known = Known(
        previous=previous,
        memory=load_memory(store, [c.document for c in enriched.evaluated]),
        withdrawn_memory=load_memory(store, enriched.withdrawn) if enriched.withdrawn else Memory(),
    )
    plan_time = clock()
    plan = plan_poll(source.name, baseline, enriched, known, evaluator, routing, plan_time)
    saved = store.save_plan(plan, clock())
    crash_point("after_commit")

    if saved.baseline:
        log.info(
            "baseline recorded: %d documents, no alerts for what already existed",
            len(documents),
            extra={"source": source.name},
        )
    elif saved.changes or saved.alerts or enriched.withdrawn:
        log.info(
            "poll: %d documents, %d changed, %d withdrawn, %d new alerts",
            len(documents),
            saved.changes,
            len(enriched.withdrawn),
            saved.alerts,
            extra={"source": source.name},
        )
    for number, resolution in enriched.resolved.items():
        if resolution == "gone":
            log.warning(
                "given up: left the public inspection list, neither published nor confirmed withdrawn %d days "
                "after its publication date",
                GIVE_UP_AFTER.days,
                extra={"source": source.name, "document_number": number},
            )
    given_up = tuple(newly_given_up(plan.unread, now=plan_time))
    return PollOutcome(
        source.name,
        True,
        saved,
        documents=len(documents),
        failed_parts=failed_parts,
        given_up=given_up,
        departures=tuple(enriched.resolved.items()),
    )


async def enrich(
    source: Source,
    store: Store,
    evaluator: Evaluator,
    full_text: FullTextFetcher | None,
    documents: Sequence[Document],
    changes: list[Change],
    baseline: bool,
    now: datetime,
) -> Enriched:
    """Make the changes ready to evaluate. A baseline alerts nothing, so it completes nothing and downloads no
    full text (hundreds of documents at one a second); the public inspection list is tracked either way."""
    on_list = [d.number for d in documents] if isinstance(source, DepartureTracking) else None
    if baseline:
        return Enriched(changes=changes, evaluated=changes, on_list=on_list)
    evaluated, stored, thin, held = await with_completed_items(source, store, changes)
    held_texts, retried, dropped = held_for_text(source, store, evaluated, now)
    evaluated = [*evaluated, *retried]  # evaluated again, not stored: their snapshots are
    fetched: dict[str, tuple[str, bool]] = {}  # texts downloaded now: cached in the poll's own transaction
    unread: Unreadable = {}
    evaluated = await fetch_linked_texts(source, store, evaluated, fetched, unread)
    texts, fetched_now = await fetch_full_texts(full_text, store, evaluator, evaluated, unread)
    departures = Departures([], {}, [])
    if isinstance(source, DepartureTracking):
        departures = await _departures(source, store, documents, now)
    return Enriched(
        changes=stored,
        evaluated=evaluated,
        thin=frozenset(thin),
        full_texts=texts,
        fetched_texts=fetched | fetched_now,
        withdrawn=departures.withdrawn,
        on_list=on_list,
        resolved=departures.resolved,
        held=held,
        checked=departures.checked,
        unread=unread,
        held_texts=held_texts,
        dropped_texts=dropped,
    )


def held_for_text(
    source: Source, store: Store, evaluated: Sequence[Change], now: datetime
) -> tuple[dict[str, Unread], list[Change], list[str]]:
    """The documents of this source held for a text that could not be read (monitor.core.unread): (all of them,
    by number; the changes to evaluate again now, those this poll did not fetch changed anyway; those dropped)."""
    held = {u.number: u for u in store.unread.load_unread([source.name])}
    if not held:
        return held, [], []
    due, dropped = due_for_retry(held.values(), now.timestamp())
    for unread in dropped:
        log.error(
            "dropped after a week of daily tries: %s",
            unread.describe(),
            extra={"source": source.name, "document_number": unread.number},
        )
    fresh = {c.document.number for c in evaluated}
    return held, [u.change for u in due if u.number not in fresh], [u.number for u in dropped]


def queue_reminders(
    store: Store,
    evaluator: Evaluator,
    reminder_time: str,
    clock: Callable[[], float],
    routing: Routing,
) -> int:
    """Queue the deadline reminders due now; returns how many were new."""
    now = datetime.fromtimestamp(clock(), UTC)
    hour, minute = (int(p) for p in reminder_time.split(":"))
    tracked = [
        (document, evaluator.watchlists[name])
        for document, name in store.lifecycle.load_deadline_candidates(eastern_today(now).isoformat())
        if name in evaluator.watchlists
    ]
    moves = store.lifecycle.load_date_moves([document.number for document, _ in tracked])
    due = due_reminders(tracked, now, hour, minute, moves)
    sent = store.lifecycle.load_alert_keys([a.key for a in due])
    alerts = [a for a in due if a.key not in sent]  # the reminders already sent are not looked into again
    later = {
        a.document.number: dates_set_later(a.document, store.lifecycle.load_documents_sharing_keys(a.document))
        for a in alerts
    }
    alerts = with_later_dates(alerts, later)
    return store.outbox.save_alerts(queue(alerts, routing, clock()), clock()) if alerts else 0
