"""RSS and Atom feeds, parsed with feedparser from bytes the service fetched itself.

Items are keyed by guid, else link. Federal Register RSS quirks (SOURCES.md section 3): the abstract in
`description` is HTML-escaped twice, so it is unescaped once more after parsing and its tags dropped; the
channel title carries a rolling date (the feed is never hashed whole); `pubDate` is a date at midnight; the
document number is only in the link (`/2025-00636/`). An item that is a Federal Register document keeps its
document number, so the API and the feed share one alert for it: whichever sees it first sends it.

A feed item says little (a title, an abstract, a date). A new Federal Register document first seen in a feed is
completed from the documents API (one request by number) before it alerts, so its alert carries the agencies,
type, RINs, CFR parts, dates and `correction_of`, and following and reminders work for it. When the API cannot
give it, the item waits for the next polls (a few), and then alerts with what the feed
has, saying so (the runner keeps count, in the store, across restarts).

The XML is screened before feedparser sees it: a document that declares entities (XXE, billion laughs) is
refused, and feedparser never fetches anything itself.
"""

from __future__ import annotations

import dataclasses
import html
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import defusedxml.ElementTree as safe_xml
import feedparser
from bs4 import BeautifulSoup
from defusedxml import DefusedXmlException

from monitor.core.identity import number_in_url
from monitor.models import Document, ItemKind, Sources
from monitor.sources.http import HttpClient, SourceError, host_of

FR_HOSTS = ("www.federalregister.gov", "federalregister.gov")

log = logging.getLogger("monitor.feeds")


class FeedError(ValueError):
    pass


def screen_xml(body: bytes) -> None:
    """Refuse XML that declares entities or reaches outside (defusedxml); malformed XML is refused too."""
    try:
        safe_xml.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"refused unsafe XML ({type(exc).__name__})") from None
    except safe_xml.ParseError as exc:
        raise FeedError(f"not well-formed XML: {exc}") from None


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _strip_html(text: str) -> str:
    return _text(BeautifulSoup(text, "html.parser").get_text(" ")) if "<" in text else _text(text)


def _entry_date(entry: Any) -> date | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            year, month, day = parsed[:3]
            return date(year, month, day)
    return None


def _trusted_link(link: str, feed_url: str) -> bool:
    """A feed item's link is shown as a link only when it is on the feed's own site (or federalregister.gov)."""
    if urlsplit(link).username is not None:  # "https://www.bis.gov@elsewhere/": shown as text, never a link
        return False
    host = host_of(link)
    return link.startswith("https://") and (host in FR_HOSTS or host == host_of(feed_url))


def parse_feed(body: bytes, source: str, feed_url: str = "") -> list[Document]:
    screen_xml(body)
    parsed = feedparser.parse(body, resolve_relative_uris=False, sanitize_html=True)
    if parsed.get("bozo") and not parsed.entries:
        raise FeedError(f"not a feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("not an RSS or Atom feed")
    items: dict[str, Document] = {}
    for entry in parsed.entries:
        link = _text(entry.get("link"))
        key = _text(entry.get("id")) or link
        title = _text(html.unescape(entry.get("title", "")))
        if not key or not title:
            continue
        summary = str(entry.get("summary", "") or entry.get("description", ""))
        is_fr = any(f"//{h}/" in link for h in FR_HOSTS)
        if is_fr:
            summary = html.unescape(summary)  # escaped twice upstream: feedparser undid one
        number = key
        if is_fr and (found := number_in_url(link)):
            number = found
        items.setdefault(
            number,
            Document(
                source=source,
                number=number,
                title=title,
                abstract=_strip_html(summary)[:5000],
                publication_date=_entry_date(entry),
                html_url=link if _trusted_link(link, feed_url) else "",
                type=ItemKind.FEED_ITEM,
            ),
        )
    return list(items.values())


class FeedSource:
    def __init__(
        self,
        name: str,
        url: str,
        interval: float,
        http: HttpClient,
        fetch_document: Callable[[str], Awaitable[Document]],
    ) -> None:
        self.name = Sources.feed(name)
        self.url = url
        self.interval = interval
        self.http = http
        self.fetch_document = fetch_document

    async def complete(self, item: Document) -> Document | None:
        """A new item, completed from the documents API when it is a Federal Register document; None when the
        API cannot give it now (the caller decides how long it waits)."""
        if not item.fr_number:
            return item
        try:
            document = await self.fetch_document(item.number)
        except SourceError as exc:
            log.warning(
                "cannot complete %s from the documents API: %s",
                item.number,
                exc,
                extra={"source": self.name, "document_number": item.number, "error": exc.reason},
            )
            return None
        # The feed saw it; the API says what it is. Where the feed has a value the API lacks, the feed's stays.
        return dataclasses.replace(
            document,
            source=self.name,
            abstract=document.abstract or item.abstract,
            publication_date=document.publication_date or item.publication_date,
        )

    def next_interval(self, now: datetime) -> float:
        return self.interval

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"
        response = await self.http.fetch(self.name, self.url, headers={"Accept": accept})
        if response.status != 200:
            raise SourceError(f"{self.name}: unexpected status {response.status}", f"http_{response.status}")
        try:
            return parse_feed(response.body, self.name, self.url)
        except FeedError as exc:
            raise SourceError(f"{self.name}: {exc}", "malformed") from None
