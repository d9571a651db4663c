"""Its table in the settings: [federal_register]."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator

from monitor.core.schedule import Hours, parse_hours
from monitor.settings.types import Interval, Section, TypeCode, WebUrl


class FederalRegisterSettings(Section):
    enabled: bool = True
    base_url: WebUrl = "https://www.federalregister.gov/api/v1/"
    interval: Interval = 900.0
    lookback_days: int = Field(3, ge=1, le=365, description="publication dates asked for on every poll")
    max_catch_up_days: int = Field(
        90, ge=1, le=3650, description="after downtime, how far back a poll may reach; older dates need backfill"
    )
    per_page: int = Field(1000, ge=2, le=2000)
    agencies: list[str] = Field(default_factory=list, description="server-side agency slug pre-filter")
    types: list[TypeCode] = Field(default_factory=list, description="server-side document type pre-filter")
    full_text_max_chars: int = Field(2_000_000, ge=1000, description="full text beyond this is not searched")
    issue_window: str = Field(
        "05:45-09:00", description="US Eastern, business days: until today's issue is read, check every issue_interval"
    )
    issue_interval: Interval = Field(120.0, description="checks in the issue window (a small query until it is out)")
    requests_per_second: float = Field(5.0, gt=0, le=1000, description="the API asks for at most 5")
    full_text_requests_per_second: float = Field(1.0, gt=0, le=1000, description="full-text downloads; at most 1")

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"  # (WebUrl checked the rest)

    @field_validator("issue_window")
    @classmethod
    def _check_window(cls, value: str) -> str:
        parse_hours(value)
        return value

    @property
    def issue_hours(self) -> Hours:
        return parse_hours(self.issue_window)

    @field_validator("requests_per_second", "full_text_requests_per_second")
    @classmethod
    def _polite(cls, value: float, info: ValidationInfo) -> float:
        # The Federal Register's maintainers ask for at most 5 API requests and 1 full-text download a second;
        # higher rates are for a local mirror or a test server only.
        limit = 5 if info.field_name == "requests_per_second" else 1
        host = urlsplit(str(info.data.get("base_url", ""))).hostname
        if value > limit and host in ("www.federalregister.gov", "federalregister.gov"):
            raise ValueError(f"{info.field_name} above {limit} is refused for federalregister.gov (its limit)")
        return value
