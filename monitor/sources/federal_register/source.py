"""The Federal Register documents API: fetch the recent publication window, parse it into Documents.

Quirks handled here (see SOURCES.md section 1):
- `order=newest` is always sent; the default order is relevance, which would make paging unstable.
- `count` and `total_pages` are capped upstream and prove nothing; pages are followed by `next_page_url`
  until it is absent.
- a search with no hits answers only {"description", "count": 0}, without `results`.
- `next_page_url` names the API's own host; it is re-based onto the configured base URL so that a mirror or
  a test fake keeps receiving the follow-up requests.
- after downtime a poll reaches back to the day before its last success (at most `max_catch_up_days`), a
  calendar month per request window; a window the API would cap is split in half until it fits.
A poll that fails on any page fails whole: a partial list is never stored as if it were complete.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from monitor.core.clock import CatchUp, catch_up_window, eastern_today, month_windows
from monitor.core.schedule import Check, documents_check, in_filing_hours
from monitor.models import Document, Sources
from monitor.sources.federal_register.parsing import agencies, clean_text, identify, iso_date, strings
from monitor.sources.federal_register.settings import FederalRegisterSettings
from monitor.sources.http import HttpClient, ParseError, SourceError

NAME = Sources.FEDERAL_REGISTER
MAX_PAGES = 50
FIRST_DAY = date(1994, 1, 1)  # the documents API holds the Federal Register from 1994 on

log = logging.getLogger("monitor.federal_register")

FIELDS = (
    "document_number",
    "title",
    "type",
    "action",
    "abstract",
    "dates",
    "effective_on",
    "comments_close_on",
    "publication_date",
    "agencies",
    "cfr_references",
    "regulation_id_numbers",
    "docket_ids",
    "citation",
    "significant",
    "correction_of",
    "corrections",
    "html_url",
    "pdf_url",
    "raw_text_url",
)


# The API never counts past this; a window whose count reaches it may hold more than can be paged through.
COUNT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class SearchPage:
    documents: list[Document]
    next_page_url: str | None
    count: int = 0


class WindowTooLarge(SourceError):
    """A date window holding more documents than the API will page through: ask for a smaller one."""


def build_search_params(settings: FederalRegisterSettings, since: date, until: date) -> list[tuple[str, str]]:
    params = [
        ("order", "newest"),
        ("per_page", str(settings.per_page)),
        ("conditions[publication_date][gte]", since.isoformat()),
        ("conditions[publication_date][lte]", until.isoformat()),
    ]
    params += [("conditions[agencies][]", slug) for slug in settings.agencies]
    params += [("conditions[type][]", code) for code in settings.types]
    params += [("fields[]", name) for name in FIELDS]
    return params


def _cfr(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    refs = []
    for ref in value:
        if isinstance(ref, dict) and ref.get("title") is not None and ref.get("part"):
            refs.append(f"{ref['title']} CFR {ref['part']}")
    return tuple(refs)


def parse_document(raw: Any, source: str = NAME) -> Document:
    """One API result -> Document. Volatile fields (page views, check times) are not carried over."""
    number, title = identify(raw, "title")
    return Document(
        source=source,
        number=number,
        title=title,
        type=clean_text(raw.get("type")),
        action=clean_text(raw.get("action")),
        abstract=clean_text(raw.get("abstract")),
        agencies=agencies(raw.get("agencies")),
        publication_date=iso_date(raw.get("publication_date"), "publication_date", number),
        effective_on=iso_date(raw.get("effective_on"), "effective_on", number),
        comments_close_on=iso_date(raw.get("comments_close_on"), "comments_close_on", number),
        dates=clean_text(raw.get("dates")),
        cfr_references=_cfr(raw.get("cfr_references")),
        regulation_id_numbers=strings(raw.get("regulation_id_numbers")),
        docket_ids=strings(raw.get("docket_ids")),
        citation=clean_text(raw.get("citation")),
        significant=bool(raw.get("significant")),
        correction_of=raw.get("correction_of") or None,
        corrections=strings(raw.get("corrections")),
        html_url=clean_text(raw.get("html_url")),
        pdf_url=clean_text(raw.get("pdf_url")),
        raw_text_url=clean_text(raw.get("raw_text_url")),
    )


def parse_search_page(data: Any) -> SearchPage:
    """A `documents.json` answer -> its documents and the next page's URL, or ParseError."""
    if not isinstance(data, dict):
        raise ParseError(f"the answer is {type(data).__name__}, not an object")
    if "results" not in data:
        if data.get("count") == 0:
            return SearchPage([], None)  # the zero-result body: only description and count
        raise ParseError("the answer has neither results nor count 0")
    results = data["results"]
    if not isinstance(results, list):
        raise ParseError("results is not a list")
    next_url = data.get("next_page_url")
    count = data.get("count")
    return SearchPage(
        [parse_document(r) for r in results],
        next_url if isinstance(next_url, str) and next_url else None,
        count if isinstance(count, int) and not isinstance(count, bool) else len(results),
    )


