"""Web pages that have no feed (bis.gov press releases, its Federal Register notices table...).

Each poll keeps only the configured region of the page (a CSS selector) and reads two things from it:
- its entries: every link, keyed by absolute URL, with its text, the text around it and a date if one is near;
  a new entry is an item like any document (watchlists match it; `follow_links` adds the linked page's text);
- its text, normalised: whitespace folded, one line per block, ignore patterns removed, lines compared as a set
  so that reordering never counts. A change of that text is a `page_changed` alert unless new entries explain it.

A page that is not the page asked for is a failed poll, never "entries removed": a soft-404 (redirected to the
home page, or a canonical link to it), a captcha or bot check, a selector that matches nothing, an empty region.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from monitor.models import PAGE_REGION_NUMBER, Document, ItemKind, Sources
from monitor.sources.http import HttpClient, SourceError, host_of, with_credentials_of, without_credentials

LINKED_TEXT_LIMIT = 5_000
MAX_DATE_LEVELS = 4  # enclosing elements searched for an entry's date
CAPTCHA_MARKERS = (
    "captcha",
    "are you a robot",
    "verify you are human",
    "checking your browser",
    "just a moment...",
    "access denied",
    "request unsuccessful. incapsula",
)
_BLOCKS = ("p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "div", "article", "section", "dd", "dt", "td")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATES = (
    (re.compile(rf"\b({_MONTHS}) (\d{{1,2}}), (\d{{4}})\b"), "%B %d %Y"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), "%m %d %Y"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "%Y %m %d"),
)


class PageError(ValueError):
    """The page fetched is not a usable copy of the page asked for."""


@dataclass(frozen=True)
class Page:
    entries: list[Document]
    lines: list[str]  # the region's normalised text, one line per block, sorted


def normalise(text: str) -> str:
    return " ".join(text.split())


def find_date(text: str) -> date | None:
    for pattern, fmt in _DATES:
        if found := pattern.search(text):
            try:
                return datetime.strptime(" ".join(found.groups()), fmt).date()
            except ValueError:
                continue
    return None


def _check_is_the_page(soup: BeautifulSoup, requested: str) -> None:
    text = normalise(soup.get_text(" ")).lower()
    title = normalise(soup.title.get_text()).lower() if soup.title else ""
    if any(marker in title or (marker in text and len(text) < 3000) for marker in CAPTCHA_MARKERS):
        raise PageError("the site answered with a bot check or captcha, not the page")
    canonical = soup.find("link", rel="canonical")
    if isinstance(canonical, Tag) and (href := canonical.get("href")):
        wanted, got = urlsplit(requested).path.rstrip("/"), urlsplit(urljoin(requested, str(href))).path.rstrip("/")
        if got == "" and wanted != "":
            raise PageError("soft-404: the site answered with its home page")


def _lines(region: Tag, ignore: Sequence[re.Pattern[str]]) -> list[str]:
    """One line per block (a list item, a row, a paragraph), inline elements joined within it."""
    for block in region.find_all([*_BLOCKS, "br", "ul", "ol", "table"]):
        block.insert(0, "\n")
        block.append("\n")
    lines = []
    for raw in region.get_text("").split("\n"):
        line = normalise(raw)
        for pattern in ignore:
            line = normalise(pattern.sub("", line))
        if line:
            lines.append(line)
    return sorted(set(lines))


def _context(link: Tag) -> str:
    """The text of the smallest block around a link: a list item, a table row, a card."""
    parent = link.parent
    while isinstance(parent, Tag) and parent.name not in _BLOCKS:
        parent = parent.parent
    return normalise(parent.get_text(" ")) if isinstance(parent, Tag) else normalise(link.get_text(" "))


def _time_element_date(block: Tag) -> date | None:
    for element in block.find_all("time"):
        stamp = str(element.get("datetime") or element.get_text(" "))
        try:
            return date.fromisoformat(stamp.strip()[:10])
        except ValueError:
            if (found := find_date(stamp)) is not None:
                return found
    return None


def entry_date(link: Tag) -> date | None:
    """The date the page shows for an entry: a <time> element or a date written near its link. Looks outward
    from the link through its enclosing elements, and stops at one that holds another entry's link, so an
    entry never takes its neighbour's date."""
    block: Tag | None = link
    for _ in range(MAX_DATE_LEVELS):
        if block is None or (block is not link and len(block.select("a[href]")) > 1):
            return None
        found = _time_element_date(block) or find_date(normalise(block.get_text(" ")))
        if found is not None:
            return found
        block = block.parent if isinstance(block.parent, Tag) else None
    return None


