"""Its table in the settings: [public_inspection]."""

from __future__ import annotations

from pydantic import Field, field_validator

from monitor.core.schedule import Hours, parse_hours
from monitor.settings.types import Interval, Section


class PublicInspectionSettings(Section):
    """Documents filed for public inspection: the earliest signal. Uses [federal_register] base_url."""

    enabled: bool = True
    interval: Interval = Field(60.0, description="checks in filing hours (conditional: an unchanged list costs a 304)")
    quiet_interval: Interval = Field(3600.0, description="nights, weekends and federal holidays (US Eastern)")
    filing_hours: str = Field("08:00-18:30", description="US Eastern, business days: checked every interval")

    @field_validator("filing_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @property
    def hours(self) -> Hours:
        return parse_hours(self.filing_hours)
