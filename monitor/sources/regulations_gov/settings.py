"""Its table in the settings: [regulations_gov]."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from monitor.settings.types import Interval, Section, WebUrl


class RegulationsGovSettings(Section):
    """Regulations.gov (optional): an agency's documents and comment periods. Needs an api.data.gov key."""

    enabled: bool = False
    base_url: WebUrl = "https://api.regulations.gov/v4/"
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