def _same_site(a: str, b: str) -> bool:
    return a.removeprefix("www.") == b.removeprefix("www.")


def parse_page(body: bytes, url: str, selector: str, ignore: Sequence[re.Pattern[str]], source: str, name: str) -> Page:
    url = without_credentials(url)  # entries are named and linked by it: never with a user and password
    soup = BeautifulSoup(body, "html.parser")
    _check_is_the_page(soup, url)
    region = soup.select_one(selector)
    if region is None:
        raise PageError(f"selector {selector!r} matches nothing on the page")
    for tag in region.select("script, style, noscript, template"):
        tag.decompose()
    lines = _lines(region, ignore)
    if not lines:
        raise PageError(f"the region {selector!r} is empty")
    entries: dict[str, Document] = {}
    host = urlsplit(url).netloc
    for link in region.select("a[href]"):
        href = str(link.get("href", "")).strip()
        absolute = urljoin(url, href).split("#", 1)[0]
        text = normalise(link.get_text(" "))
        parts = urlsplit(absolute)
        if not text or parts.scheme not in ("http", "https") or absolute in entries or absolute == url:
            continue
        context = _context(link)
        entries[absolute] = Document(
            source=source,
            number=absolute,
            title=text[:500],
            type=ItemKind.PAGE_ENTRY,
            abstract=context[:2000] if context != text else "",
            agencies=(),
            publication_date=entry_date(link),
            html_url=absolute if _same_site(parts.netloc, host) and parts.scheme == "https" else "",
        )
    region_doc = Document(
        source=source,
        number=PAGE_REGION_NUMBER,
        title=name,
        type=ItemKind.PAGE_REGION,
        text="\n".join(lines),
        html_url=url if url.startswith("https://") else "",
    )
    return Page([*entries.values(), region_doc], lines)


class PageSource:
    def __init__(
        self,
        name: str,
        url: str,
        selector: str,
        ignore: Sequence[str],
        interval: float,
        follow_links: bool,
        http: HttpClient,
    ) -> None:
        self.name = Sources.page(name)
        self.title = name
        self.url = url
        self.selector = selector
        self.ignore = [re.compile(p, re.IGNORECASE) for p in ignore]
        self.interval = interval
        self.follow_links = follow_links
        self.http = http

    def next_interval(self, now: datetime) -> float:
        return self.interval

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        response = await self.http.fetch(self.name, self.url, headers={"Accept": "text/html"})
        if response.status != 200:
            raise SourceError(f"{self.name}: unexpected status {response.status}", f"http_{response.status}")
        if urlsplit(response.url).path.rstrip("/") == "" and urlsplit(self.url).path.rstrip("/") != "":
            raise SourceError(f"{self.name}: soft-404: redirected to the home page", "soft_404")
        try:
            page = parse_page(response.body, self.url, self.selector, self.ignore, self.name, self.title)
        except PageError as exc:
            raise SourceError(f"{self.name}: {exc}", "not_the_page") from None
        return page.entries

    async def fetch_linked_text(self, entry: Document) -> str | None:
        """The text of the page an entry links to (same site only), for matching; None when there is none to read
        (an off-site link). SourceError when the download fails."""
        if not self.follow_links or host_of(entry.entry_url) != host_of(self.url):
            return None
        # Asked with the page's own user and password, if it has them (the entry is named without).
        linked = with_credentials_of(self.url, entry.entry_url)
        response = await self.http.get(self.name, linked, headers={"Accept": "text/html"})
        if response.status != 200:
            raise SourceError(
                f"{self.name}: linked page: unexpected status {response.status}", f"http_{response.status}"
            )
        soup = BeautifulSoup(response.body, "html.parser")
        main = soup.select_one("main") or soup.select_one("article") or soup.body or soup
        for tag in main.select("script, style, nav, header, footer"):
            tag.decompose()
        return normalise(main.get_text(" "))[:LINKED_TEXT_LIMIT]
