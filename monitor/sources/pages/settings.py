"""Their tables in the settings: [[pages]], and the pages watched when none are configured."""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from monitor.settings.types import NAME_PATTERN, Interval, Section, WebUrl


class PageSettings(Section):
    """A web page with no feed, watched through one region of it (a CSS selector)."""

    name: str = Field(pattern=NAME_PATTERN)
    url: WebUrl
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


def default_pages() -> list[PageSettings]:
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
