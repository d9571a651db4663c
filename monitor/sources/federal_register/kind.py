"""The Federal Register documents API as a kind of source."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.core.schedule import documents_check
from monitor.models import Sources
from monitor.settings.types import human_duration
from monitor.sources.federal_register.settings import FederalRegisterSettings
from monitor.sources.kind import Described, Sections, SourceKind
from monitor.sources.known import StoredSnapshots

if TYPE_CHECKING:
    from monitor.sources.http import HttpClient
    from monitor.sources.protocols import Source


def _build(settings: Sections, http: HttpClient, known: StoredSnapshots) -> list[Source]:
    from monitor.sources.federal_register.source import FederalRegisterSource

    return [FederalRegisterSource(settings.section(FEDERAL_REGISTER), http)]


def _describe(settings: Sections, now: datetime) -> list[Described]:
    fr = settings.section(FEDERAL_REGISTER)
    what = f"documents published in the last {fr.lookback_days} days (after downtime, up to "
    what += f"{fr.max_catch_up_days} days back); in the issue window ({fr.issue_window} ET, business days) "
    what += f"a check every {human_duration(fr.issue_interval)} until the day's issue is out"
    check = documents_check(now, fr.interval, fr.issue_interval, fr.issue_hours, False)
    return [Described(Sources.FEDERAL_REGISTER, fr.interval, what, fr.base_url, check)]


FEDERAL_REGISTER: SourceKind[FederalRegisterSettings] = SourceKind(
    name=Sources.FEDERAL_REGISTER,
    section="federal_register",
    table=FederalRegisterSettings,
    default=FederalRegisterSettings,
    enabled=lambda table: table.enabled,
    build=_build,
    describe=_describe,
)
