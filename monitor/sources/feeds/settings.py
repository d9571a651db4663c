"""Their tables in the settings: [[feeds]]."""

from __future__ import annotations

from pydantic import Field

from monitor.settings.types import NAME_PATTERN, Interval, Section


class FeedSettings(Section):
    name: str = Field(pattern=NAME_PATTERN)
    url: str = Field(pattern=r"^https?://")
    interval: Interval = 900.0
