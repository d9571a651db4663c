"""The kinds of source, each defined once: its name, its settings section, whether it is on, how it is built
and how `check-config` describes it. Adding a kind of source is a module in monitor/sources/, its section in
monitor/settings/sections.py, its name in monitor.models.Sources, and one entry in KINDS below; nothing else
lists the sources (the architecture test holds that).

The order of KINDS is the order sources are polled by `run --once` and listed by `check-config`.

The parsers of pages and feeds (an HTML parser, feedparser) and the eCFR and Regulations.gov clients are
imported only when configured: a service that does not use them does not carry them in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from monitor.core.schedule import Check, documents_check, public_inspection_check
from monitor.models import Sources
from monitor.settings import Settings
from monitor.settings.types import human_duration
from monitor.sources.federal_register import FederalRegisterSource
from monitor.sources.http import HttpClient
from monitor.sources.protocols import Source
from monitor.sources.public_inspection import PublicInspectionSource
from monitor.store.store import Store


@dataclass(frozen=True, slots=True)
class Described:
    """One source as `check-config` and `status` list it."""

    name: str
    interval: float  # seconds
    what: str
    url: str
    next: Check  # its next check, were the service started at the time asked about


@dataclass(frozen=True, slots=True)
class SourceKind:
    name: str  # the source's name, or the prefix of the names of its sources (one per configured page or feed)
    section: str  # its table in the settings
    enabled: Callable[[Settings], bool]
    build: Callable[[Settings, HttpClient, Store], list[Source]]
    describe: Callable[[Settings, datetime], list[Described]]
    listed_when_off: bool = True  # `check-config` names it under "turned off" when it is


def _every(interval: float) -> Check:
    return Check(interval, "interval")


def _federal_register(settings: Settings, http: HttpClient, store: Store) -> list[Source]:
    return [FederalRegisterSource(settings.federal_register, http)]


def _describe_federal_register(settings: Settings, now: datetime) -> list[Described]:
    fr = settings.federal_register
    what = f"documents published in the last {fr.lookback_days} days (after downtime, up to "
    what += f"{fr.max_catch_up_days} days back); in the issue window ({fr.issue_window} ET, business days) "
    what += f"a check every {human_duration(fr.issue_interval)} until the day's issue is out"
    check = documents_check(now, fr.interval, fr.issue_interval, fr.issue_hours, False)
    return [Described(Sources.FEDERAL_REGISTER, fr.interval, what, fr.base_url, check)]


def _public_inspection(settings: Settings, http: HttpClient, store: Store) -> list[Source]:
    return [PublicInspectionSource(settings.federal_register, settings.public_inspection, http)]


def _describe_public_inspection(settings: Settings, now: datetime) -> list[Described]:
    pi = settings.public_inspection
    what = f"documents filed for public inspection, checked conditionally in filing hours ({pi.filing_hours} "
    what += f"ET, business days; every {human_duration(pi.quiet_interval)} at night, weekends and holidays)"
    check = public_inspection_check(now, pi.interval, pi.quiet_interval, pi.hours)
    return [Described(Sources.PUBLIC_INSPECTION, pi.interval, what, settings.federal_register.base_url, check)]


def _pages(settings: Settings, http: HttpClient, store: Store) -> list[Source]:
    from monitor.sources.pages import PageSource

    return [PageSource(p.name, p.url, p.selector, p.ignore, p.interval, p.follow_links, http) for p in settings.pages]


def _describe_pages(settings: Settings, now: datetime) -> list[Described]:
    described = []
    for page in settings.pages:
        what = f"the region {page.selector!r} of a web page"
        what += ", and the pages its new entries link to" if page.follow_links else ""
        described.append(Described(Sources.page(page.name), page.interval, what, page.url, _every(page.interval)))
    return described


def _feeds(settings: Settings, http: HttpClient, store: Store) -> list[Source]:
    from monitor.sources.feeds import FeedSource

    # A Federal Register document first seen in a feed is completed from the documents API before it alerts.
    api = FederalRegisterSource(settings.federal_register, http)
    return [FeedSource(f.name, f.url, f.interval, http, api.fetch_one) for f in settings.feeds]


def _describe_feeds(settings: Settings, now: datetime) -> list[Described]:
    return [
        Described(Sources.feed(f.name), f.interval, "an RSS or Atom feed", f.url, _every(f.interval))
        for f in settings.feeds
    ]


def _ecfr(settings: Settings, http: HttpClient, store: Store) -> list[Source]:
    from monitor.sources.ecfr import EcfrSource

    return [EcfrSource(settings.ecfr.base_url, settings.ecfr.parts, settings.ecfr.interval, http, store.snapshots)]


def _describe_ecfr(settings: Settings, now: datetime) -> list[Described]:
    ecfr = settings.ecfr
    parts = ", ".join(f"{p.split(':')[0]} CFR {p.split(':')[1]}" for p in ecfr.parts)
    what = f"the regulation text of {parts}"
    return [Described(Sources.ECFR, ecfr.interval, what, ecfr.base_url, _every(ecfr.interval))]


def _regulations_gov(settings: Settings, http: HttpClient, store: Store) -> list[Source]:
    from monitor.sources.regulations_gov import RegulationsGovSource

    rg = settings.regulations_gov
    return [
        RegulationsGovSource(
            rg.base_url, rg.resolve_api_key(), rg.agency, rg.lookback_days, rg.max_catch_up_days, rg.interval, http
        )
    ]


def _describe_regulations_gov(settings: Settings, now: datetime) -> list[Described]:
    rg = settings.regulations_gov
    what = f"{rg.agency} documents and comment periods"
    return [Described(Sources.REGULATIONS_GOV, rg.interval, what, rg.base_url, _every(rg.interval))]


KINDS: tuple[SourceKind, ...] = (
    SourceKind(
        Sources.FEDERAL_REGISTER,
        "federal_register",
        lambda s: s.federal_register.enabled,
        _federal_register,
        _describe_federal_register,
    ),
    SourceKind(
        Sources.PUBLIC_INSPECTION,
        "public_inspection",
        lambda s: s.public_inspection.enabled,
        _public_inspection,
        _describe_public_inspection,
    ),
    SourceKind(Sources.PAGE_PREFIX, "pages", lambda s: bool(s.pages), _pages, _describe_pages),
    SourceKind(Sources.FEED_PREFIX, "feeds", lambda s: bool(s.feeds), _feeds, _describe_feeds, listed_when_off=False),
    SourceKind(Sources.ECFR, "ecfr", lambda s: s.ecfr.enabled, _ecfr, _describe_ecfr),
    SourceKind(
        Sources.REGULATIONS_GOV,
        "regulations_gov",
        lambda s: s.regulations_gov.enabled,
        _regulations_gov,
        _describe_regulations_gov,
    ),
)


def build_sources(settings: Settings, http: HttpClient, store: Store) -> list[Source]:
    """The enabled sources, ready to poll."""
    return [source for kind in KINDS if kind.enabled(settings) for source in kind.build(settings, http, store)]


def describe_sources(settings: Settings, now: datetime) -> tuple[list[Described], list[str]]:
    """The enabled sources, each described with its next check were the service started `now`, and the
    sections of those turned off."""
    described = [d for kind in KINDS if kind.enabled(settings) for d in kind.describe(settings, now)]
    off = [kind.section for kind in KINDS if kind.listed_when_off and not kind.enabled(settings)]
    return described, off
