"""Full text of Federal Register documents, for watchlists that search `full_text`.

Fetched once per document (then read from the store), only from the Federal Register's own site re-based onto
the configured base URL, at `full_text_requests_per_second` (1 by default: the maintainers' limit), and
cut at a size cap: a huge document is matched on its first part rather than filling memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from monitor.models import Document
from monitor.sources.http import HttpClient, SourceError
from monitor.store.store import Store

log = logging.getLogger("monitor.full_text")

RATE_KEY = "federal_register_full_text"
TRUSTED_HOST = "www.federalregister.gov"


class FullTextFetcher:
    def __init__(
        self, http: HttpClient, store: Store, base_url: str, max_chars: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.http = http
        self.store = store
        self.base_url = base_url
        self.max_chars = max_chars
        self.clock = clock

    def text_url(self, document: Document) -> str | None:
        parts = urlsplit(document.raw_text_url)
        if parts.scheme != "https" or parts.netloc != TRUSTED_HOST or not parts.path:
            return None
        return urljoin(self.base_url, parts.path)

    async def load(self, document: Document) -> str | None:
        """The document's raw text, from the store or fetched once; None when it cannot be had."""
        cached = self.store.load_full_text(document.number)
        if cached is not None:
            return cached
        url = self.text_url(document)
        if url is None:
            return None
        try:
            response = await self.http.get("full_text", url, rate_key=RATE_KEY)
        except SourceError as exc:
            log.warning("full text unavailable: %s", exc, extra={"document_number": document.number})
            return None
        if response.status != 200:
            log.warning("full text unavailable: HTTP %d", response.status, extra={"document_number": document.number})
            return None
        text = response.body.decode("utf-8", errors="replace")
        truncated = len(text) > self.max_chars
        text = text[: self.max_chars]
        self.store.save_full_text(document.number, text, truncated, self.clock())
        return text
