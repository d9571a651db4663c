"""Public inspection: documents filed a day or more before they publish (the earliest signal).

Quirks handled here (see SOURCES.md section 2):
- `filed_at` comes as `2026-09-28T11:15:00.000-04:00` from current.json and `2026-09-29T12:45:00Z` from search;
  both are parsed and kept in UTC. It, and `publication_date`, may be null.
- titles carry a trailing space; whitespace is normalised.
- a document filed late on day D is listed on D and on D+1: items are keyed by document number, so it is one
  item, seen twice.
- absence from current.json proves nothing (the list rolls over daily). A document that leaves the list was
  either published or withdrawn. Published: the documents API has it under the same number, whatever agency
  or type ([federal_register] filters play no part). Withdrawn: a direct fetch whose editorial note says so.
  Both are asked for many numbers in one request (`documents/{n1},{n2}.json`, and the same for
  public-inspection-documents), which answers `{"count","results","errors":{"not_found":[...]}}`; one number
  alone answers the document itself, or 404.
- a list whose `count` disagrees with its results is treated as truncated: the poll fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urljoin

from monitor.core.schedule import BUDGET_REASON, ByteBudget, Check, public_inspection_check
from monitor.models import Document, Sources
from monitor.sources.federal_register.parsing import agencies, clean_text, identify, iso_date, strings
from monitor.sources.federal_register.settings import FederalRegisterSettings
from monitor.sources.http import HttpClient, ParseError, Response, SourceError, decode_json
from monitor.sources.public_inspection.settings import PublicInspectionSettings

log = logging.getLogger("monitor.public_inspection")

NAME = Sources.PUBLIC_INSPECTION
WITHDRAWAL_WORDS = ("withdraw", "withdrawn", "withdrawal")
# An unchanged list is still read whole this often (from the body held, no download): departures waiting to be
# confirmed are tried again, and nothing depends on the change detection alone for long.
REREAD_EVERY = 900.0


def parse_timestamp(value: Any, field: str, number: str) -> str | None:
    """Either of the API's timestamp forms -> ISO 8601 in UTC; None when absent."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ParseError(f"document {number}: {field} {value!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise ParseError(f"document {number}: {field} {value!r} has no time zone")
    return parsed.astimezone(UTC).isoformat()


def parse_pi_document(raw: Any) -> Document:
    number, title = identify(raw, "title", "toc_doc")
    pages = raw.get("num_pages")
    return Document(
        source=NAME,
        number=number,
        title=title,
        type=clean_text(raw.get("type")),
        agencies=agencies(raw.get("agencies")),
        publication_date=iso_date(raw.get("publication_date"), "publication_date", number),
        docket_ids=strings(raw.get("docket_numbers")),
        html_url=clean_text(raw.get("html_url")),
        pdf_url=clean_text(raw.get("pdf_url")),
        raw_text_url=clean_text(raw.get("raw_text_url")),
        filed_at=parse_timestamp(raw.get("filed_at"), "filed_at", number),
        filing_type=clean_text(raw.get("filing_type")),
        num_pages=pages if isinstance(pages, int) and not isinstance(pages, bool) else None,
        pdf_updated_at=parse_timestamp(raw.get("pdf_updated_at"), "pdf_updated_at", number),
        editorial_note=clean_text(raw.get("editorial_note")),
    )


def parse_current(data: Any) -> list[Document]:
    """current.json -> documents; ParseError for a malformed or truncated list."""
    if not isinstance(data, dict):
        raise ParseError(f"the answer is {type(data).__name__}, not an object")
    results = data.get("results")
    if results is None:
        if data.get("count") == 0:
            return []
        raise ParseError("the answer has neither results nor count 0")
    if not isinstance(results, list):
        raise ParseError("results is not a list")
    count = data.get("count")
    if isinstance(count, int) and count != len(results):
        raise ParseError(f"count says {count} documents but {len(results)} came: the list is truncated")
    documents: dict[str, Document] = {}
    for raw in results:
        doc = parse_pi_document(raw)
        documents.setdefault(doc.number, doc)
    return list(documents.values())


def says_withdrawn(document: Document) -> bool:
    note = document.editorial_note.lower()
    return any(word in note for word in WITHDRAWAL_WORDS)


def filings_updated_at(data: Any) -> tuple[float, float]:
    """(regular, special) `*_filings_updated_at` of a current.json answer as Unix times; 0 when absent or bad."""
    stamps = []
    for field in ("regular_filings_updated_at", "special_filings_updated_at"):
        value = data.get(field) if isinstance(data, dict) else None
        try:
            stamps.append(datetime.fromisoformat(str(value)).timestamp() if value else 0.0)
        except ValueError:
            stamps.append(0.0)
    return stamps[0], stamps[1]


def is_older(stamps: tuple[float, float], seen: tuple[float, float]) -> bool:
    """A list whose regular or special filings were updated before those of a list already read is an old
    copy (a cache's): it must never be read as the current one."""
    return stamps[0] < seen[0] or stamps[1] < seen[1]


def header_bytes(response: Response) -> int:
    """What a 304 costs on the wire, roughly: its headers and the request's."""
    return 200 + sum(len(k) + len(v) + 4 for k, v in response.headers.items())


