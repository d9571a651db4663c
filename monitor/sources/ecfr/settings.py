"""Its table in the settings: [ecfr]."""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from monitor.settings.types import Interval, Section, WebUrl

EAR_AI_PARTS = ["15:734", "15:740", "15:742", "15:744", "15:748", "15:772", "15:774"]


class EcfrSettings(Section):
    """The text of the regulations (eCFR): which parts to watch, section by section."""

    enabled: bool = True
    base_url: WebUrl = "https://www.ecfr.gov/api/versioner/v1/"
    parts: list[str] = Field(default_factory=lambda: list(EAR_AI_PARTS))
    interval: Interval = 21600.0

    @model_validator(mode="after")
    def _check_parts(self) -> EcfrSettings:
        for part in self.parts:
            if not re.fullmatch(r"\d+:\d+[A-Za-z]?", part):
                raise ValueError(f"part {part!r} is not TITLE:PART, like '15:744'")
        return self
