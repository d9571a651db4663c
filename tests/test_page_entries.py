"""A page entry's alert names the page, the date the page shows for the entry and, over https on the watched
site, its link."""

from __future__ import annotations

import pytest

from monitor.models import Alert, Match
from monitor.notify.render import render_alert
from monitor.sources.pages.source import parse_page

URL = "https://www.bis.gov/news-updates/all-press-releases"

CARDS = """<html><body><main><h1>All Press Releases</h1>
<div class="views-row"><time datetime="2025-05-13T12:00:00Z">May 13, 2025</time>
  <h3><a href="/press-release/rescission">Department of Commerce Announces Rescission of the AI Diffusion Rule</a>
  </h3></div>
<div class="views-row"><div class="date">05/12/2025</div>
  <h3><a href="https://bis.gov/press-release/entity-list">Commerce Adds Entities to the Entity List</a></h3></div>
<div class="views-row"><h3><a href="/press-release/undated">Under Secretary Remarks</a></h3></div>
<ul><li><a href="http://www.bis.gov/plain">A link over plain http</a> April 2, 2025</li>
<li><a href="https://example.com/elsewhere">Another site</a></li></ul>
</main></body></html>"""


def entries() -> dict[str, object]:
    page = parse_page(CARDS.encode(), URL, "main", [], "page:bis-press", "bis-press")
    return {d.title: d for d in page.entries if not d.number.startswith("#")}


@pytest.mark.parametrize(
    ("title", "date", "link"),
    [
        (
            "Department of Commerce Announces Rescission of the AI Diffusion Rule",
            "2025-05-13",
            "https://www.bis.gov/press-release/rescission",
        ),
        ("Commerce Adds Entities to the Entity List", "2025-05-12", "https://bis.gov/press-release/entity-list"),
        ("Under Secretary Remarks", None, "https://www.bis.gov/press-release/undated"),
        ("A link over plain http", "2025-04-02", ""),
        ("Another site", None, ""),
    ],
    ids=["time element", "date beside the link", "no date, not a neighbour's", "http: no link", "another site"],
)
def test_entry_date_and_link(title: str, date: str | None, link: str) -> None:
    entry = entries()[title]
    assert (str(entry.publication_date) if entry.publication_date else None) == date  # type: ignore[attr-defined]
    assert entry.html_url == link  # type: ignore[attr-defined]


def test_the_alert_names_the_page_the_date_and_the_link() -> None:
    entry = entries()["Department of Commerce Announces Rescission of the AI Diffusion Rule"]
    alert = Alert(key="k", event="published", watchlist="ai", document=entry, match=Match("ai", ()))  # type: ignore[arg-type]
    for channel in ("text", "slack"):
        body = render_alert(alert, channel, 1).body  # type: ignore[arg-type]
        assert "New entry on the page bis-press" in body
        assert "Dated: 2025-05-13" in body
        assert "Document: https://www.bis.gov/press-release/rescission" in body
        assert "Page entry" not in body