class PublicInspectionSource:
    """Checked often in filing hours with conditional requests (If-None-Match): an unchanged list is a 304 and
    is neither parsed nor evaluated (`unchanged`); a changed one is read whole. The order of the rules:
    1. a 304, or a 200 whose body is the one read last, is unchanged (read whole anyway once REREAD_EVERY,
       so departures waiting to be confirmed are tried again, from the body held: no download);
    2. a list whose `*_filings_updated_at` are older than those already read is a cache's old copy: asked for
       again past the cache, and a poll that still gets an old one fails (a newer list is never hidden);
    3. anything else is read whole, and its newest `*_filings_updated_at` is when upstream last changed.
    Full downloads a day stay within ByteBudget (today's 5-minute full polls)."""

    name = NAME
    tracks_departures = True

    def __init__(self, fr: FederalRegisterSettings, settings: PublicInspectionSettings, http: HttpClient) -> None:
        self.base_url = fr.base_url
        self.http = http
        self.interval = settings.interval
        self.quiet_interval = settings.quiet_interval
        self.hours = settings.hours
        self.budget = ByteBudget(settings.quiet_interval, settings.hours)
        self.unchanged = False  # the latest fetch found the list as it was: nothing to parse or evaluate
        self.upstream_changed_at: float | None = None
        self.last_documents: list[Document] = []
        self._seen: tuple[float, float] = (0.0, 0.0)
        self._last_body: bytes | None = None
        self._last_read: float | None = None
        self._full_size = 0
        self._past_cache = False

    def next_interval(self, now: datetime) -> float:
        return self.next_check(now).delay

    def next_check(self, now: datetime) -> Check:
        """Often during the filing day on business days; at the quiet interval at night, weekends, holidays;
        later only when the day's bytes are spent."""
        planned = public_inspection_check(now, self.interval, self.quiet_interval, self.hours)
        wait = self.budget.wait(now)
        if wait > planned.delay:
            return Check(wait, BUDGET_REASON)
        return planned

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        # A stale list would miss new filings and show false departures: it is asked for again past the cache.
        url = urljoin(self.base_url, "public-inspection-documents/current.json")
        # Once a cache in front has answered with an old copy, checks go straight past it, conditionally: its
        # old copies would cost a whole list each time, where the origin answers 304.
        response = await self.http.get_fresh(NAME, url, max_age=self.interval, past_cache=self._past_cache)
        self._past_cache = response.past_cache
        self._spend(now, response)
        due_reread = self._last_read is None or now.timestamp() - self._last_read >= REREAD_EVERY
        same = response.not_modified or response.body == self._last_body
        if same and not due_reread and response.status == 200:
            self.unchanged = True
            return []
        data = decode_json(NAME, response)
        if is_older(filings_updated_at(data), self._seen):
            log.warning("an older list than the one already read: asking past the cache", extra={"source": NAME})
            if self.http.on_stale is not None:
                self.http.on_stale(NAME)
            response = await self.http.get_past_cache(NAME, url)
            self._past_cache = True
            self._spend(now, response)
            data = decode_json(NAME, response)
            if is_older(filings_updated_at(data), self._seen):
                raise SourceError(
                    f"{NAME}: current.json stays older than the list already read (its *_filings_updated_at); "
                    "nothing was read from it",
                    "stale",
                )
        try:
            documents = parse_current(data)
        except ParseError as exc:
            raise SourceError(f"{NAME}: unexpected answer from current.json: {exc}", "malformed") from None
        stamps = filings_updated_at(data)
        if stamps != self._seen and max(stamps) > 0:
            self.upstream_changed_at = max(stamps)
        self._seen = max(self._seen[0], stamps[0]), max(self._seen[1], stamps[1])
        self._last_body, self._last_read, self.unchanged = response.body, now.timestamp(), False
        self.last_documents = documents
        return documents

    def _spend(self, now: datetime, response: Response) -> None:
        if not response.not_modified:
            self._full_size = max(len(response.body), 1)
        size = header_bytes(response) if response.not_modified else len(response.body)
        self.budget.spend(now, size / max(self._full_size, 1))

    def _numbers_url(self, path: str, numbers: Sequence[str]) -> str:
        return urljoin(self.base_url, f"{path}/{','.join(quote(n, safe='') for n in numbers)}.json")

    async def fetch_published(self, numbers: Sequence[str]) -> set[str]:
        """Which of these documents the Federal Register has published (one request, whatever the filters of
        the federal_register source). Any failure means "not known yet": they are asked about again later."""
        if not numbers:
            return set()
        url = self._numbers_url("documents", numbers)
        try:
            data = await self.http.get_json(NAME, url, params=[("fields[]", "document_number")])
        except SourceError as exc:  # not fatal, but never silent: a lasting failure leaves departures unresolved
            log.warning("departed documents not checked against the documents API: %s", exc, extra=_context(exc))
            return set()
        asked = set(numbers)
        return {number for raw in found(data) if (number := str(raw.get("document_number"))) in asked}

    async def fetch_withdrawn(self, numbers: Sequence[str]) -> list[Document]:
        """Those of these documents (left the list, not published) whose editorial note says they were
        withdrawn, in one request. Any failure means "not confirmed": they are asked about again later."""
        if not numbers:
            return []
        try:
            data = await self.http.get_json(NAME, self._numbers_url("public-inspection-documents", numbers))
        except SourceError as exc:
            log.warning("departed documents not checked for a withdrawal: %s", exc, extra=_context(exc))
            return []
        documents = []
        for raw in found(data):  # one document that does not parse does not hide the others' withdrawals
            try:
                documents.append(parse_pi_document(raw))
            except ParseError as exc:
                number = str(raw.get("document_number", ""))
                log.warning(
                    "departed document not checked for a withdrawal: %s",
                    exc,
                    extra={"source": NAME, "document_number": number, "error": "malformed"},
                )
        return [d for d in documents if d.number in numbers and says_withdrawn(d)]


def _context(exc: SourceError) -> dict[str, str]:
    return {"source": NAME, "error": exc.reason}


def found(data: Any) -> list[dict[str, Any]]:
    """The documents of a by-number answer: a list's `results`, or the one document asked for."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return [raw for raw in data["results"] if isinstance(raw, dict)]
    if isinstance(data, dict) and "document_number" in data:
        return [data]
    return []
