"""Full text of Federal Register documents, for watchlists that search it.

Fetched from the Federal Register's own site re-based onto the configured base URL, at
`full_text_requests_per_second` (1 by default: the maintainers' limit), and cut at a size cap: a huge document
is matched on its first part rather than filling memory. What was fetched is cached by the caller (the runner
saves it with the poll it belongs to), so each document is downloaded once. A download that fails raises
SourceError: the caller holds the document and reads it again later (monitor.core.unread).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from monitor.models import Document
from monitor.sources.http import HttpClient, SourceError

RATE_KEY = "federal_register_full_text"
TRUSTED_HOST = "www.federalregister.gov"


@dataclass(frozen=True, slots=True)
class FullText:
    text: str
    truncated: bool


class FullTextFetcher:
    def __init__(self, http: HttpClient, base_url: str, max_chars: int) -> None:
        self.http = http
        self.base_url = base_url
        self.max_chars = max_chars

    def text_url(self, document: Document) -> str | None:
        parts = urlsplit(document.raw_text_url)
        if parts.scheme != "https" or parts.netloc != TRUSTED_HOST or not parts.path:
            return None
        return urljoin(self.base_url, parts.path)

    async def fetch(self, document: Document) -> FullText | None:
        """The document's raw text; None when it has none to read (no trusted URL). SourceError when the download
        fails."""
        url = self.text_url(document)
        if url is None:
            return None
        response = await self.http.get("full_text", url, rate_key=RATE_KEY)
        if response.status != 200:
            raise SourceError(f"full_text: unexpected status {response.status}", f"http_{response.status}")
        text = response.body.decode("utf-8", errors="replace")
        return FullText(text[: self.max_chars], len(text) > self.max_chars)
