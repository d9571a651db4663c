"""A canary secret in every kind of target URL never reaches logs (at DEBUG), the database or command output,
whatever happens to the delivery: refused, 500, 429, timeout."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from monitor.app import App
from monitor.settings.loading import ConfigError, load_settings
from tests.kit.fakes import Receiver, ai_diffusion_rule, offline, synthetic_document
from tests.kit.service import fr_monitor

CANARY = "CANARY7f3a9c"


def database_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.glob("fr-monitor.db*"))


async def test_canary_never_leaks_from_any_target_or_failure(fake_fr, tmp_path, smtp, monkeypatch):
    _, smtp_port = smtp
    receivers = [await Receiver().start() for _ in range(4)]
    r500, r429, slow, hook = receivers
    r500.fail_with, r500.fail_times = 500, 99
    r429.script = [(429, {"Retry-After": "60"})] * 5
    slow.delay = 2.5
    hook.fail_with, hook.fail_times = 503, 99
    secret_file = tmp_path / "hook-url"
    secret_file.write_text(f"webhook://user:{CANARY}@127.0.0.1:{hook.server.port}/w\n")  # type: ignore[union-attr]
    targets = f"""
[targets.json500]
url = "json://user:{CANARY}@127.0.0.1:{r500.server.port}/a"
[targets.json429]
url_env = "CANARY_URL"
[targets.slow]
url = "json://127.0.0.1:{slow.server.port}/{CANARY}"
[targets.hook]
url_file = "{secret_file}"
[targets.mail]
url = "mailto://alerts:{CANARY}@127.0.0.1:{smtp_port}?from=a@example.com&to=b@example.com&mode=insecure"
"""  # type: ignore[union-attr]
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\nlog_level = "DEBUG"\n'
            f'[federal_register]\nbase_url = "{fake_fr.base_url}"\nper_page = 100\n'
            '[delivery]\nbackoff_base = "0s"\nbackoff_max = "0s"\nmax_attempts = 2\ntimeout = 1\n'
            + targets
            + '[[watchlists]]\nname = "ai"\nquery = \'"artificial intelligence"\'\n'
        )
    )
    env = {"CANARY_URL": f"json://user:{CANARY}@127.0.0.1:{r429.server.port}/b"}  # type: ignore[union-attr]
    outputs = []
    try:
        outputs.append(await fr_monitor("run", "--once", "--config", str(config), env=env))
        fake_fr.add(ai_diffusion_rule())
        outputs.append(await fr_monitor("run", "--once", "--config", str(config), env=env))
        for command in (("check-config",), ("alerts",), ("deliveries",), ("test-notify", "json500")):
            outputs.append(await fr_monitor(*command, "--config", str(config), env=env))
    finally:
        for receiver in receivers:
            await receiver.close()
    assert any("delivery failed" in err for _, _, err in outputs)  # the failure paths really ran, at DEBUG
    assert any("DEBUG" in err for _, _, err in outputs)
    for code, out, err in outputs:
        assert CANARY not in out and CANARY not in err, (code, out, err)
    assert CANARY.encode() not in database_bytes(tmp_path / "data")


async def test_refused_target_error_hides_the_secret(tmp_path, cli):
    config = tmp_path / "c.toml"
    config.write_text(f'[targets.x]\nurl = "webhook://user:{CANARY}@10.0.0.8/hook"\n')
    from monitor.notify.targets import check_targets

    with pytest.raises(ConfigError) as caught:
        settings = load_settings(config)
        check_targets(settings.targets, settings.allow_private_targets, str(config))
    assert "internal address" in str(caught.value) and CANARY not in str(caught.value)
    code, out, err = await cli("check-config", "--config", str(config))
    assert code == 2 and CANARY not in out + err


async def test_slack_token_never_leaks(fake_fr, tmp_path, caplog):
    from apprise.plugins.slack import NotifySlack

    from monitor.logs import setup_logging

    caplog.set_level(logging.DEBUG)  # everything that reaches the root, at DEBUG...
    setup_logging("DEBUG")  # ...as the service sets its loggers up
    original = NotifySlack.webhook_url
    refused = await Receiver().start()  # answers 403 to everything, like Slack for a revoked token
    refused.fail_with, refused.fail_times = 403, 99
    NotifySlack.webhook_url = f"http://127.0.0.1:{refused.server.port}/services"  # type: ignore[union-attr]
    try:
        config = tmp_path / "c.toml"
        config.write_text(
            offline(
                f'data_dir = "{tmp_path / "data"}"\nlog_level = "DEBUG"\n'
                f'[federal_register]\nbase_url = "{fake_fr.base_url}"\n'
                f'[targets.team]\nurl = "slack://T000AAAA/B000BBBB/{CANARY}"\n'
                '[[watchlists]]\nname = "ai"\nquery = \'"artificial intelligence"\'\n'
            )
        )
        for _ in range(2):
            app = App(load_settings(config))
            try:
                await app.run_once()
            finally:
                await app.close()
            fake_fr.add(synthetic_document("2026-60001", "Artificial Intelligence rule"))
        assert refused.attempts == 1
    finally:
        NotifySlack.webhook_url = original
        await refused.close()
    assert "delivery failed" in caplog.text
    assert CANARY not in caplog.text
    assert CANARY.encode() not in database_bytes(tmp_path / "data")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "feed:x: request to reader:pw@127.0.0.1:8080 failed: refused",
            "feed:x: request to ***@127.0.0.1:8080 failed: refused",
            id="user-and-password-before-a-host",
        ),
        pytest.param("timed out after 30s (TOKEN@host.example)", "timed out after 30s (***@host.example)", id="token"),
        pytest.param("https://u:p@ss@example.com/feed", "https://***@example.com/feed", id="at-sign-in-password"),
        pytest.param("http://[::1/a?api_key=K&page=2", "http://[::1/a?api_key=***&page=***", id="query"),
        pytest.param("bad url 'https://x.example/p?token=abc'", "bad url 'https://x.example/p?token=***'", id="quoted"),
        pytest.param("u:p@[::1]:80", "***@[::1]:80", id="ipv6-host"),
        pytest.param("federal_register: unexpected status 503 from www.federalregister.gov", None, id="plain"),
        pytest.param("@channel R&D results: a = b", None, id="no-host-no-query"),
        pytest.param("request to ***@h failed ?k=***", None, id="idempotent"),
    ],
)
def test_redact_secrets(text: str, expected: str | None) -> None:
    from monitor.core.redaction import redact_secrets

    assert redact_secrets(text) == (text if expected is None else expected)


async def test_a_source_url_with_credentials_never_leaks_through_its_errors(tmp_path, receiver):
    """A feed whose URL carries a user and password (and a key in its query) cannot be reached: its error reaches
    the store, /readyz, `status`, what `run --once` prints, the log and the ops target, none with the secret; and
    check-config shows the URL with them masked."""
    import socket

    from aiohttp.test_utils import TestClient, TestServer

    from monitor.web import build_web_app

    with socket.socket() as sock:  # a port nothing listens on: the poll fails with a connection error
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\nops_alert_after_failures = 1\n'
            'log_level = "DEBUG"\n[federal_register]\nenabled = false\n'
            f'[[feeds]]\nname = "private"\nurl = "http://reader:{CANARY}@127.0.0.1:{closed}/feed?key={CANARY}"\n'
            f'[targets.ops]\nurl = "{receiver.url()}"\n'
        )
    )
    outputs = [await fr_monitor("run", "--once", "--config", str(config))]
    outputs += [
        await fr_monitor(command, *json, "--config", str(config))
        for command in ("status", "check-config")
        for json in ((), ("--json",))
    ]
    assert outputs[0][0] == 1 and "feed:private" in outputs[0][2] and "failed" in outputs[0][2]
    assert len(receiver.received) == 1  # the ops target was told, with the error
    for code, out, err in outputs:
        assert CANARY not in out and CANARY not in err, (code, out, err)
    assert CANARY not in str(receiver.received)
    assert CANARY.encode() not in database_bytes(tmp_path / "data")

    app = App(load_settings(config))
    client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1"))
    await client.start_server()
    try:
        for _ in range(3):  # enough in a row for /readyz to name the loop and its latest error
            app.loops.failed("dispatcher", ValueError(f"no route to http://reader:{CANARY}@example.com/?key={CANARY}"))
        response = await client.get("/readyz")
        body = await response.text()
        page = await (await client.get("/")).text()
    finally:
        await client.close()
        await app.close()
    assert response.status == 503 and "feed:private" in body and "dispatcher" in body
    assert f"request to 127.0.0.1:{closed} failed" in body  # the host as host:port, the credentials left out
    assert CANARY not in body and CANARY not in page
    assert CANARY not in app.loops.health["dispatcher"].last_error


async def test_the_http_client_names_hosts_without_the_credentials_a_url_carries(serve, caplog):
    """Errors (and the log) name a host as host[:port], never with the user:password@ a page's or feed's URL may
    carry: the redaction downstream masks them, but the origin does not put them there. A redirect within the
    host is followed with the same credentials, not refused as 'another host'."""
    import socket

    from aiohttp import web

    from monitor.sources.http import HostSpacing, HttpClient, SourceError
    from tests.kit.clock import Clock

    async def unavailable(request: web.Request) -> web.Response:
        return web.Response(status=503)

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://other:{CANARY}@localhost:{request.url.port}/ok")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/ok")

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"authorization": request.headers.get("Authorization", "")})

    async def stale(request: web.Request) -> web.Response:
        return web.json_response({}, headers={"Age": "9999"})

    app = web.Application()
    for path, handler in (("/503", unavailable), ("/away", away), ("/moved", moved), ("/ok", ok), ("/stale", stale)):
        app.router.add_get(path, handler)
    server = await serve(app)
    host = f"127.0.0.1:{server.port}"
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
    clock = Clock()
    caplog.set_level(logging.DEBUG)
    errors: dict[str, str] = {}
    async with HttpClient(spacing=HostSpacing({}, default_rate=10_000, clock=clock), clock=clock) as client:
        for name, call in (
            ("network", client.fetch("feed:x", f"http://reader:{CANARY}@{closed}/feed")),
            ("status", client.fetch("feed:x", f"http://reader:{CANARY}@{host}/503")),
            ("redirect", client.fetch("feed:x", f"http://reader:{CANARY}@{host}/away")),
            ("stale", client.get_fresh("feed:x", f"http://reader:{CANARY}@{host}/stale", max_age=60)),
        ):
            with pytest.raises(SourceError) as raised:
                await call
            errors[name] = str(raised.value)
        followed = await client.get_json("feed:x", f"http://reader:{CANARY}@{host}/moved")
    assert errors == {
        "network": f"feed:x: request to {closed} failed: " + errors["network"].split(" failed: ", 1)[1],
        "status": f"feed:x: unexpected status 503 from {host}",
        "redirect": f"feed:x: refused redirect from {host} to another host localhost:{server.port}",
        "stale": f"feed:x: answers from {host} stay stale (Age 9999s) even past the cache; nothing was read from them",
    }
    assert all(CANARY not in error for error in errors.values())
    assert CANARY not in caplog.text and f"in front of {host}" in caplog.text
    assert followed["authorization"].startswith("Basic ")  # the same host: the URL's credentials went along


@pytest.mark.parametrize(
    ("source", "target", "asked"),
    [
        ("https://reader:pw@news.example/feed", "https://news.example/feed/", "https://reader:pw@news.example/feed/"),
        ("http://reader:pw@news.example/feed", "http://news.example/feed/", "http://reader:pw@news.example/feed/"),
        ("http://reader:pw@news.example/feed", "https://news.example/feed", "https://reader:pw@news.example/feed"),
        # https to http on the same host: the password would go in clear
        ("https://reader:pw@news.example/feed", "http://news.example/feed/", "http://news.example/feed/"),
        ("https://news.example/feed", "https://news.example/feed/", "https://news.example/feed/"),
        ("https://reader:pw@news.example/feed", "https://other:x@news.example/", "https://other:x@news.example/"),
    ],
)
def test_a_redirect_within_the_host_carries_the_credentials_but_never_into_plain_http(
    source: str, target: str, asked: str
) -> None:
    from monitor.sources.http import with_credentials_of

    assert with_credentials_of(source, target) == asked


PRESS_PAGE = """<html><body><main><h1>Press releases</h1><ul>
<li><a href="/news/1">Export controls on laboratory equipment</a></li>{more}
</ul><p>Last updated: today</p></main></body></html>"""
NEW_ENTRY = '\n<li><a href="/news/2">Bureau updates a rule</a></li>'
LINKED = "<html><body><main>The rule covers artificial intelligence model weights.</main></body></html>"


async def test_a_page_read_with_credentials_names_its_entries_without_them(tmp_path, serve, receiver):
    """A page behind HTTP Basic auth, its URL carrying the user and password: its entries are named and linked
    without them (the number, the link, the alert, the store), and their linked pages are still asked with them."""
    import base64

    from aiohttp import web

    page = {"more": ""}
    asked: list[tuple[str, bool]] = []
    credentials = base64.b64encode(f"reader:{CANARY}".encode()).decode()

    async def handle(request: web.Request) -> web.Response:
        authorised = request.headers.get("Authorization") == "Basic " + credentials
        asked.append((request.path, authorised))
        if not authorised:
            return web.Response(status=401)
        body = PRESS_PAGE.format(**page) if request.path == "/press" else LINKED
        return web.Response(text=body, content_type="text/html")

    app_ = web.Application()
    app_.router.add_get("/{tail:.*}", handle)
    server = await serve(app_)
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n'
            "[federal_register]\nenabled = false\n"
            f'[[pages]]\nname = "press"\nurl = "http://reader:{CANARY}@127.0.0.1:{server.port}/press"\n'
            "follow_links = true\n"
            f'[targets.hook]\nurl = "{receiver.url()}"\n'
            "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\n"
        )
    )
    app = App(load_settings(config))
    try:
        await app.run_once()  # the silent baseline
        page["more"] = NEW_ENTRY
        await app.run_once()
        await app.send_due()
        entries = app.store.snapshots.load_snapshots_with_prefix("page:press", "http")
    finally:
        await app.close()
    assert [b["title"] for b in receiver.received] == ["[ai] Published: Bureau updates a rule"]
    assert ("/news/2", True) in asked and all(authorised for _, authorised in asked)  # linked page: asked with them
    assert sorted(entries) == [f"http://127.0.0.1:{server.port}/news/1", f"http://127.0.0.1:{server.port}/news/2"]
    assert CANARY not in str(receiver.received)
    assert CANARY.encode() not in database_bytes(tmp_path / "data")


def test_entries_stored_with_credentials_are_rewritten_without_them(tmp_path):
    """m012: what an earlier release stored of a page read with credentials is named without them, the
    snapshot's hash with it, so the next poll finds the entries as they were and says nothing."""
    import json
    import sqlite3

    from sqlite_utils import Database

    from monitor.models import Document, ItemKind
    from monitor.store import schema
    from monitor.store.base import DB_FILENAME
    from monitor.store.store import Store

    path = tmp_path / DB_FILENAME
    database = Database(sqlite3.connect(path, isolation_level=None))
    schema.migrations.apply(database, stop_before=schema.m012_page_entries_without_credentials.__name__)
    url = f"https://reader:{CANARY}@news.example/press/1"
    old = Document("page:press", url, "Bureau updates a rule", type=ItemKind.PAGE_ENTRY, html_url=url)
    database.execute(
        "INSERT INTO snapshots VALUES ('page:press', ?, ?, ?, 0, 0)",
        [url, old.content_hash(), json.dumps(old.to_dict())],
    )
    key = f"published:page:press:{url}:ai"
    database.execute(
        "INSERT INTO alerts (key, event, source, document_number, watchlist, title, data, created_at)"
        " VALUES (?, 'published', 'page:press', ?, 'ai', 'T', ?, 0)",
        [key, url, json.dumps({"key": key, "document": old.to_dict()})],
    )
    database.close()

    store = Store(path)
    try:
        clean = "https://news.example/press/1"
        stored = store.snapshots.load_snapshot("page:press", clean)
        (hash_,) = [r["content_hash"] for r in store._rows("SELECT content_hash FROM snapshots")]
    finally:
        store.close()
    assert stored == Document("page:press", clean, "Bureau updates a rule", type=ItemKind.PAGE_ENTRY, html_url=clean)
    assert hash_ == stored.content_hash()
    assert CANARY.encode() not in database_bytes(tmp_path)


