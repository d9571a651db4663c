"""The console in a real browser: Debian's Chromium, driven by Playwright (no browser is downloaded).

Each page loads with no page error, no dialog and no request to another origin; a hostile title (script tags,
onerror, @channel) shows as text; a screenshot of each page is kept in test-artifacts/screenshots/ (CI keeps
that folder as an artifact; set FR_MONITOR_ARTIFACTS to put it elsewhere).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp.test_utils import TestServer
from playwright.async_api import ConsoleMessage, Dialog, Request, async_playwright

from monitor.app import App
from monitor.settings.loading import load_settings
from monitor.web import build_web_app
from tests.kit.console_store import HOSTILE, HOSTILE_NUMBER, at, build_timeline
from tests.kit.fakes import FakeFederalRegister, Receiver

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("FR_MONITOR_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"


def chromium() -> str:
    """Debian's Chromium (installed by .ci/run). Its absence is a failure, not a skip: the console must be
    tried in a browser."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is not installed: apt-get install chromium (.ci/run does)"
    return path


# A watchlist as an operator writes one: a long query, regexes, filters, several targets. On the Watchlists
# page its query used to take the whole width and squeeze every other column to a few letters a line.
LONG_WATCHLIST = """
[[watchlists]]
name = "semiconductor-export-controls"
query = '''"artificial intelligence" | "machine learning" | "deep learning" | "neural network*"
  | "large language model*" | "foundation model*" | "frontier model*" | "model weights" | "advanced computing"
  | supercomput*
  | ((semiconductor* | "integrated circuit*") ("export administration regulations" | "export control*")) -polysilicon'''
regex = ['\\b3A090\\b', '\\b4E091\\b']
agencies = ["industry-and-security-bureau"]
types = ["RULE", "PRORULE"]
cfr = ["15:730-774"]
notify = ["hook", "slack"]
"""

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Every word (up to 24 characters: longer tokens are URLs, hashes or queries, which may break anywhere) must
# fit on one line of its table cell: a column narrower than its longest word is a squeezed column.
SPLIT_WORDS = """
() => {
  const split = [];
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  document.body.appendChild(probe);
  for (const cell of document.querySelectorAll('main th, main td')) {
    const style = getComputedStyle(cell);
    if (style.display === 'none' || cell.offsetParent === null) continue;
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      probe.style.font = getComputedStyle(node.parentElement).font;
      for (const word of node.textContent.split(/\\s+/)) {
        if (!word || word.length > 24) continue;
        probe.textContent = word;
        const width = probe.getBoundingClientRect().width;
        if (width > room + 1) split.push(`${cell.tagName} "${word}": ${Math.round(width)}px in ${Math.round(room)}px`);
      }
    }
  }
  probe.remove();
  return split;
}
"""


