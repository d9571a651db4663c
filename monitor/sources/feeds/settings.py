"""Their tables in the settings: [[feeds]]."""

from __future__ import annotations

from pydantic import Field

from monitor.settings.types import NAME_PATTERN, Interval, Section, WebUrl


class FeedSettings(Section):
    name: str = Field(pattern=NAME_PATTERN)
    url: WebUrl
    interval: Interval = 900.0