def test_an_entry_stored_under_two_credentials_is_one_entry_after_the_upgrade(tmp_path):
    """m011b, then m012: a page whose password changed stored each entry once per password (and an entry linked
    both relatively and absolutely, once with and once without). Named without them these were one row twice,
    and the upgrade failed on the unique key at every start. Now the latest snapshot is kept; both alerts stay
    (deliveries point to them), under keys of their own and without the credentials."""
    import json
    import sqlite3

    from sqlite_utils import Database

    from monitor.models import Document, ItemKind
    from monitor.store import schema
    from monitor.store.base import DB_FILENAME
    from monitor.store.store import Store

    path = tmp_path / DB_FILENAME
    database = Database(sqlite3.connect(path, isolation_level=None))
    schema.migrations.apply(database, stop_before=schema.m011b_page_entries_named_twice.__name__)
    clean = "https://news.example/press/1"
    for changed_at, (password, title) in enumerate([(f"old{CANARY}", "Before"), (f"new{CANARY}", "After")]):
        url = f"https://reader:{password}@news.example/press/1"
        doc = Document("page:press", url, title, type=ItemKind.PAGE_ENTRY, html_url=url)
        database.execute(
            "INSERT INTO snapshots VALUES ('page:press', ?, ?, ?, 0, ?)",
            [url, doc.content_hash(), json.dumps(doc.to_dict()), changed_at],
        )
        database.execute("INSERT INTO matches VALUES ('ai', 'page:press', ?, ?)", [url, changed_at])
        key = f"published:page:press:{url}:ai"
        database.execute(
            "INSERT INTO alerts (key, event, source, document_number, watchlist, title, data, created_at)"
            " VALUES (?, 'published', 'page:press', ?, 'ai', ?, ?, 0)",
            [key, url, title, json.dumps({"key": key, "document": doc.to_dict()})],
        )
        database.execute(
            "INSERT INTO deliveries (alert_id, target, state, next_attempt_at, created_at, updated_at)"
            " VALUES (last_insert_rowid(), 'hook', 'sent', 0, 0, 0)"
        )
    other = Document("page:press", "https://news.example/press/2", "Linked twice", type=ItemKind.PAGE_ENTRY)
    for number in ["https://news.example/press/2", f"https://reader:new{CANARY}@news.example/press/2"]:
        database.execute(
            "INSERT INTO snapshots VALUES ('page:press', ?, ?, ?, 0, 0)",
            [number, other.content_hash(), json.dumps({**other.to_dict(), "number": number})],
        )
    database.close()

    store = Store(path)  # raised sqlite3.IntegrityError: UNIQUE constraint failed: snapshots.source, ...
    try:
        snapshots = store._rows("SELECT number, data FROM snapshots ORDER BY number")
        matches = store._rows("SELECT number FROM matches")
        alerts = store._rows("SELECT a.id, key, state FROM alerts a JOIN deliveries d ON d.alert_id = a.id")
    finally:
        store.close()
    assert [(r["number"], json.loads(r["data"])["title"]) for r in snapshots] == [
        (clean, "After"),
        ("https://news.example/press/2", "Linked twice"),
    ]
    assert [r["number"] for r in matches] == [clean]
    first, second = sorted(alerts, key=lambda r: r["id"])
    assert (first["key"], second["key"]) == (f"published:page:press:{clean}:ai", f"published:page:press:{clean}:ai~2")
    assert first["state"] == second["state"] == "sent"
    assert CANARY.encode() not in database_bytes(tmp_path)


