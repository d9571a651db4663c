"""Recent alerts as an Atom 1.0 feed (RFC 4287), for people who live in a feed reader.

/feed.atom                   the latest alerts of every watchlist
/feed.atom?watchlist=NAME    one watchlist's
Silenced alerts are left out: a silence keeps an alert from every audience, the feed's readers too.

Each entry's id is built from the alert's key (one event about one document for one watchlist, ever), so it
never changes and a reader never shows an alert twice. The XML is written by ElementTree: every title and
summary is escaped text, never markup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.etree import ElementTree as ET

from aiohttp import web

from monitor.store.history import AlertFilter, History

if TYPE_CHECKING:
    from monitor.web.view import ServiceView

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def entry_id(key: str) -> str:
    """A stable URN for one alert: its key, percent-encoded where a URN would not take it."""
    return "urn:fr-monitor:alert:" + quote(key, safe=":-._~")


def build_feed(service: ServiceView, base: str, watchlist: str | None) -> bytes:
    from monitor.notify.render import EVENT_HEADINGS, document_link

    history = History(service.store)
    summaries = history.alerts(AlertFilter(watchlist=watchlist, silenced=False), 1, ENTRIES).alerts
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    title = "fr-monitor alerts" + (f": {watchlist}" if watchlist else "")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = "urn:fr-monitor:feed" + (
        f":{quote(watchlist, safe='')}" if watchlist else ""
    )
    self_url = f"{base}/feed.atom" + (f"?watchlist={quote(watchlist, safe='')}" if watchlist else "")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/alerts")
    updated = summaries[0].created_at if summaries else service.started_at
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _iso(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "fr-monitor"
    for summary in summaries:
        detail = history.alert(summary.id)
        if detail is None:
            continue
        alert = detail.alert
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = entry_id(summary.key)
        heading = EVENT_HEADINGS.get(alert.event, alert.event)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"[{alert.watchlist}] {heading}: {alert.document.title}"
        link = document_link(alert.document) or f"{base}/alerts/{summary.id}"
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=link)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=f"{base}/alerts/{summary.id}")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _iso(summary.created_at)
        lines = [" · ".join(p for p in (alert.document.type, "; ".join(alert.document.agency_names)) if p)]
        lines += [f"{f.label}: {f.value}" for f in alert.facts]
        if alert.match.hits:
            lines.append("Matched: " + ", ".join(f"{h.term} ({h.field})" for h in alert.match.hits))
        if alert.document.searched_text:
            lines.append(alert.document.searched_text[:1000])
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = "\n".join(line for line in lines if line)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def add_routes(app: web.Application, service: ServiceView) -> None:
    async def feed(request: web.Request) -> web.Response:
        watchlist = request.query.get("watchlist") or None
        if watchlist is not None and watchlist not in {w.name for w in service.settings.watchlists}:
            raise web.HTTPNotFound(text="no watchlist of that name")
        base = f"{request.scheme}://{request.host}"
        return web.Response(body=build_feed(service, base, watchlist), content_type="application/atom+xml")

    app.router.add_get("/feed.atom", feed, allow_head=False)
