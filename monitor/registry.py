"""The kinds of source, listed once. Each kind is defined in its own folder (monitor/sources/<kind>/: its
table in the settings, its source, and kind.py: its name, on/off, how it is built and described); adding a kind
of source is that folder and one entry in KINDS below, and its keys documented for users (a row of README's
configuration table and its table in config/monitor.example.toml; tests hold both). The settings model takes each
kind's table from here (monitor.settings.model), so nothing else lists the sources (the architecture test holds
that).

The order of KINDS is the order sources are polled by `run --once` and listed by `check-config`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.sources.ecfr.kind import ECFR
from monitor.sources.federal_register.kind import FEDERAL_REGISTER
from monitor.sources.feeds.kind import FEEDS
from monitor.sources.kind import Described, Sections, SourceKind
from monitor.sources.known import StoredSnapshots
from monitor.sources.pages.kind import PAGES
from monitor.sources.public_inspection.kind import PUBLIC_INSPECTION
from monitor.sources.regulations_gov.kind import REGULATIONS_GOV

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source

__all__ = ["KINDS", "Described", "build_sources", "describe_sources"]

KINDS: tuple[SourceKind[Any], ...] = (FEDERAL_REGISTER, PUBLIC_INSPECTION, PAGES, FEEDS, ECFR, REGULATIONS_GOV)


def build_sources(settings: Sections, http: HttpClient, known: StoredSnapshots) -> list[Source]:
    """The enabled sources, ready to poll."""
    return [
        source for kind in KINDS if kind.enabled(settings.section(kind)) for source in kind.build(settings, http, known)
    ]


def describe_sources(settings: Sections, now: datetime) -> tuple[list[Described], list[str]]:
    """The enabled sources, each described with its next check were the service started `now`, and the
    sections of those turned off."""
    described = [d for kind in KINDS if kind.enabled(settings.section(kind)) for d in kind.describe(settings, now)]
    off = [kind.section for kind in KINDS if kind.listed_when_off and not kind.enabled(settings.section(kind))]
    return described, off
