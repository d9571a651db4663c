"""Alerted documents stay watched while a date of theirs is ahead: read again by number once they left the search
window, a moved date alerts `updated` with before and after, and reminders follow the new date (their keys hold
it) saying where it moved from. Every record here is synthetic (numbers in the 2026-9xxxx range)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlite_utils import Database

from monitor.app import App
from monitor.core.deadlines import REREAD_BATCH, rereads_per_day
from monitor.core.lifecycle import due_reminders
from monitor.core.plan import queue
from monitor.core.routing import Routing
from monitor.core.watchlist import Watchlist
from monitor.models import Document
from monitor.runner import REREAD_PART
from monitor.settings.loading import load_settings
from monitor.sources.federal_register.source import parse_document, parse_documents_by_number
from monitor.store import schema
from monitor.store.base import DB_FILENAME
from monitor.store.store import Store
from monitor.web import build_web_app
from tests.kit.clock import ET, Clock, at
from tests.kit.fakes import FakeFederalRegister, Receiver, load_fixture, synthetic_document
from tests.kit.service import step


def by_number(fake: FakeFederalRegister) -> list[list[str]]:
    """The numbers of each documents/{n1},{n2}.json request."""
    return [request.split(",") for request in fake.number_fetches]


def titles(receiver: Receiver) -> list[str]:
    return [r["title"].split("] ", 1)[1] for r in receiver.received]


def ai_rule(number: str = "2026-90100", **fields: Any) -> dict[str, Any]:
    base = {
        "action": "Proposed rule; request for comments.",
        "type": "Proposed Rule",
        "publication_date": "2026-03-02",
        "comments_close_on": "2026-04-01",
        "dates": "Comments must be received by April 1, 2026.",
        "regulation_id_numbers": ["0694-AJ99"],
    }
    return synthetic_document(number, "Export Controls on Artificial Intelligence Model Weights", **{**base, **fields})


async def test_a_date_extended_after_the_window_alerts_once_and_reminders_follow_it(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    fake_fr.filter_dates = True  # the window is the last 3 days: the rule leaves it on 2026-03-05
    config = write_config(fake_fr, receiver)
    fake_fr.add(synthetic_document("2026-90001", "Sunshine Act Meetings", publication_date="2026-03-01"))
    await step(config, "2026-03-01 09:00")  # install: silent baseline
    fake_fr.add(ai_rule())
    await step(config, "2026-03-02 09:00")
    assert titles(receiver) == ["Published: Export Controls on Artificial Intelligence Model Weights"]

    await step(config, "2026-03-04 09:00")  # in the window (the last 3 days, and back to the last success)
    assert by_number(fake_fr) == []
    await step(config, "2026-03-10 09:00")  # out of the window: read again by number, nothing changed
    assert by_number(fake_fr) == [["2026-90100"]]
    assert len(receiver.received) == 1

    fake_fr.add(ai_rule(comments_close_on="2026-05-01", dates="Comments must be received by May 1, 2026."))
    await step(config, "2026-03-10 12:00")  # read 3 hours ago: not due yet
    assert len(by_number(fake_fr)) == 1 and len(receiver.received) == 1
    await step(config, "2026-03-10 15:30")
    assert len(by_number(fake_fr)) == 2
    assert titles(receiver)[1] == "Updated: Export Controls on Artificial Intelligence Model Weights"
    updated = receiver.received[1]["message"]
    assert "Changed comments_close_on: 2026-04-01 → 2026-05-01" in updated
    assert "Changed dates: Comments must be received by April 1, 2026. → Comments must be received by May 1" in updated

    await step(config, "2026-03-25 08:30")  # seven days before the old date: nothing to remind of
    await step(config, "2026-03-31 08:30")
    assert len(receiver.received) == 2
    await step(config, "2026-04-24 08:30")
    assert titles(receiver)[2] == "Deadline: Export Controls on Artificial Intelligence Model Weights"
    assert (
        "Reminder: Comments close 2026-05-01 (extended from 2026-04-01), in 7 days" in receiver.received[2]["message"]
    )
    await step(config, "2026-04-30 08:30")
    assert "Comments close 2026-05-01 (extended from 2026-04-01), in 1 day" in receiver.received[3]["message"]

    for when in ("2026-04-30 09:00", "2026-04-30 18:00", "2026-05-02 09:00"):
        await step(config, when)  # restarts and re-polls: nothing twice
    assert [t.split(":")[0] for t in titles(receiver)] == ["Published", "Updated", "Deadline", "Deadline"]
    watched_after_the_date = len(by_number(fake_fr))
    await step(config, "2026-05-03 09:00")  # the date has passed: no longer watched
    assert len(by_number(fake_fr)) == watched_after_the_date
    store = Store.open(Path(load_settings(config).data_dir))
    try:  # its last reading ages out with the snapshots' retention
        assert store.prune(at("2026-05-03 09:00"), 180 * 86400.0, 90 * 86400.0, 30 * 86400.0)["rereads"] == 0
        assert store.prune(at("2026-11-03 09:00"), 180 * 86400.0, 90 * 86400.0, 30 * 86400.0)["rereads"] == 1
    finally:
        store.close()


async def test_a_date_moved_inside_the_window_gets_reminders_for_the_new_date(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    config = write_config(fake_fr, receiver)  # the fake answers every document: all stay in the window
    fake_fr.documents = [synthetic_document("2026-90001", "Sunshine Act Meetings", publication_date="2026-03-01")]
    await step(config, "2026-03-01 09:00")
    fake_fr.add(ai_rule(comments_close_on="2026-03-12"))
    await step(config, "2026-03-02 09:00")
    await step(config, "2026-03-05 08:30")
    assert "Reminder: Comments close 2026-03-12, in 7 days" in receiver.received[-1]["message"]

    fake_fr.add(ai_rule(comments_close_on="2026-03-20"))
    await step(config, "2026-03-06 09:00")
    assert "Changed comments_close_on: 2026-03-12 → 2026-03-20" in receiver.received[-1]["message"]
    await step(config, "2026-03-13 08:30")
    assert (
        "Reminder: Comments close 2026-03-20 (extended from 2026-03-12), in 7 days" in receiver.received[-1]["message"]
    )
    await step(config, "2026-03-19 08:30")
    assert "Comments close 2026-03-20 (extended from 2026-03-12), in 1 day" in receiver.received[-1]["message"]
    assert [t.split(":")[0] for t in titles(receiver)] == [
        "Published",
        "Deadline",
        "Updated",
        "Deadline",
        "Deadline",
    ]
    assert by_number(fake_fr) == []  # never out of the window: never read by number


async def test_a_failed_reread_is_a_failed_part_and_the_window_is_stored(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    fake_fr.filter_dates = True
    config = write_config(fake_fr, receiver)
    fake_fr.documents = [synthetic_document("2026-90001", "Sunshine Act Meetings", publication_date="2026-03-01")]
    await step(config, "2026-03-01 09:00")
    fake_fr.add(ai_rule())
    await step(config, "2026-03-02 09:00")
    await step(config, "2026-03-04 09:00")

    fake_fr.add(ai_rule(comments_close_on="2026-05-01"))
    fake_fr.add(
        synthetic_document("2026-90200", "Artificial Intelligence Export Licensing", publication_date="2026-03-10")
    )
    fake_fr.by_number_mode = "status:500"
    (outcome,) = await step(config, "2026-03-10 09:00")
    assert outcome.ok and [part for part, _ in outcome.failed_parts] == [REREAD_PART]  # `run --once` exits 1
    assert titles(receiver)[-1] == "Published: Artificial Intelligence Export Licensing"  # the window went through

    fake_fr.by_number_mode = "ok"
    (outcome,) = await step(config, "2026-03-10 09:05")  # not read: due again at once
    assert outcome.ok and outcome.failed_parts == ()
    assert titles(receiver)[-1] == "Updated: Export Controls on Artificial Intelligence Model Weights"
    store = Store.open(Path(load_settings(config).data_dir))
    try:
        assert store.load_source_status(f"federal_register {REREAD_PART}").consecutive_failures == 0  # type: ignore[union-attr]
    finally:
        store.close()


async def test_requests_per_day_spent_rereading(fake_fr: FakeFederalRegister, write_config, capsys):
    """The closing figure: watched documents outside the window, polled every 15 minutes for a day."""
    fake_fr.filter_dates = True
    config = write_config(fake_fr)
    config.write_text(config.read_text().replace("per_page = 2\n", "per_page = 1000\n"))
    figures = {}
    clock = Clock()  # the service's clock, moved by the test
    for watched in (50, 500):
        fake_fr.documents = [
            ai_rule(f"2026-9{i:04d}", comments_close_on="2026-06-01", publication_date="2026-03-02")
            for i in range(watched)
        ]
        fake_fr.number_fetches.clear()
        settings = load_settings(config)
        data = Path(settings.data_dir)
        (data / DB_FILENAME).unlink(missing_ok=True)
        clock.now = at("2026-03-02 09:00")
        app = App(settings, clock=clock)
        try:
            (source,) = app.sources
            await app.poll(source)  # the baseline: every rule matched, so every rule is watched
            clock.now = at("2026-03-09 23:45")  # a poll the day before, its window past the rules
            await app.poll(source)
            fake_fr.number_fetches.clear()
            clock.now = at("2026-03-10 00:00")
            for _ in range(24 * 4):
                outcome = await app.poll(source)
                assert outcome.ok and outcome.failed_parts == ()
                clock.now += 15 * 60
        finally:
            await app.close()
        asked = [n for request in by_number(fake_fr) for n in request]
        assert max(len(r) for r in by_number(fake_fr)) <= REREAD_BATCH
        assert sorted(set(asked)) == sorted(d["document_number"] for d in fake_fr.documents)
        figures[watched] = len(by_number(fake_fr))
        assert figures[watched] == rereads_per_day(watched)
    with capsys.disabled():
        print(f"\nrequests a day re-reading watched documents (15-minute polls): {figures}")
    assert figures == {50: 4, 500: 20}


def test_reminders_sent_before_the_upgrade_are_not_sent_again(tmp_path: Path):
    """A reminder stored with the key this release had before (no date in it) keeps meaning the date it was
    sent for: the migration adds that date, so the same reminder is not queued again, and a moved date is."""
    path = tmp_path / DB_FILENAME
    database = Database(sqlite3.connect(path, isolation_level=None))
    schema.migrations.apply(database, stop_before=schema.m008_dated_reminders.__name__)
    watchlist = Watchlist.build("ai", "x")
    document = Document("federal_register", "2026-90100", "T", comments_close_on=date(2026, 4, 1))
    (sent,) = due_reminders([(document, watchlist)], datetime.fromtimestamp(at("2026-03-25 09:00"), ET), 8, 0, {})
    legacy = "deadline:federal_register:2026-90100:ai:comments_close_on-7d"
    data = {**sent.to_dict(), "key": legacy}
    database.execute(
        "INSERT INTO alerts (key, event, source, document_number, watchlist, title, data, created_at)"
        " VALUES (?, 'deadline', 'federal_register', '2026-90100', 'ai', 'T', ?, 0)",
        [legacy, json.dumps(data)],
    )
    database.close()

    store = Store(path)
    try:
        (key,) = [r["key"] for r in store._rows("SELECT key FROM alerts")]
        assert key == sent.key == "deadline:federal_register:2026-90100:ai:comments_close_on-2026-04-01-7d"
        assert json.loads(store._rows("SELECT data FROM alerts")[0]["data"])["key"] == key
        routing = Routing()
        again = due_reminders([(document, watchlist)], datetime.fromtimestamp(at("2026-03-26 09:00"), ET), 8, 0, {})
        assert store.outbox.save_alerts(queue(again, routing, 0), 0) == 0
        moved = dataclasses.replace(document, comments_close_on=date(2026, 4, 2))
        later = due_reminders([(moved, watchlist)], datetime.fromtimestamp(at("2026-03-26 09:00"), ET), 8, 0, {})
        assert store.outbox.save_alerts(queue(later, routing, 0), 0) == 1
    finally:
        store.close()


async def test_the_rule_page_shows_its_moved_date_and_a_later_document_setting_one(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    config = write_config(fake_fr, receiver)
    fake_fr.documents = [synthetic_document("2026-90001", "Sunshine Act Meetings", publication_date="2026-03-01")]
    await step(config, "2026-03-01 09:00")
    fake_fr.add(ai_rule())
    await step(config, "2026-03-02 09:00")
    fake_fr.add(ai_rule(comments_close_on="2026-04-15"))
    extension = synthetic_document(
        "2026-90300",
        "Export Controls on Model Weights; Extension of Comment Period",
        action="Proposed rule; extension of comment period.",
        type="Proposed Rule",
        publication_date="2026-03-20",
        comments_close_on="2026-05-01",
        regulation_id_numbers=["0694-AJ99"],
    )
    fake_fr.add(extension)
    await step(config, "2026-03-20 09:00")
    assert sorted(titles(receiver)[1:]) == [  # the extension, followed by its RIN, and the rule's own change
        "Published: Export Controls on Model Weights; Extension of Comment Period",
        "Updated: Export Controls on Artificial Intelligence Model Weights",
    ]

    app = App(load_settings(config), clock=lambda: at("2026-03-21 10:00"))
    client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.get("/documents/2026-90100")
        page = await response.text()
    finally:
        await client.close()
        await app.close()
    assert response.status == 200
    assert "<strong>Comments close moved</strong> from 2026-04-01 to 2026-04-15; seen 2026-03-20" in page
    assert (
        "<strong>Comments close 2026-05-01</strong> set by a later document under RIN 0694-AJ99: "
        '<a href="/documents/2026-90300">2026-90300</a> Proposed rule; extension of comment period. '
        "(published 2026-03-20)"
    ) in page

    await step(config, "2026-04-08 08:30")  # the rule's own reminder names the later document's date
    reminder = receiver.received[-1]["message"]
    assert "Reminder: Comments close 2026-04-15 (extended from 2026-04-01), in 7 days" in reminder
    assert "Set later: 2026-05-01 by 2026-90300, Proposed rule; extension of comment period." in reminder
    await step(config, "2026-04-24 08:30")  # the extension's own reminder: nothing set after it
    assert "Reminder: Comments close 2026-05-01, in 7 days" in receiver.received[-1]["message"]
    assert "Set later" not in receiver.received[-1]["message"]


async def test_documents_by_number_found_and_not_found(fake_fr: FakeFederalRegister, write_config):
    """Several numbers in one request answer {count, results, errors: {not_found}}; one number answers the document
    itself, or 404."""
    fake_fr.add(ai_rule())
    app = App(load_settings(write_config(fake_fr)))
    try:
        api = app.federal_register_api()
        found, missing = await api.fetch_numbers(["2026-90100", "2026-99999"])
        assert [d.number for d in found] == ["2026-90100"] and missing == ["2026-99999"]
        assert found[0].comments_close_on == date(2026, 4, 1) and found[0].regulation_id_numbers == ("0694-AJ99",)
        assert await api.fetch_numbers(["2026-99999"]) == ([], ["2026-99999"])
        (one,), none = await api.fetch_numbers(["2026-90100"])
        assert one == found[0] and none == []
        assert by_number(fake_fr) == [["2026-90100", "2026-99999"], ["2026-99999"], ["2026-90100"]]
    finally:
        await app.close()


def test_a_document_read_by_number_is_the_document_the_search_gave():
    """Real captures: 2024-31396 from a search, from documents/{number}.json and from a request for several numbers
    (one unknown) parse to the same content, so reading a watched document again never alerts by itself; a request
    whose numbers are all unknown finds nothing."""
    searched = next(
        r
        for r in load_fixture("search_all_fields_epa_rules_page1.json")["results"]
        if r["document_number"] == "2024-31396"
    )
    (several,) = parse_documents_by_number(load_fixture("documents_multi_with_not_found.json"), several=True)
    (one,) = parse_documents_by_number(load_fixture("document_2024-31396.json"), several=False)
    assert several.content_hash() == one.content_hash() == parse_document(searched).content_hash()
    assert parse_documents_by_number(load_fixture("multi_all_not_found.json"), several=True) == []
