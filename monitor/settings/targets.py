"""The [targets.NAME] tables: where alerts go. The URL itself is a secret, read from the file, a variable or
a file of its own; it is checked for use by monitor.notify.targets, where Apprise lives."""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    Field,
    SecretStr,
    model_validator,
)

from monitor.core.routing import parse_digest
from monitor.settings.types import EventName, Section, read_secret


class TargetSettings(Section):
    """Where alerts go: any Apprise URL, given directly, through an environment variable or a file."""

    url: SecretStr | None = None
    url_env: str | None = None
    url_file: Path | None = None
    events: list[EventName] = Field(default_factory=list, description="only these events; all when empty")
    digest: str | None = Field(None, description="'hourly' or 'daily HH:MM' (US Eastern); immediate when unset")

    @model_validator(mode="after")
    def _check_digest(self) -> TargetSettings:
        if self.digest is not None:
            parse_digest(self.digest)
        return self

    @model_validator(mode="after")
    def _one_source(self) -> TargetSettings:
        given = [k for k in ("url", "url_env", "url_file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("set exactly one of url, url_env or url_file")
        return self

    def resolve_url(self) -> str:
        """The secret URL itself. Error messages name where it should be, never what it is."""
        if self.url is not None:
            return self.url.get_secret_value().strip()
        return read_secret(self.url_env, self.url_file, "url_file")


def _default_targets() -> dict[str, TargetSettings]:
    return {"console": TargetSettings(url=SecretStr("console://"))}
