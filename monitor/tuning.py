"""Tuning watchlists against history: `backfill` (what would have alerted) and `explain` (why, or why not).

Backfill walks the Federal Register a calendar month at a time: a month of documents (about 2,500) stays far
below the API's 10,000-result cap, so a year takes a few dozen requests. A window that still reaches the cap is
split in half until it fits.

Backfill reads what the live service reads: a watchlist that searches the full text of some documents (the
built-in one does, for documents without an abstract) gets those texts fetched, once each at the polite rate,
and cached for the service; so a backfill and the service agree on what alerts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from monitor.core.clock import format_eastern_time
from monitor.core.identity import alert_key
from monitor.core.matching import Explanation, Matcher
from monitor.core.plan import queue
from monitor.core.routing import Routing
from monitor.models import Alert, Document, Match, Sources
from monitor.notify.render import document_link
from monitor.runner import fetch_full_text
from monitor.sources.federal_register.source import FederalRegisterSource
from monitor.sources.full_text import FullTextFetcher
from monitor.sources.http import SourceError
from monitor.store.store import Store

log = logging.getLogger("monitor.tuning")


class Workbench(Protocol):
    """What backfill and explain use of the service's parts, and nothing more (monitor.app.App is one)."""

    @property
    def store(self) -> Store: ...

    @property
    def full_text(self) -> FullTextFetcher: ...

    @property
    def routing(self) -> Routing: ...

    @property
    def matcher(self) -> Matcher:
        """The configured watchlists."""
        ...

    def clock(self) -> float: ...

    def federal_register_api(self) -> FederalRegisterSource: ...

    async def send_due(self) -> int: ...


async def cached_full_text(app: Workbench, document: Document) -> str | None:
    """The full text the service would read: cached, else fetched once and cached for it; None when there is none
    or it could not be read (logged: the document is matched on what it shows, as a trial of the query)."""
    try:
        text, downloaded = await fetch_full_text(app.full_text, app.store, document)
    except SourceError as exc:
        log.warning("full text unavailable: %s", exc, extra={"document_number": document.number, "error": exc.reason})
        return None
    if downloaded is not None and not app.store.read_only:  # no poll's transaction to ride with: cached at once
        app.store.snapshots.save_full_text(document.number, downloaded.text, downloaded.truncated, app.clock())
    return text


@dataclass(frozen=True)
class BackfillHit:
    document: Document
    match: Match

    def to_json(self) -> dict[str, Any]:
        doc = self.document
        return {
            "document_number": doc.number,
            "publication_date": doc.publication_date.isoformat() if doc.publication_date else None,
            "title": doc.title,
            "type": doc.type,
            "agencies": list(doc.agency_names),
            "watchlist": self.match.watchlist,
            "matched": [{"term": h.term, "field": h.field} for h in self.match.hits],
            "snippet": self.match.snippet,
            "url": document_link(doc),
        }


@dataclass(frozen=True)
class Progress:
    """How far a backfill is, for a person watching it run."""

    windows_done: int
    windows_total: int
    documents: int
    full_texts: int
    hits: int

    def line(self) -> str:
        return (
            f"backfill: {self.windows_done}/{self.windows_total} windows, {self.documents} documents scanned, "
            f"{self.full_texts} full texts read, {self.hits} hits"
        )


async def backfill(
    app: Workbench,
    since: date,
    until: date,
    matcher: Matcher,
    on_progress: Callable[[Progress], None] | None = None,
) -> list[BackfillHit]:
    """What `matcher`'s watchlists would have alerted for documents published since..until."""
    source = app.federal_register_api()
    hits: list[BackfillHit] = []
    scanned = texts = done = 0
    async for window, left in source.fetch_windows(since, until):
        for document in window:
            full_text = None
            if matcher.needs_full_text(document):
                full_text = await cached_full_text(app, document)
                texts += full_text is not None
            hits += [BackfillHit(document, match) for match in matcher.match(document, full_text)]
        scanned += len(window)
        done += 1
        if on_progress is not None:
            on_progress(Progress(done, done + left, scanned, texts, len(hits)))
    return hits


@dataclass(frozen=True)
class SendReport:
    """What `backfill --send` did."""

    queued: int  # alerts new to the outbox
    already: int  # alerts the service (or an earlier backfill) had sent or queued before: not repeated
    sent: int  # deliveries accepted now
    pending: int  # deliveries left for a retry
    dead: int  # deliveries refused
    sender: str = ""  # the running service that sends them instead (its pid), when one holds the data folder

    def line(self) -> str:
        queued = f"sent: {self.queued} new alert(s) queued ({self.already} already alerted before, not repeated); "
        if self.sender:
            return queued + f"deliveries: left to the running service (pid {self.sender}), which sends them"
        return queued + f"deliveries: {self.sent} accepted, {self.pending} to retry, {self.dead} refused"