def parse_documents_by_number(data: Any, several: bool) -> list[Document]:
    """The answer to `documents/{numbers}.json`: for several numbers {"count", "results", "errors": {"not_found"}}
    (no `results` when none was found), for one number the document itself."""
    if not several:
        return [parse_document(data)]
    if not isinstance(data, dict):
        raise ParseError(f"the answer is {type(data).__name__}, not an object")
    results = data.get("results", [])
    if not isinstance(results, list):
        raise ParseError("results is not a list")
    return [parse_document(r) for r in results]


def rebase_url(next_url: str, base_url: str) -> str:
    """Point an API-built URL (…/api/v1/documents?…) at the configured base, keeping path and query."""
    parts = urlsplit(next_url)
    base_path = urlsplit(base_url).path
    marker = "/api/v1/"
    path = parts.path
    relative = path.split(marker, 1)[1] if marker in path else path.removeprefix(base_path).lstrip("/")
    return urljoin(base_url, relative) + (f"?{parts.query}" if parts.query else "")


class FederalRegisterSource:
    name = NAME

    def __init__(self, settings: FederalRegisterSettings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http
        self.interval = settings.interval
        self.last_window: CatchUp | None = None  # what the latest poll asked for, and any dates it left out
        self.issue_seen: date | None = None  # the latest US Eastern date whose daily issue was read
        self.unchanged = False  # the latest check found today's issue not out yet: nothing was read
        self.upstream_changed_at: float | None = None
        self.last_documents: list[Document] = []
        self._last_read: float | None = None

    def next_interval(self, now: datetime) -> float:
        return self.next_check(now).delay

    def next_check(self, now: datetime) -> Check:
        """Every issue_interval in the issue window until today's issue is read, else every interval."""
        seen = self.issue_seen == eastern_today(now)
        return documents_check(now, self.interval, self.settings.issue_interval, self.settings.issue_hours, seen)

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        """The recent publication window, read whole. In the issue window, until today's issue is out, a check
        between two full reads is a one-line query (is anything published today?) and reads nothing more."""
        today = eastern_today(now)
        waiting = in_filing_hours(now, self.settings.issue_hours) and self.issue_seen != today
        self.unchanged = False
        out = False
        if waiting and self._last_read is not None and now.timestamp() - self._last_read < self.interval:
            out = await self.issue_is_out(today)
            if not out:
                self.unchanged = True
                return []
        window = catch_up_window(now, self.settings.lookback_days, last_success, self.settings.max_catch_up_days)
        self.last_window = window
        if (window.until - window.since).days >= self.settings.lookback_days:
            log.info("catching up on %s to %s after downtime", window.since, window.until, extra={"source": NAME})
        documents = await self.fetch_range(window.since, window.until)
        self._last_read, self.last_documents = now.timestamp(), documents
        if out or any(d.publication_date == today for d in documents):
            self.issue_seen = today
        return documents

    async def issue_is_out(self, day: date) -> bool:
        """Whether anything is published on `day` (any agency): a two-result query of a few hundred bytes."""
        params = [("conditions[publication_date][is]", day.isoformat()), ("per_page", "2"), ("fields[]", "title")]
        url = urljoin(self.settings.base_url, "documents.json")
        data = await self.http.get_json(NAME, url, params, max_age=self.settings.issue_interval)
        count = data.get("count") if isinstance(data, dict) else None
        if not isinstance(count, int):
            raise SourceError(f"{NAME}: unexpected answer to the daily issue check: no count", "malformed")
        return count > 0

    async def fetch_windows(self, since: date, until: date) -> AsyncIterator[tuple[list[Document], int]]:
        """The documents of since..until a window at a time, each with how many windows are left: up to a month
        is one window, a longer range a calendar month per window (far below the API's 10,000-result cap), and
        a window that reaches the cap is split in half until it fits."""
        pending = [(since, until)] if (until - since).days < 31 else list(month_windows(since, until))
        while pending:
            start, end = pending.pop(0)
            try:
                yield await self.fetch_window(start, end), len(pending)
            except WindowTooLarge:
                if start == end:
                    raise
                middle = start + (end - start) // 2
                pending[:0] = [(middle + timedelta(days=1), end), (start, middle)]

    async def fetch_range(self, since: date, until: date) -> list[Document]:
        documents: dict[str, Document] = {}
        async for window, _ in self.fetch_windows(since, until):
            for document in window:
                documents.setdefault(document.number, document)
        return list(documents.values())

    async def fetch_window(self, since: date, until: date) -> list[Document]:
        """Every document published from `since` to `until`; WindowTooLarge when that is more than the API
        pages through (its count is capped at 10,000)."""
        url: str | None = urljoin(self.settings.base_url, "documents.json")
        params: Sequence[tuple[str, str]] | None = build_search_params(self.settings, since, until)
        documents: dict[str, Document] = {}
        for page_number in range(MAX_PAGES):
            if url is None:
                return list(documents.values())
            # An answer older than a poll interval may hide what was published since: ask past the cache.
            data = await self.http.get_json(NAME, url, params, max_age=self.interval)
            try:
                page = parse_search_page(data)
            except ParseError as exc:
                raise SourceError(f"{NAME}: unexpected answer from documents.json: {exc}", "malformed") from None
            if page_number == 0 and page.count >= COUNT_CAP:
                raise WindowTooLarge(
                    f"{NAME}: {since} to {until} holds {page.count}+ documents; use a smaller window", "too_large"
                )
            for doc in page.documents:
                documents.setdefault(doc.number, doc)
            url = rebase_url(page.next_page_url, self.settings.base_url) if page.next_page_url else None
            params = None
        raise SourceError(f"{NAME}: more than {MAX_PAGES} pages; narrow lookback_days", "too_many_pages")

    async def fetch_numbers(self, numbers: Sequence[str]) -> tuple[list[Document], list[str]]:
        """Documents by number in one request, `documents/{n1},{n2}.json` (the API answers up to 250 a request;
        callers ask in smaller batches): (those found, the numbers not found)."""
        if not numbers:
            return [], []
        url = urljoin(self.settings.base_url, f"documents/{quote(','.join(numbers), safe=',')}.json")
        params = [("fields[]", name) for name in FIELDS]
        try:
            data = await self.http.get_json(NAME, url, params, max_age=self.interval)
        except SourceError as exc:
            if len(numbers) == 1 and exc.reason == "http_404":  # one number is answered as one document, or 404
                return [], list(numbers)
            raise
        try:
            found = parse_documents_by_number(data, len(numbers) > 1)
        except ParseError as exc:
            raise SourceError(f"{NAME}: unexpected answer for documents by number: {exc}", "malformed") from None
        numbers_found = {d.number for d in found}
        return found, [n for n in numbers if n not in numbers_found]

    async def fetch_one(self, number: str) -> Document:
        """One document by number (documents/{number}.json)."""
        url = urljoin(self.settings.base_url, f"documents/{quote(number)}.json")
        data = await self.http.get_json(NAME, url, [("fields[]", name) for name in FIELDS])
        try:
            return parse_document(data)
        except ParseError as exc:
            raise SourceError(f"{NAME}: unexpected answer for document {number}: {exc}", "malformed") from None