def test_a_linked_page_text_kept_under_credentials_is_renamed_on_upgrade(tmp_path):
    """m014: a page entry's linked page text was kept (full_texts) by the entry's number, which held the page's
    user and password; m012 renamed the entries but left it, so the password stayed in the database. It is
    found under the entry's new name now; one already there is kept."""
    import sqlite3

    from sqlite_utils import Database

    from monitor.store import schema
    from monitor.store.base import DB_FILENAME
    from monitor.store.store import Store

    path = tmp_path / DB_FILENAME
    database = Database(sqlite3.connect(path, isolation_level=None))
    schema.migrations.apply(database, stop_before=schema.m014_texts_without_credentials.__name__)
    for number, text in (
        (f"https://reader:{CANARY}@news.example/press/1", "linked text"),
        (f"https://reader:{CANARY}@news.example/press/2", "older copy"),
        ("https://news.example/press/2", "newer copy"),
        ("2025-00636", "a Federal Register document's text"),
    ):
        database.execute("INSERT INTO full_texts VALUES (?, ?, 0, 0)", [number, text])
    database.close()

    store = Store(path)
    try:
        texts = {r["number"]: r["text"] for r in store._rows("SELECT number, text FROM full_texts")}
    finally:
        store.close()
    assert texts == {
        "https://news.example/press/1": "linked text",
        "https://news.example/press/2": "newer copy",
        "2025-00636": "a Federal Register document's text",
    }
    assert CANARY.encode() not in database_bytes(tmp_path)


