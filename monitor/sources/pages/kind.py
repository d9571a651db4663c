"""Web pages as a kind of source: one source per configured page, named "page:NAME"."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.models import Sources
from monitor.sources.kind import Described, Sections, SourceKind, every
from monitor.sources.known import StoredSnapshots
from monitor.sources.pages.settings import PageSettings, default_pages

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source


def _build(settings: Sections, http: HttpClient, known: StoredSnapshots) -> list[Source]:
    from monitor.sources.pages.source import PageSource

    return [
        PageSource(p.name, p.url, p.selector, p.ignore, p.interval, p.follow_links, http)
        for p in settings.section(PAGES)
    ]


def _describe(settings: Sections, now: datetime) -> list[Described]:
    described = []
    for page in settings.section(PAGES):
        what = f"the region {page.selector!r} of a web page"
        what += ", and the pages its new entries link to" if page.follow_links else ""
        described.append(Described(Sources.page(page.name), page.interval, what, page.url, every(page.interval)))
    return described


PAGES: SourceKind[list[PageSettings]] = SourceKind(
    name=Sources.PAGE_PREFIX,
    section="pages",
    table=list[PageSettings],
    default=default_pages,
    enabled=bool,
    build=_build,
    describe=_describe,
    entries=lambda pages: [page.name for page in pages],
)