async def send_hits(
    app: Workbench, hits: list[BackfillHit], notify: dict[str, tuple[str, ...]], sender: str = ""
) -> SendReport:
    """Alert the hits, each at most once ever: the keys are the live service's, so it never repeats them.

    What is due is sent now only when no `sender` (a running service that holds the data folder's lock) does
    it: two processes draining one outbox would send the same delivery twice."""
    alerts = [
        Alert(
            key=alert_key("published", hit.document, hit.match.watchlist),
            event="published",
            watchlist=hit.match.watchlist,
            document=hit.document,
            match=hit.match,
            notify=notify[hit.match.watchlist],
        )
        for hit in hits
    ]
    before = app.store.outbox.count_deliveries()
    queued = app.store.outbox.save_alerts(queue(alerts, app.routing, app.clock()), app.clock())
    if sender:
        return SendReport(queued=queued, already=len(alerts) - queued, sent=0, pending=0, dead=0, sender=sender)
    await app.send_due()
    after = app.store.outbox.count_deliveries()
    return SendReport(
        queued=queued,
        already=len(alerts) - queued,
        sent=after.get("sent", 0) - before.get("sent", 0),
        pending=after.get("pending", 0) - before.get("pending", 0),
        dead=after.get("dead", 0) - before.get("dead", 0),
    )


def format_hits(hits: list[BackfillHit], as_json: bool) -> str:
    if as_json:
        return json.dumps([h.to_json() for h in hits], indent=2)
    lines = []
    for hit in hits:
        doc = hit.document
        terms = ", ".join(f"{h.term} ({h.field})" for h in hit.match.hits)
        lines.append(f"{doc.publication_date} {doc.number} [{hit.match.watchlist}] {doc.title}")
        lines.append(f"    matched: {terms}")
    lines.append(f"{len(hits)} hit(s)")
    return "\n".join(lines)


@dataclass(frozen=True)
class Evidence:
    """The version of a document an explanation evaluated, and where it came from."""

    document: Document
    origin: str


async def load_document(app: Workbench, number: str) -> Evidence:
    """What the alerts evaluated: the stored Federal Register snapshot when there is one; else the stored public
    inspection snapshot (what a public_inspection alert evaluated); else the document fetched from the API now."""
    for source, label in (
        (Sources.FEDERAL_REGISTER, "the stored Federal Register snapshot"),
        (Sources.PUBLIC_INSPECTION, "the stored public inspection snapshot"),
    ):
        if (stored := app.store.snapshots.load_snapshot(source, number)) is not None:
            changed_at = app.store.snapshots.load_snapshot_changed_at(source, number)
            when = f", unchanged since {format_eastern_time(changed_at)}" if changed_at is not None else ""
            note = (
                ""
                if stored.abstract.strip() or source != Sources.PUBLIC_INSPECTION
                else ("; public inspection documents have no abstract, so the published document may match differently")
            )
            return Evidence(stored, f"{label}{when}{note}")
    document = await app.federal_register_api().fetch_one(number)
    return Evidence(document, "fetched from the documents API now (the monitor has stored no version of it)")


async def explain(app: Workbench, number: str, watchlist: str | None) -> tuple[Evidence, list[Explanation]]:
    evidence = await load_document(app, number)
    document = evidence.document
    full_text = None
    if app.matcher.needs_full_text(document):
        full_text = await cached_full_text(app, document)
    explanations = app.matcher.explain(document, full_text)
    if watchlist is not None:
        explanations = [e for e in explanations if e.watchlist == watchlist]
    return evidence, explanations


def format_explanations(evidence: Evidence, explanations: list[Explanation]) -> str:
    document = evidence.document
    agencies = "; ".join(document.agency_names) or "no agency"
    lines = [
        f"{document.number}  {document.title}",
        f"  {document.type or 'unknown type'} · {agencies}",
        f"  evaluated: {evidence.origin}",
    ]
    for e in explanations:
        lines.append("")
        lines.append(f"{e.watchlist}: {'MATCHES' if e.matched else 'no match'}")
        if e.filter_failure:
            lines.append(f"  filtered out: {e.filter_failure}")
        elif "full_text" in e.fields:
            why = " (the document has no abstract)" if not document.abstract.strip() else ""
            lines.append(f"  searched: {', '.join(e.fields)}{why}")
        if e.found:
            lines.append("  found: " + "; ".join(f"{term} in {', '.join(fields)}" for term, fields in e.found))
        if e.missing:
            lines.append("  not found: " + ", ".join(e.missing))
        for term, meaning in e.excluded:
            lines.append(f"  not counted: {term}: the document defines it as {meaning!r}")
        if e.regex_hits:
            lines.append("  regex: " + "; ".join(f"{h.term} in {h.field}" for h in e.regex_hits))
        if e.query_true is not None and not e.filter_failure:
            lines.append(f"  query is {'true' if e.query_true else 'false'}")
        if e.match and e.match.snippet:
            lines.append(f"  {e.match.snippet}")
    return "\n".join(lines)


__all__ = ["backfill", "explain", "format_explanations", "format_hits", "send_hits"]
