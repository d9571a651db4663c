"""Regulations.gov as a kind of source (off unless turned on; needs an api.data.gov key)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.models import Sources
from monitor.sources.kind import Described, Sections, SourceKind, every
from monitor.sources.known import StoredSnapshots
from monitor.sources.regulations_gov.settings import RegulationsGovSettings

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source


def _build(settings: Sections, http: HttpClient, known: StoredSnapshots) -> list[Source]:
    from monitor.sources.regulations_gov.source import RegulationsGovSource

    rg = settings.section(REGULATIONS_GOV)
    return [
        RegulationsGovSource(
            rg.base_url, rg.resolve_api_key(), rg.agency, rg.lookback_days, rg.max_catch_up_days, rg.interval, http
        )
    ]


def _describe(settings: Sections, now: datetime) -> list[Described]:
    rg = settings.section(REGULATIONS_GOV)
    what = f"{rg.agency} documents and comment periods"
    return [Described(Sources.REGULATIONS_GOV, rg.interval, what, rg.base_url, every(rg.interval))]


def _unreadable_key(rg: RegulationsGovSettings) -> list[str]:
    if not rg.enabled:
        return []
    try:
        rg.resolve_api_key()
    except ValueError as exc:
        return [str(exc)]
    return []


REGULATIONS_GOV: SourceKind[RegulationsGovSettings] = SourceKind(
    name=Sources.REGULATIONS_GOV,
    section="regulations_gov",
    table=RegulationsGovSettings,
    default=RegulationsGovSettings,
    enabled=lambda table: table.enabled,
    build=_build,
    describe=_describe,
    unreadable_secrets=_unreadable_key,
)