def test_errors_recorded_with_secrets_before_they_were_masked_are_masked_on_upgrade(tmp_path):
    """m013: a source's last error and an unread text's reason an earlier release recorded with a URL's user and
    password or query values (status, the console and /readyz show them, the last error after the source
    recovers too) are masked as new ones are; the rest of the text stays."""
    import sqlite3

    from sqlite_utils import Database

    from monitor.store import schema
    from monitor.store.base import DB_FILENAME
    from monitor.store.history import History
    from monitor.store.store import Store

    path = tmp_path / DB_FILENAME
    database = Database(sqlite3.connect(path, isolation_level=None))
    schema.migrations.apply(database, stop_before=schema.m013_recorded_errors_without_secrets.__name__)
    error = f"feed:f: request to reader:{CANARY}@news.example failed: Cannot connect to host news.example:443"
    database.execute(
        "INSERT INTO sources (name, last_success_at, last_error, consecutive_failures) VALUES ('feed:f', 1, ?, 0)",
        [error],
    )
    database.execute(
        "INSERT INTO unread_texts VALUES ('page:p', 'https://news.example/1', 'linked_text', '{}', ?, 1, 0, 0, NULL)",
        [f"page:p: linked page: request to news.example failed: https://news.example/1?token={CANARY}"],
    )
    database.close()

    store = Store(path)
    try:
        last_error = History(store).sources()["feed:f"].last_error
        (reason,) = [r["reason"] for r in store._rows("SELECT reason FROM unread_texts")]
    finally:
        store.close()
    assert last_error == "feed:f: request to ***@news.example failed: Cannot connect to host news.example:443"
    assert reason == "page:p: linked page: request to news.example failed: https://news.example/1?token=***"
    assert CANARY.encode() not in database_bytes(tmp_path)


def test_a_feed_link_that_carries_a_user_is_never_shown_as_a_link() -> None:
    """`https://www.bis.gov@elsewhere.example/` reads as bis.gov but goes elsewhere; one on the feed's own host
    with credentials is not trusted either. A plain link on the feed's host is."""
    from monitor.sources.feeds.source import parse_feed

    items = "".join(
        f"<item><title>Rule {n}</title><link>{link}</link><guid>g{n}</guid></item>"
        for n, link in enumerate(
            [
                "https://www.bis.gov@elsewhere.example/a",
                f"https://reader:{CANARY}@www.bis.gov/b",
                "https://www.bis.gov/c",
            ]
        )
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>BIS</title>{items}</channel></rss>'.encode()
    shown = [item.html_url for item in parse_feed(body, "feed:bis", f"https://reader:{CANARY}@www.bis.gov/feed")]
    assert shown == ["", "", "https://www.bis.gov/c"]
