"""The config tables for sources and for running the service: [federal_register], [public_inspection],
[[pages]], [[feeds]], [ecfr], [regulations_gov], [web], [retention], [http], [delivery]."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.core.schedule import Hours, parse_hours
from monitor.settings.types import Duration, Interval, Section, TypeCode, read_secret


class FederalRegisterSettings(Section):
    enabled: bool = True
    base_url: str = "https://www.federalregister.gov/api/v1/"
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
        if not re.match(r"https?://", value):
            raise ValueError("base_url must start with http:// or https://")
        return value if value.endswith("/") else value + "/"

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


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class PageSettings(Section):
    """A web page with no feed, watched through one region of it (a CSS selector)."""

    name: str = Field(pattern=NAME_PATTERN)
    url: str = Field(pattern=r"^https?://")
    selector: str = "main"
    ignore: list[str] = Field(default_factory=list, description="regexes removed from the text before comparing")
    interval: Interval = 3600.0
    follow_links: bool = Field(False, description="match new entries on the linked page's text too")

    @model_validator(mode="after")
    def _check_ignore(self) -> PageSettings:
        for pattern in self.ignore:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"page {self.name!r}: invalid ignore pattern {pattern!r}: {exc}") from None
        return self


class FeedSettings(Section):
    name: str = Field(pattern=NAME_PATTERN)
    url: str = Field(pattern=r"^https?://")
    interval: Interval = 900.0


EAR_AI_PARTS = ["15:734", "15:740", "15:742", "15:744", "15:748", "15:772", "15:774"]


def _default_pages() -> list[PageSettings]:
    """BIS has no feed: its press releases (where the AI Diffusion rescission was announced, and nowhere in
    the Federal Register) and its Federal Register notices page are read as pages."""
    return [
        PageSettings(
            name="bis-press-releases",
            url="https://www.bis.gov/news-updates/all-press-releases",
            selector="main",
            ignore=["Last updated:? .*"],
            follow_links=True,
        ),
        PageSettings(
            name="bis-federal-register-notices",
            url="https://www.bis.gov/news-updates/federal-register-notices",
            selector="main",
            ignore=["Last updated:? .*"],
        ),
    ]


class EcfrSettings(Section):
    """The text of the regulations (eCFR): which parts to watch, section by section."""

    enabled: bool = True
    base_url: str = Field("https://www.ecfr.gov/api/versioner/v1/", pattern=r"^https?://")
    parts: list[str] = Field(default_factory=lambda: list(EAR_AI_PARTS))
    interval: Interval = 21600.0

    @model_validator(mode="after")
    def _check_parts(self) -> EcfrSettings:
        for part in self.parts:
            if not re.fullmatch(r"\d+:\d+[A-Za-z]?", part):
                raise ValueError(f"part {part!r} is not TITLE:PART, like '15:744'")
        return self


class RegulationsGovSettings(Section):
    """Regulations.gov (optional): an agency's documents and comment periods. Needs an api.data.gov key."""

    enabled: bool = False
    base_url: str = Field("https://api.regulations.gov/v4/", pattern=r"^https?://")
    api_key_env: str | None = "REGULATIONS_GOV_API_KEY"
    api_key_file: Path | None = None
    agency: str = "BIS"
    lookback_days: int = Field(3, ge=1, le=30)
    max_catch_up_days: int = Field(
        30, ge=1, le=365, description="after downtime, how far back a poll may reach for changes it missed"
    )
    interval: Interval = 3600.0

    def resolve_api_key(self) -> str:
        """The key itself (secret). Errors say where it should be, never what it is."""
        if self.api_key_file is not None:
            try:
                key = self.api_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"cannot read api_key_file {self.api_key_file}: {exc.strerror}") from None
            if key:
                return key
            raise ValueError(f"api_key_file {self.api_key_file} is empty")
        key = os.environ.get(self.api_key_env or "", "").strip()
        if not key:
            raise ValueError(f"set the API key in the environment variable {self.api_key_env} or in api_key_file")
        return key


class WebSettings(Section):
    """The web server: /healthz, /readyz, /metrics and the console, with optional HTTP Basic auth on everything
    but /healthz and /readyz."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    username: str | None = Field(None, min_length=1, description="turns on HTTP Basic auth")
    password_env: str | None = None
    password_file: Path | None = None

    @model_validator(mode="after")
    def _check_auth(self) -> WebSettings:
        given = [k for k in ("password_env", "password_file") if getattr(self, k) is not None]
        if self.username is not None and len(given) != 1:
            raise ValueError("with username, set exactly one of password_env or password_file")
        if self.username is None and given:
            raise ValueError("password_env and password_file go with username")
        return self

    def resolve_password(self) -> str:
        """The password itself (secret). Errors say where it should be, never what it is."""
        return read_secret(self.password_env, self.password_file, "password_file")


class RetentionSettings(Section):
    """How long to keep what is no longer needed; the database stays bounded."""

    snapshots: Duration = Field(180 * 86400.0, ge=40 * 86400.0, description="unchanged, unmatched documents")
    deliveries: Duration = Field(90 * 86400.0, ge=86400.0, description="sent deliveries")
    full_texts: Duration = Field(30 * 86400.0, ge=86400.0, description="cached full texts")


class HttpSettings(Section):
    contact: str = Field("", description="an e-mail or URL upstream operators can reach you at")
    timeout: Interval = 30.0
    max_response_bytes: int = Field(50 * 1024 * 1024, ge=1024)


class DeliverySettings(Section):
    max_attempts: int = Field(8, ge=1, le=100)
    backoff_base: Duration = 30.0
    backoff_max: Duration = 3600.0
    timeout: Interval = 30.0
    concurrency: int = Field(4, ge=1, le=64)

    @field_validator("backoff_max")
    @classmethod
    def _check_backoff(cls, value: float, info: ValidationInfo) -> float:
        # A field validator, not a model one: it is reported even when another delivery key is wrong too.
        base = info.data.get("backoff_base")
        if base is not None and value < base:
            raise ValueError(
                f"backoff_max ({value:g}s) is below backoff_base ({base:g}s): retries could never back off as far "
                "as they start"
            )
        return value
