"""Turning changes into alerts: which watchlist hears about what, and under which once-only key."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.core.matching import Matcher
from monitor.models import Alert, Change, Document, EventKind


def alert_key(event: EventKind, document: Document, watchlist: str, version: str = "") -> str:
    """The identity of an alert. The store keeps keys unique, so the same event is never alerted twice."""
    parts = [event, document.source, document.number, watchlist]
    if version:
        parts.append(version)
    return ":".join(parts)


def build_alerts(
    changes: Iterable[Change], matcher: Matcher, previous: dict[str, Document] | None = None
) -> list[Alert]:
    """Alerts for each change and each watchlist that matched it.

    An update alerts a watchlist that matches the document now or matched it before the update, so that a
    document whose new title no longer matches still tells its audience what changed.
    """
    previous = previous or {}
    alerts: list[Alert] = []
    for change in changes:
        document = change.document
        event: EventKind = "published" if change.kind == "new" else "updated"
        matches = {m.watchlist: m for m in matcher.match(document)}
        if change.kind == "updated" and (before := previous.get(document.number)) is not None:
            for m in matcher.match(before):
                matches.setdefault(m.watchlist, m)
        for watchlist in matcher.watchlists:
            found = matches.get(watchlist.name)
            if found is None or not watchlist.wants(event):
                continue
            version = document.content_hash()[:16] if event == "updated" else ""
            alerts.append(
                Alert(
                    key=alert_key(event, document, watchlist.name, version),
                    event=event,
                    watchlist=watchlist.name,
                    document=document,
                    match=found,
                    changes=change.fields,
                    notify=watchlist.notify,
                )
            )
    return alerts
