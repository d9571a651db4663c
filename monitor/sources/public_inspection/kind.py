"""Public inspection as a kind of source. It asks the documents API's host, so it reads [federal_register]
base_url."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.core.schedule import public_inspection_check
from monitor.models import Sources
from monitor.settings.types import human_duration
from monitor.sources.federal_register.kind import FEDERAL_REGISTER
from monitor.sources.kind import Described, Sections, SourceKind
from monitor.sources.known import StoredSnapshots
from monitor.sources.public_inspection.settings import PublicInspectionSettings

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source


def _build(settings: Sections, http: HttpClient, known: StoredSnapshots) -> list[Source]:
    from monitor.sources.public_inspection.source import PublicInspectionSource

    return [PublicInspectionSource(settings.section(FEDERAL_REGISTER), settings.section(PUBLIC_INSPECTION), http)]


def _describe(settings: Sections, now: datetime) -> list[Described]:
    pi = settings.section(PUBLIC_INSPECTION)
    what = f"documents filed for public inspection, checked conditionally in filing hours ({pi.filing_hours} "
    what += f"ET, business days; every {human_duration(pi.quiet_interval)} at night, weekends and holidays)"
    check = public_inspection_check(now, pi.interval, pi.quiet_interval, pi.hours)
    base_url = settings.section(FEDERAL_REGISTER).base_url
    return [Described(Sources.PUBLIC_INSPECTION, pi.interval, what, base_url, check)]


PUBLIC_INSPECTION: SourceKind[PublicInspectionSettings] = SourceKind(
    name=Sources.PUBLIC_INSPECTION,
    section="public_inspection",
    table=PublicInspectionSettings,
    default=PublicInspectionSettings,
    enabled=lambda table: table.enabled,
    build=_build,
    describe=_describe,
)
