"""The eCFR as a kind of source. It reads what is stored of each part to tell a removed section."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.models import Sources
from monitor.sources.ecfr.settings import EcfrSettings
from monitor.sources.kind import Described, Sections, SourceKind, every
from monitor.sources.known import StoredSnapshots

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source


def _build(settings: Sections, http: HttpClient, known: StoredSnapshots) -> list[Source]:
    from monitor.sources.ecfr.source import EcfrSource

    ecfr = settings.section(ECFR)
    return [EcfrSource(ecfr.base_url, ecfr.parts, ecfr.interval, http, known)]


def _describe(settings: Sections, now: datetime) -> list[Described]:
    ecfr = settings.section(ECFR)
    parts = ", ".join(f"{p.split(':')[0]} CFR {p.split(':')[1]}" for p in ecfr.parts)
    what = f"the regulation text of {parts}"
    return [Described(Sources.ECFR, ecfr.interval, what, ecfr.base_url, every(ecfr.interval))]


ECFR: SourceKind[EcfrSettings] = SourceKind(
    name=Sources.ECFR,
    section="ecfr",
    table=EcfrSettings,
    default=EcfrSettings,
    enabled=lambda table: table.enabled,
    build=_build,
    describe=_describe,
)
