"""RSS and Atom feeds as a kind of source: one source per configured feed, named "feed:NAME". A Federal
Register document first seen in a feed is completed from the documents API before it alerts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.models import Sources
from monitor.sources.federal_register.kind import FEDERAL_REGISTER
from monitor.sources.feeds.settings import FeedSettings
from monitor.sources.kind import Described, Sections, SourceKind, every
from monitor.sources.known import StoredSnapshots

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source


def _build(settings: Sections, http: HttpClient, known: StoredSnapshots) -> list[Source]:
    from monitor.sources.federal_register.source import FederalRegisterSource
    from monitor.sources.feeds.source import FeedSource

    api = FederalRegisterSource(settings.section(FEDERAL_REGISTER), http)
    return [FeedSource(f.name, f.url, f.interval, http, api.fetch_one) for f in settings.section(FEEDS)]


def _describe(settings: Sections, now: datetime) -> list[Described]:
    return [
        Described(Sources.feed(f.name), f.interval, "an RSS or Atom feed", f.url, every(f.interval))
        for f in settings.section(FEEDS)
    ]


FEEDS: SourceKind[list[FeedSettings]] = SourceKind(
    name=Sources.FEED_PREFIX,
    section="feeds",
    table=list[FeedSettings],
    default=list,
    enabled=bool,
    build=_build,
    describe=_describe,
    entries=lambda feeds: [feed.name for feed in feeds],
    listed_when_off=False,  # none by default: "feeds turned off" would only puzzle
)
