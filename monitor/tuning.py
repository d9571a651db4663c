"""Tuning watchlists against history: `backfill` (what would have alerted) and `explain` (why, or why not).

Backfill walks the Federal Register a calendar month at a time: a month of documents (about 2,500) stays far
below the API's 10,000-result cap, so a year takes a few dozen requests. A window that still reaches the cap is
split in half until it fits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from monitor.app import App
from monitor.core.lifecycle import alert_key
from monitor.core.matching import Explanation, Matcher
from monitor.models import Alert, Document, Match
from monitor.notify.render import document_link
from monitor.sources.federal_register import FederalRegisterSource, WindowTooLarge


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


def month_windows(since: date, until: date) -> Iterator[tuple[date, date]]:
    """Calendar-month windows covering since..until, newest first (the order the API pages in)."""
    end = until
    while end >= since:
        start = max(since, end.replace(day=1))
        yield start, end
        end = start - timedelta(days=1)


async def fetch_history(source: FederalRegisterSource, since: date, until: date) -> list[Document]:
    documents: list[Document] = []
    pending = list(month_windows(since, until))
    while pending:
        start, end = pending.pop(0)
        try:
            documents += await source.fetch_window(start, end)
        except WindowTooLarge:
            if start == end:
                raise
            middle = start + (end - start) // 2
            pending[:0] = [(middle + timedelta(days=1), end), (start, middle)]
    return documents


async def backfill(app: App, since: date, until: date, watchlist: str | None, send: bool) -> list[BackfillHit]:
    source = FederalRegisterSource(app.settings.federal_register, app.http)
    matcher = app.evaluator.matcher
    if watchlist is not None:
        matcher = Matcher([w for w in matcher.watchlists if w.name == watchlist])
    hits = [
        BackfillHit(document, match)
        for document in await fetch_history(source, since, until)
        for match in matcher.match(document, app.store.load_full_text(document.number))
    ]
    if send:
        watchlists = {w.name: w for w in matcher.watchlists}
        alerts = [
            Alert(
                key=alert_key("published", hit.document, hit.match.watchlist),
                event="published",
                watchlist=hit.match.watchlist,
                document=hit.document,
                match=hit.match,
                notify=watchlists[hit.match.watchlist].notify,
            )
            for hit in hits
        ]
        app.store.save_alerts(alerts, app.clock(), app.routing)
        await app.dispatcher.dispatch_due()
    return hits


def format_hits(hits: list[BackfillHit], as_json: bool) -> str:
    if as_json:
        return json.dumps([h.to_json() for h in hits], indent=2)
    lines = []
    for hit in hits:
        doc = hit.document
        terms = ", ".join(f"{h.term} ({h.field})" for h in hit.match.hits)
        lines.append(f"{doc.publication_date} {doc.number} [{hit.match.watchlist}] {doc.title}")
        lines.append(f"    matched: {terms}")
    lines.append(f"{len(hits)} alert(s) would have been sent")
    return "\n".join(lines)


async def load_document(app: App, number: str) -> Document:
    """The stored snapshot if the monitor has seen it, else the document fetched from the API."""
    for source in ("federal_register", "public_inspection"):
        if (stored := app.store.load_snapshot(source, number)) is not None:
            return stored
    return await FederalRegisterSource(app.settings.federal_register, app.http).fetch_one(number)


async def explain(app: App, number: str, watchlist: str | None) -> tuple[Document, list[Explanation]]:
    document = await load_document(app, number)
    full_text = None
    if app.evaluator.matcher.needs_full_text(document):
        full_text = await app.full_text.load(document)
    explanations = app.evaluator.matcher.explain(document, full_text)
    if watchlist is not None:
        explanations = [e for e in explanations if e.watchlist == watchlist]
    return document, explanations


def format_explanations(document: Document, explanations: list[Explanation]) -> str:
    agencies = "; ".join(document.agency_names) or "no agency"
    lines = [f"{document.number}  {document.title}", f"  {document.type or 'unknown type'} · {agencies}"]
    for e in explanations:
        lines.append("")
        lines.append(f"{e.watchlist}: {'MATCHES' if e.matched else 'no match'}")
        if e.filter_failure:
            lines.append(f"  filtered out: {e.filter_failure}")
        if e.found:
            lines.append("  found: " + "; ".join(f"{term} in {', '.join(fields)}" for term, fields in e.found))
        if e.missing:
            lines.append("  not found: " + ", ".join(e.missing))
        if e.regex_hits:
            lines.append("  regex: " + "; ".join(f"{h.term} in {h.field}" for h in e.regex_hits))
        if e.query_true is not None and not e.filter_failure:
            lines.append(f"  query is {'true' if e.query_true else 'false'}")
        if e.match and e.match.snippet:
            lines.append(f"  {e.match.snippet}")
    return "\n".join(lines)


__all__ = ["backfill", "explain", "format_explanations", "format_hits", "month_windows"]
