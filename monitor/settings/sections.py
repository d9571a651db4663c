"""The config tables for running the service: [web], [retention], [http], [delivery]. Each source's own table
lives beside it, in monitor/sources/<kind>/settings.py."""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.settings.types import Duration, Interval, Section, read_secret


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
