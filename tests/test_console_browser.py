"""The console in a real browser: Debian's Chromium, driven by Playwright (no browser is downloaded).

Each page loads with no page error, no dialog and no request to another origin; a hostile title (script tags,
onerror, @channel) shows as text; a screenshot of each page is kept in test-artifacts/screenshots/ (CI keeps
that folder as an artifact; set FR_MONITOR_ARTIFACTS to put it elsewhere).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp.test_utils import TestServer
from playwright.async_api import Dialog, Request, async_playwright

from monitor.app import App
from monitor.settings import load_settings
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


async def test_every_page_in_chromium(fake_fr: FakeFederalRegister, receiver: Receiver, tmp_path: Path) -> None:
    config = await build_timeline(tmp_path, fake_fr, receiver)
    app = App(load_settings(config), clock=lambda: at("2025-06-03 10:00"))
    server = TestServer(build_web_app(app, app.last_beat), host="127.0.0.1")
    await server.start_server()
    origin = str(server.make_url("/")).rstrip("/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages: dict[str, str] = {}
    errors: list[str] = []
    dialogs: list[str] = []
    elsewhere: list[str] = []

    def on_request(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" != origin:
            elsewhere.append(request.url)

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
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
                }
                for name, path in pages.items():
                    response = await page.goto(origin + path)
                    assert response is not None and response.status == 200, (name, path)
                    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                    assert await page.locator("script").count() == 0, name  # nothing upstream became a script
                    assert await page.locator("img").count() == 0, name
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
    assert {p.name for p in ARTIFACTS.glob("*.png")} >= {f"{name}.png" for name in pages}