async def test_every_page_in_chromium(fake_fr: FakeFederalRegister, receiver: Receiver, tmp_path: Path) -> None:
    config = await build_timeline(tmp_path, fake_fr, receiver)
    config.write_text(config.read_text() + LONG_WATCHLIST)
    app = App(load_settings(config), clock=lambda: at("2025-06-03 10:00"))
    now = app.clock()
    app.store.silences.save_silence(
        {"docket": "BIS-2025-0001", "watchlist": "semiconductor-export-controls"},
        "legal tracks this docket itself until the final rule",
        "alice",
        now,
        now + 30 * 86400,
    )
    server = TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1")
    await server.start_server()
    origin = str(server.make_url("/")).rstrip("/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages: dict[str, str] = {}
    errors: list[str] = []
    dialogs: list[str] = []
    elsewhere: list[str] = []
    squeezed: dict[str, list[str]] = {}
    overflowing: dict[str, int] = {}

    def on_request(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" != origin:
            elsewhere.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        # Chromium logs the 404 of the not-found page itself; any other error counts.
        expected = message.location.get("url", "").endswith("/documents/2099-00000") and "404" in message.text
        if message.type == "error" and not expected:
            errors.append(message.text)

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            try:
                page = await browser.new_page(viewport=DESKTOP)
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("console", on_console)
                page.on("dialog", on_dialog)
                page.on("request", on_request)

                await page.goto(f"{origin}/alerts?watchlist=ai&event=published")
                first = await page.locator("table.alerts tbody tr td a").first.get_attribute("href")
                pages |= {
                    "overview": "/",
                    "alerts": "/alerts",
                    "alert": first or "/alerts/1",
                    "document": "/documents/2025-00636",
                    "hostile-document": f"/documents/{HOSTILE_NUMBER}",
                    "watchlists": "/watchlists?query=%22advanced+computing%22&days=365",
                    "silences": "/silences",
                    "not-found": "/documents/2099-00000",
                }
                for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
                    await page.set_viewport_size(viewport)
                    for name, path in pages.items():
                        response = await page.goto(origin + path)
                        expected = 404 if name == "not-found" else 200
                        assert response is not None and response.status == expected, (name, path)
                        await page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
                        assert await page.locator("script").count() == 0, name  # nothing upstream became a script
                        assert await page.locator("img").count() == 0, name
                        # Every page, a 404 too, is inside the console's layout.
                        assert await page.locator("header nav a[href='/watchlists']").count() == 1, name
                        assert await page.locator("footer").count() == 1, name
                        squeezed[name + suffix] = await page.evaluate(SPLIT_WORDS)
                        width = await page.evaluate("document.scrollingElement.scrollWidth")
                        if width > viewport["width"]:
                            overflowing[name + suffix] = width
                    # The Watchlists page gives the other columns room beside a long query.
                    await page.goto(origin + pages["watchlists"])
                    if viewport is DESKTOP:
                        widths = await page.locator("table.watchlists thead th").evaluate_all(
                            "cells => cells.map(c => c.getBoundingClientRect().width)"
                        )
                        assert len(widths) == 5 and all(w >= 70 for w in widths), widths
                        assert widths[1] >= 0.4 * sum(widths), widths  # and the query still the widest
                    else:  # on a phone, one card per watchlist, each value under its column's name
                        cells = (
                            await page.locator("table.watchlists tbody tr")
                            .last.locator("td")
                            .evaluate_all(
                                """cells => cells.map(c => [c.dataset.label, c.innerText, c.getBoundingClientRect().top,
                                c.getBoundingClientRect().bottom, getComputedStyle(c, '::before').content])"""
                            )
                        )
                        assert [c[0] for c in cells] == [
                            "Watchlist",
                            "Query and filters",
                            "Targets",
                            "Alerts, 7 days",
                            "Alerts, 30 days",
                        ]
                        assert cells[2][1] == "hook, slack"
                        assert all(later[2] >= earlier[3] - 1 for earlier, later in itertools.pairwise(cells)), cells
                        assert all(c[4] not in ("none", "normal", "") for c in cells), cells  # the label shows
                        assert not await page.locator("table.watchlists thead").is_visible()
                    trial = await page.locator("main").inner_text()
                    assert "stored over the last 365 days" in trial
                    # The overview opens with the health line.
                    await page.goto(origin + "/")
                    first_section = page.locator("main section").first
                    assert "health" in (await first_section.get_attribute("class") or "")
                    assert (await first_section.inner_text()).startswith(("Healthy", "Not ready"))
                # The unknown document number: a 404 page in the layout, saying so.
                await page.set_viewport_size(DESKTOP)
                await page.goto(origin + pages["not-found"])
                assert await page.locator("h1").inner_text() == "Not found"
                assert "stored nothing under that number" in await page.locator("main").inner_text()
                # The hostile title is on the page as the text it is.
                await page.goto(f"{origin}/documents/{HOSTILE_NUMBER}")
                assert HOSTILE in await page.locator("main").inner_text()
                # Filtering with the form works without JavaScript's help.
                await page.goto(f"{origin}/alerts")
                await page.select_option("select[name=event]", "corrected")
                await page.click("button[type=submit]")
                assert "event=corrected" in page.url
                assert "Correction" in await page.locator("table.alerts").inner_text()
            finally:
                await browser.close()
    finally:
        await server.close()
        await app.close()
    assert errors == [] and dialogs == [] and elsewhere == []
    assert {name: words for name, words in squeezed.items() if words} == {}
    assert overflowing == {}
    assert {p.name for p in ARTIFACTS.glob("*.png")} >= {f"{name}{s}.png" for name in pages for s in ("", "-phone")}
