"""A text the matcher needs that could not be read is never a final miss (monitor.core.unread): the document is
held in the store, evaluated again on the next polls (across restarts), alerts once with a note when a watchlist
matches without the text, is told to ops after MAX_TEXT_TRIES, counted, listed by `status`, and `run --once`
exits 1 while it is held."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bench.full_text_outage import presidential_documents
from monitor.app import App
from monitor.cli import main
from monitor.core.unread import MAX_TEXT_TRIES, due_for_retry
from monitor.service import run_service
from monitor.settings.loading import load_settings
from monitor.web import build_web_app
from tests.kit.fakes import FakeFederalRegister, Receiver, offline


def config_for(tmp_path: Path, fr: FakeFederalRegister, receiver: Receiver) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
            f'[federal_register]\nbase_url = "{fr.base_url}"\nrequests_per_second = 100\n'
            "full_text_requests_per_second = 100\nper_page = 100\n"
            "[public_inspection]\nenabled = false\n"
            "[delivery]\nbackoff_base = '0s'\nbackoff_max = '0s'\n"
            f'[targets.team]\nurl = "{receiver.url("team")}"\n'
            f'[targets.ops]\nurl = "{receiver.url("ops")}"\n'
        )
    )
    return config


def alerted(receiver: Receiver, numbers: set[str]) -> list[str]:
    """The document number of each alert received (ops messages left out), in order."""
    return [
        n
        for body in receiver.received
        if not body["title"].startswith("fr-monitor:")
        for n in sorted(numbers)
        if n in body["message"]
    ]


async def test_full_text_outage_for_one_poll_misses_nothing(
    fake_fr: FakeFederalRegister, receiver: Receiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's trial, from outside: every full-text request answers 503 during one poll, then two good polls,
    each `run --once` a new process's worth of state (a restart in between). Every AI-related order alerts, each
    exactly once; the run during the outage exits 1 and names what it could not read."""
    records, texts, ai = presidential_documents()
    assert len(records) == 16 and len(ai) == 11
    fake_fr.documents = []
    config = config_for(tmp_path, fake_fr, receiver)
    assert await run_service(load_settings(config), once=True) == 0  # the baseline: nothing published yet

    fake_fr.documents, fake_fr.full_texts, fake_fr.full_text_mode = records, texts, "status:503"
    assert await run_service(load_settings(config), once=True) == 1
    during = alerted(receiver, ai)
    err = capsys.readouterr().err
    assert "the full text of 2025-21665 (Launching the Genesis Mission) could not be read, tried 1 time" in err
    # The orders whose title says AI alerted at once, saying the text could not be read (one has no text to read).
    assert len(during) == 5
    noted = [
        n for n, b in zip(during, receiver.received, strict=True) if "the full text could not be read" in b["message"]
    ]
    assert sorted(noted) == sorted(n for n in during if n in texts) and len(noted) == 4

    fake_fr.full_text_mode = "ok"
    assert await run_service(load_settings(config), once=True) == 0
    assert await run_service(load_settings(config), once=True) == 0
    every = alerted(receiver, ai)
    assert sorted(every) == sorted(ai)  # all 11, each once: the five alerted first were not alerted again
    assert sorted(set(alerted(receiver, set(texts) | {r["document_number"] for r in records})) - ai) == []
    assert "could not be read" not in capsys.readouterr().err


