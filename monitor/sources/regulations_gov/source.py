"""Regulations.gov (optional; needs an api.data.gov key): an agency's documents and their comment periods.

Each poll asks for the agency's documents modified since a few days back (`filter[lastModifiedDate][ge]`, a
US Eastern time although the answers are UTC), newest changes last, 250 a page. After a downtime it reaches back
to a day before its last success, as the Federal Register does, but never more than `max_catch_up_days`.
Every document is an item keyed by its id; the comment period lives in its fields (`comments_close_on` from
`commentEndDate`, and a note saying whether it is open or withdrawn), so a period that opens is a new item and
one that changes, closes or is withdrawn is an `updated` alert with the before/after of those fields. The key
travels in the X-Api-Key header and never in a URL, a log line or an error.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from monitor.core.clock import EASTERN
from monitor.models import Agency, Document, Sources
from monitor.sources.http import HttpClient, ParseError, SourceError

log = logging.getLogger("monitor.regulations_gov")

NAME = Sources.REGULATIONS_GOV
PAGE_SIZE = 250
MAX_PAGES = 20


def _eastern_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(EASTERN).date()
    except ValueError:
        return None


def comment_period(attributes: dict[str, Any]) -> str:
    if attributes.get("withdrawn"):
        return "withdrawn"
    if attributes.get("openForComment"):
        return "open for comment"
    if attributes.get("commentEndDate"):
        return "comment period closed"
    return ""


def parse_documents(data: Any, agency: str) -> tuple[list[Document], bool]:
    """A JSON:API page -> documents, and whether another page follows."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ParseError("the answer has no data list")
    documents = []
    for item in data["data"]:
        if not isinstance(item, dict) or not isinstance(item.get("attributes"), dict) or not item.get("id"):
            raise ParseError("a result has no id or attributes")
        a = item["attributes"]
        title = " ".join(str(a.get("title") or "").split())
        if not title:
            raise ParseError(f"document {item['id']} has no title")
        documents.append(
            Document(
                source=NAME,
                number=str(item["id"]),
                title=title,
                type=str(a.get("documentType") or ""),
                agencies=(Agency(str(a.get("agencyId") or agency)),),
                publication_date=_eastern_date(a.get("postedDate")),
                comments_close_on=_eastern_date(a.get("commentEndDate")),
                docket_ids=(str(a["docketId"]),) if a.get("docketId") else (),
                comment_status=comment_period(a),
                html_url=f"https://www.regulations.gov/document/{item['id']}",
            )
        )
    meta = data.get("meta")
    return documents, isinstance(meta, dict) and bool(meta.get("hasNextPage"))


class RegulationsGovSource:
    name = NAME

    def __init__(
        self,
        base_url: str,
        api_key: str,
        agency: str,
        lookback_days: int,
        max_catch_up_days: int,
        interval: float,
        http: HttpClient,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._api_key = api_key
        self.agency = agency
        self.lookback_days = lookback_days
        self.max_catch_up_days = max_catch_up_days
        self.interval = interval
        self.http = http

    def next_interval(self, now: datetime) -> float:
        return self.interval

    def modified_since(self, now: datetime, last_success: datetime | None) -> datetime:
        """The earlier of (now - lookback) and (a day before the last success: changes indexed late are still
        seen), never more than `max_catch_up_days` back."""
        since = now - timedelta(days=self.lookback_days)
        if last_success is not None:
            since = min(since, last_success - timedelta(days=1))
        earliest = now - timedelta(days=self.max_catch_up_days)
        if since < earliest:
            log.warning(
                "after a downtime, changes from %s to %s are past max_catch_up_days (%d) and are not fetched",
                since.astimezone(EASTERN).date(),
                earliest.astimezone(EASTERN).date(),
                self.max_catch_up_days,
                extra={"source": NAME},
            )
            since = earliest
        return since

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        since = self.modified_since(now, last_success).astimezone(EASTERN).strftime("%Y-%m-%d %H:%M:%S")
        documents: dict[str, Document] = {}
        for page in range(1, MAX_PAGES + 1):
            params = [
                ("filter[agencyId]", self.agency),
                ("filter[lastModifiedDate][ge]", since),
                ("sort", "lastModifiedDate,documentId"),
                ("page[size]", str(PAGE_SIZE)),
                ("page[number]", str(page)),
            ]
            response = await self.http.fetch(
                NAME, urljoin(self.base_url, "documents"), params, headers={"X-Api-Key": self._api_key}
            )
            if response.status == 429:
                raise SourceError(f"{NAME}: over the API key's rate limit (429)", "http_429")
            if response.status in (401, 403):
                raise SourceError(f"{NAME}: the API key was refused ({response.status})", f"http_{response.status}")
            if response.status != 200:
                raise SourceError(f"{NAME}: unexpected status {response.status}", f"http_{response.status}")
            try:
                batch, more = parse_documents(json.loads(response.body), self.agency)
            except (ValueError, ParseError) as exc:
                raise SourceError(f"{NAME}: unexpected answer: {exc}", "malformed") from None
            for document in batch:
                documents[document.number] = document  # later pages hold later modifications
            if not more:
                return list(documents.values())
        raise SourceError(f"{NAME}: more than {MAX_PAGES} pages of changes", "too_many_pages")
