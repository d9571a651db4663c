"""The console, in process: every page on a realistic store (the AI Diffusion timeline and 300 other documents),
GET only, a strict CSP, no secret anywhere, hostile titles shown as text, the Atom feed, Basic auth, status."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monitor.app import App
from monitor.settings.loading import load_settings
from monitor.web import build_web_app
from monitor.web.guard import CSP, credentials_ok
from tests.kit.console_store import HOSTILE_NUMBER, at, build_timeline
from tests.kit.fakes import FakeFederalRegister, Receiver
from tests.kit.service import fr_monitor

ATOM = "{http://www.w3.org/2005/Atom}"
SECRETS = ("SECRETSLACKTOKEN", "B000BBBB")


@pytest.fixture
async def timeline(fake_fr: FakeFederalRegister, receiver: Receiver, tmp_path: Path) -> Path:
    return await build_timeline(tmp_path, fake_fr, receiver)


async def open_console(config: Path) -> tuple[App, TestClient]:
    app = App(load_settings(config), clock=lambda: at("2025-06-03 10:00"))
    client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1"))
    await client.start_server()
    return app, client


@pytest.fixture
async def console(timeline: Path) -> AsyncIterator[TestClient]:
    app, client = await open_console(timeline)
    try:
        yield client
    finally:
        await client.close()
        await app.close()


async def get(client: TestClient, path: str, status: int = 200) -> str:
    response = await client.get(path)
    text = await response.text()
    assert response.status == status, (path, text[:500])
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not any(secret in text for secret in SECRETS)
    return text


def alert_id(page: str, title_part: str) -> str:
    row = next(r for r in page.split("<tr>") if title_part in r)
    found = re.search(r'href="/alerts/(\d+)"', row)
    assert found is not None
    return found.group(1)


async def test_overview(console: TestClient) -> None:
    page = await get(console, "/")
    for expected in ("federal_register", "public_inspection", "Outbox", "hook", "ai", "bis-rules", "Latest alerts"):
        assert expected in page
    assert "slack://T...A/…" in page  # the privacy form only
    assert "Rescission of EAR Revisions" in page  # the newest alert


async def test_alerts_history_filters_and_paging(console: TestClient) -> None:
    page = await get(console, "/alerts")
    assert "Framework for Artificial Intelligence Diffusion" in page and "Rescission of EAR Revisions" in page
    published = await get(console, "/alerts?event=published&watchlist=ai")
    assert "Rescission" in published and "On public inspection" not in published
    assert ">public_inspection<" not in published.split("<table")[1]
    inspection = await get(console, "/alerts?event=public_inspection")
    assert "1 alert ·" in inspection
    assert "0 alerts" in await get(console, "/alerts?q=nothing-like-this")
    assert "Correction" in await get(console, "/alerts?q=Correction")
    assert "0 alerts" in await get(console, "/alerts?state=dead")
    january = await get(console, "/alerts?from=2025-01-15&to=2025-01-16")
    assert "Due Diligence" in january and "Rescission" not in january
    paged = await get(console, "/alerts?page=999")  # past the end: the last page
    assert "page 1 of 1" in paged


async def test_alert_detail_channels_receipts_and_evidence(console: TestClient) -> None:
    page = await get(console, "/alerts?event=published&watchlist=ai")
    detail = await get(console, f"/alerts/{alert_id(page, 'Framework for Artificial Intelligence Diffusion')}")
    for expected in (
        "Slack",
        "E-mail (HTML part)",
        "Webhook (JSON)",
        "&#34;schema&#34;: &#34;fr-monitor.alert&#34;",  # the webhook payload, as text
        "Deliveries",
        "hook",
        "sent",
        "On public inspection",  # the lead time fact
        "Content hash of what alerted",
        "https://www.federalregister.gov/documents/2025-00636",
    ):
        assert expected in detail, expected
    await get(console, "/alerts/999999", 404)
    await get(console, "/alerts/not-a-number", 404)


async def test_document_life(console: TestClient) -> None:
    page = await get(console, "/documents/2025-00636")
    for expected in (
        "Filed for public inspection",
        "Published",
        "2 days after it was filed",
        "public_inspection</span> for ai",
        'Corrected by <a href="/documents/C1-2025-90800">',
        "Comments close 2025-05-15: past",
        "Followed through its RINs and dockets",
        "Rescission of EAR Revisions",
    ):
        assert expected in page, expected
    await get(console, "/documents/2099-00000", 404)


async def test_hostile_titles_are_text(console: TestClient) -> None:
    for path in ("/", "/alerts", f"/documents/{HOSTILE_NUMBER}"):
        page = await get(console, path)
        assert "<script>" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    page = await get(console, "/alerts")
    detail = await get(console, f"/alerts/{alert_id(page, '&lt;script&gt;')}")
    assert "<script>" not in detail and "&lt;script&gt;" in detail


async def test_watchlists_and_trying_a_query(console: TestClient) -> None:
    page = await get(console, "/watchlists")
    assert "bis-rules" in page and "industry-and-security-bureau" in page
    tried = await get(console, "/watchlists?query=%22advanced+computing%22&days=365")
    assert "Due Diligence" in tried and "match." in tried
    broken = await get(console, "/watchlists?query=(chips")
    assert "query: unbalanced parenthesis at position 1" in broken


async def test_atom_feed(console: TestClient) -> None:
    response = await console.get("/feed.atom")
    assert response.status == 200 and response.content_type == "application/atom+xml"
    feed = ET.fromstring(await response.read())
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) >= 6
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert all(i and i.startswith("urn:fr-monitor:alert:") for i in ids) and len(set(ids)) == len(ids)
    titles = [e.findtext(f"{ATOM}title") or "" for e in entries]
    assert any("Framework for Artificial Intelligence Diffusion" in t for t in titles)
    hostile = next(e for e in entries if "onerror" in (e.findtext(f"{ATOM}title") or ""))
    assert hostile.find(f"{ATOM}summary").get("type") == "text"  # type: ignore[union-attr]
    again = ET.fromstring(await (await console.get("/feed.atom")).read())
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids  # stable
    one = ET.fromstring(await (await console.get("/feed.atom?watchlist=bis-rules")).read())
    assert {e.findtext(f"{ATOM}title", "").split("]")[0] for e in one.findall(f"{ATOM}entry")} <= {"[bis-rules"}
    assert (await console.get("/feed.atom?watchlist=nope")).status == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD"])
async def test_get_only(console: TestClient, method: str) -> None:
    for path in ("/", "/alerts", "/alerts/1", "/documents/2025-00636", "/watchlists", "/feed.atom"):
        response = await console.request(method, path)
        assert response.status == 405, (method, path)
        assert response.headers["Content-Security-Policy"] == CSP


async def test_static_stylesheet_is_our_own(console: TestClient) -> None:
    css = await get(console, "/static/console.css")
    assert css.strip()
    # Nothing fetched from anywhere: no web fonts, no imported sheets, no images by URL.
    assert not re.search(r"url\(|@import|@font-face", css, re.IGNORECASE)
    assert "http" not in css


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("Basic " + base64.b64encode(b"team:s3cret").decode(), True),
        ("Basic " + base64.b64encode(b"team:wrong").decode(), False),
        ("Basic " + base64.b64encode(b"other:s3cret").decode(), False),
        ("Basic not-base64!", False),
        ("Bearer s3cret", False),
        ("", False),
    ],
    ids=["right", "wrong password", "wrong user", "garbage", "another scheme", "none"],
)
def test_credentials(header: str, ok: bool) -> None:
    assert credentials_ok(header, "team", "s3cret") is ok


async def test_basic_auth_guards_everything_but_health(
    fake_fr: FakeFederalRegister, receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSOLE_PASSWORD", "s3cret")
    config = await build_timeline(
        tmp_path, fake_fr, receiver, web_extra='username = "team"\npassword_env = "CONSOLE_PASSWORD"\n'
    )
    app, client = await open_console(config)
    try:
        for path in ("/", "/alerts", "/feed.atom", "/metrics", "/watchlists"):
            response = await client.get(path)
            assert response.status == 401 and "s3cret" not in await response.text()
            assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert (await client.get("/healthz")).status == 200
        ready = await client.get("/readyz")  # open like /healthz: an orchestrator has no password
        assert "WWW-Authenticate" not in ready.headers
        assert ready.status == {"ready": 200, "not ready": 503}[(await ready.json())["status"]]
        auth = {"Authorization": "Basic " + base64.b64encode(b"team:s3cret").decode()}
        assert (await client.get("/", headers=auth)).status == 200
        page = await (await client.get("/", headers=auth)).text()
        assert "s3cret" not in page
    finally:
        await client.close()
        await app.close()


async def test_status_command(timeline: Path) -> None:
    code, out, err = await fr_monitor("status", "--config", str(timeline))
    assert code == 0, err
    assert "service: not running" in out
    assert re.search(r"^SOURCE\s+INTERVAL\s+LAST SUCCESS", out, re.M)
    assert "outbox: 0 pending" in out and "latest alerts:" in out and "Rescission of EAR Revisions" in out
    assert not any(secret in out for secret in SECRETS)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/documents/2099-00000", "this monitor has stored nothing under that number"),
        ("/alerts/999999", "no such alert"),
        ("/alerts/not-a-number", "no such alert"),
        ("/no-such-page", "No such page."),
    ],
)
async def test_not_found_is_a_console_page(console: TestClient, path: str, message: str) -> None:
    response = await console.get(path)
    page = await response.text()
    assert response.status == 404 and response.content_type == "text/html"
    assert response.headers["Content-Security-Policy"] == CSP
    assert "<title>Not found · fr-monitor</title>" in page and '<a href="/watchlists">Watchlists</a>' in page
    assert message in page


@pytest.mark.parametrize("path", ["/feed.atom?watchlist=nope", "/static/nothing.css"])
async def test_not_found_for_programs_stays_plain(console: TestClient, path: str) -> None:
    response = await console.get(path)
    assert response.status == 404 and response.content_type == "text/plain"
    assert "<html" not in await response.text()


@pytest.mark.parametrize(("days", "shown"), [("", "30 days"), ("7", "7 days"), ("1", "1 day."), ("9999", "365 days")])
async def test_the_query_trial_says_over_how_many_days(console: TestClient, days: str, shown: str) -> None:
    page = await get(console, f"/watchlists?query=export&days={days}")
    assert f"stored over the last {shown}" in page


async def test_the_overview_has_a_long_error_whole(timeline: Path) -> None:
    """The table shows the start of a long error; the rest is one click away (a <details>), never cut off."""
    from monitor.store.store import Store

    error = "federal_register: request failed: " + "a long upstream explanation " * 12 + "THE END"
    store = Store.open(load_settings(timeline).data_dir)
    store.save_source_failure("federal_register", error, at("2025-06-03 09:00"))
    store.close()
    app, client = await open_console(timeline)
    try:
        page = await get(client, "/")
    finally:
        await client.close()
        await app.close()
    row = next(r for r in page.split("<tr>") if "federal_register: request failed" in r and "Last error" in r)
    assert '<details class="error"><summary>' in row and f"</summary>{error}</details>" in row