async def test_given_up_after_the_tries_allowed_told_to_ops_counted_and_listed(
    fake_fr: FakeFederalRegister, receiver: Receiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records, texts, ai = presidential_documents()
    genesis = next(r for r in records if r["document_number"] == "2025-21665")  # AI only in its text
    fake_fr.documents = []
    config = config_for(tmp_path, fake_fr, receiver)
    clock = [1_750_000_000.0]
    app = App(load_settings(config), clock=lambda: clock[0])
    try:
        await app.run_once()  # baseline
        fake_fr.documents, fake_fr.full_texts, fake_fr.full_text_mode = [genesis], texts, "status:503"
        for _ in range(MAX_TEXT_TRIES + 2):  # tries past the limit do not tell ops again
            clock[0] += 900
            await app.run_once()
        metric = app.metrics.registry.get_sample_value("frmonitor_enrichment_failures_total", {"kind": "full_text"})
        held = app.unread()
        client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1"))
        await client.start_server()
        try:
            overview = await (await client.get("/")).text()
            scraped = await (await client.get("/metrics")).text()
        finally:
            await client.close()
    finally:
        await app.close()
    assert 'frmonitor_enrichment_failures_total{kind="full_text"} 1.0' in scraped
    unread_section = overview.split('id="unread"', 1)[1].split("</section>", 1)[0]
    assert "2025-21665" in unread_section and "Launching the Genesis Mission" in unread_section
    assert "given up" in unread_section and "unexpected status 503" in unread_section
    assert metric == 1.0
    assert [u.number for u in held] == ["2025-21665"] and held[0].given_up_at is not None
    ops = [b for b in receiver.received if b["title"].startswith("fr-monitor:")]
    assert len(ops) == 1 and "1 document of federal_register could not be read" in ops[0]["title"]
    assert "2025-21665 (Launching the Genesis Mission)" in ops[0]["message"] and "503" in ops[0]["message"]
    assert alerted(receiver, ai) == []  # only its text says AI: nothing to alert on yet

    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "texts not read" in out and "2025-21665" in out and "given up" in out

    # A day later the text is there: read on the daily try, alerted once, and no longer held.
    fake_fr.full_text_mode = "ok"
    clock[0] += 86_400
    app = App(load_settings(config), clock=lambda: clock[0])
    try:
        await app.run_once()
        await app.run_once()
        assert app.unread() == []
    finally:
        await app.close()
    assert alerted(receiver, ai) == ["2025-21665"]


async def test_linked_page_that_cannot_be_read_is_held_and_alerts_when_read(
    tmp_path: Path, receiver: Receiver, serve: Any
) -> None:
    """A followed page entry whose linked page fails: held (across a restart), alerted once it is read."""
    from aiohttp import web

    state = {"linked": 503, "entries": '<li><a href="/news/old">An older notice</a></li>'}

    async def listing(_: web.Request) -> web.Response:
        body = f"<html><body><main><ul>{state['entries']}</ul></main></body></html>"
        return web.Response(text=body, content_type="text/html")

    async def linked(_: web.Request) -> web.Response:
        if state["linked"] != 200:
            return web.Response(status=int(state["linked"]), text="down")
        body = "<html><body><main>Controls on the model weights of frontier AI.</main></body></html>"
        return web.Response(text=body, content_type="text/html")

    site = web.Application()
    site.router.add_get("/news", listing)
    site.router.add_get("/news/rule-1", linked)
    server = await serve(site)
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
            "[federal_register]\nenabled = false\n[public_inspection]\nenabled = false\n"
            f'[[pages]]\nname = "news"\nurl = "{server.make_url("/news")}"\nselector = "main"\n'
            "follow_links = true\n"
            f'[targets.team]\nurl = "{receiver.url("team")}"\n'
            "[[watchlists]]\nname = 'weights'\nquery = '\"model weights\"'\n"
        )
    )

    async def run() -> list[str]:
        app = App(load_settings(config))  # a new one each time: a restart
        try:
            await app.run_once()
            return [u.number for u in app.unread()]
        finally:
            await app.close()

    assert await run() == []  # the baseline
    state["entries"] += '<li><a href="/news/rule-1">New rule on exports</a></li>'
    assert await run() == [str(server.make_url("/news/rule-1"))]  # its page is down: held
    assert receiver.received == []  # only the linked page names model weights
    state["linked"] = 200
    assert await run() == []
    assert await run() == []
    assert [b["title"] for b in receiver.received] == ["[weights] Published: New rule on exports"]


def held_record(tries: int, given_up_at: float | None, last_tried_at: float) -> Any:
    from monitor.core.unread import Unread
    from monitor.models import Change, Document

    change = Change("new", Document("s", "2025-00001", "t"))
    return Unread("s", change, "full_text", "x", tries, 0.0, last_tried_at, given_up_at)


@pytest.mark.parametrize(
    ("given_up_at", "last_tried_at", "due", "dropped"),
    [
        (None, 99_000.0, True, False),  # still within the tries: every poll
        (50_000.0, 99_000.0, False, False),  # given up, tried today: not again today
        (10_000.0, 10_000.0, True, False),  # given up, tried over a day ago: once a day
        (-700_000.0, 10_000.0, False, True),  # given up over a week ago: dropped
    ],
    ids=["held", "given-up-tried-today", "given-up-daily", "given-up-dropped"],
)
def test_due_for_retry(given_up_at: float | None, last_tried_at: float, due: bool, dropped: bool) -> None:
    record = held_record(3, given_up_at, last_tried_at)
    retry, drop = due_for_retry([record], now=100_000.0)
    assert (retry == [record], drop == [record]) == (due, dropped)
