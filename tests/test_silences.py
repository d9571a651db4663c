"""Silences: each matcher, all of them together, the end of a silence (by time and by hand), a restart in between,
and the CLI adding one while a real service process runs."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path

import pytest

from monitor.cli.silence import login_name
from monitor.core.silence import Silence, SilenceError, end_of_day, parse_silence_duration, silence_end, silencing
from monitor.models import Alert, Document, Match
from monitor.store.history import AlertFilter, History
from monitor.store.store import Store
from tests.kit.clock import Clock
from tests.kit.fakes import FakeFederalRegister, Receiver, start_service, synthetic_document
from tests.kit.service import fr_monitor, run_once

NOW = 1_800_000_000.0

DOC = Document(
    source="federal_register",
    number="2026-01234",
    title="Export Controls on Model Weights of Artificial Intelligence Models",
    abstract="BIS revises its controls on advanced computing items.",
    regulation_id_numbers=("0694-AJ90",),
    docket_ids=("BIS-2025-0001",),
)


def alert(watchlist: str = "ai", document: Document = DOC) -> Alert:
    return Alert(f"published:{document.number}:{watchlist}", "published", watchlist, document, Match(watchlist))


def silence(**matchers: str) -> Silence:
    return Silence(1, "why", "who", NOW - 10, NOW + 3600, **matchers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("matchers", "silenced"),
    [
        ({"watchlist": "ai"}, True),
        ({"watchlist": "other"}, False),
        ({"document": "2026-01234"}, True),
        ({"document": "2026-01235"}, False),
        ({"rin": "0694-aj90"}, True),  # case does not matter
        ({"rin": "0694-AJ91"}, False),
        ({"docket": "bis-2025-0001"}, True),
        ({"docket": "BIS-2025-0002"}, False),
        ({"query": '"model weights" advanced'}, True),
        ({"query": '"model weights" -advanced'}, False),
        ({"watchlist": "ai", "docket": "BIS-2025-0001", "query": "export"}, True),  # all match
        ({"watchlist": "ai", "docket": "BIS-2025-0001", "query": "semiconductor"}, False),  # one does not
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v),
)
def test_each_matcher_and_all_together(matchers: dict[str, str], silenced: bool) -> None:
    assert (silencing([silence(**matchers)], alert(), NOW) is not None) is silenced


def test_a_silence_is_active_from_its_start_until_its_end_or_its_expiry() -> None:
    s = silence(watchlist="ai")
    assert silencing([s], alert(), NOW - 11) is None  # before it was added
    assert silencing([s], alert(), NOW + 3599) is s
    assert silencing([s], alert(), NOW + 3600) is None  # ended
    expired = Silence(1, "why", "who", NOW - 10, NOW + 3600, watchlist="ai", expired_at=NOW)
    assert silencing([expired], alert(), NOW - 1) is expired and silencing([expired], alert(), NOW) is None


@pytest.mark.parametrize(
    ("text", "seconds"), [("30d", 30 * 86400), ("12h", 43200), ("90m", 5400), ("2w", 14 * 86400), (" 1D ", 86400)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_silence_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "0d", "1.5h", "3x", "-1d", "1h30m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(SilenceError, match="not a duration"):
        parse_silence_duration(text)


@pytest.mark.parametrize("text", ["36526d", "100000000w", "99999999999h"])
def test_durations_past_a_hundred_years_are_refused(text: str) -> None:
    with pytest.raises(SilenceError, match="longer than 100 years"):
        parse_silence_duration(text)
    assert parse_silence_duration("36525d") == 36525 * 86400


def test_until_a_hundred_years_ahead_or_more_is_refused() -> None:
    with pytest.raises(SilenceError, match="more than 100 years ahead"):
        silence_end(NOW, None, date(9999, 12, 31))
    assert silence_end(NOW, None, date(2099, 12, 31)) == end_of_day(date(2099, 12, 31))


def test_until_is_the_end_of_that_day_us_eastern() -> None:
    # 2027-01-15 ends at 2027-01-16 00:00 EST = 05:00 UTC; in July, 00:00 EDT = 04:00 UTC
    assert end_of_day(date(2027, 1, 15)) == 1_800_075_600.0
    assert end_of_day(date(2027, 7, 15)) - end_of_day(date(2027, 7, 14)) == 86400
    with pytest.raises(SilenceError, match="has passed"):
        silence_end(end_of_day(date(2027, 1, 15)), None, date(2027, 1, 15))
    with pytest.raises(SilenceError, match="--for DURATION"):
        silence_end(NOW, None, None)


async def test_silence_until_it_ends_across_a_restart(fake_fr: FakeFederalRegister, receiver: Receiver, write_config):
    """A silence added from the CLI holds back the matching alert (stored, shown as silenced, never delivered),
    lets others through, survives a restart, and once it has ended the next matching alert is delivered."""
    config = write_config(fake_fr, receiver)
    clock = Clock(time.time())
    await run_once(config, clock)  # the baseline
    code, out, err = await fr_monitor(
        "silence",
        "add",
        "--docket",
        "BIS-2025-0001",
        "--for",
        "2h",
        "--comment",
        "legal tracks it",
        "--config",
        str(config),
    )
    assert code == 0 and out.startswith("silence 1 added: docket=BIS-2025-0001, until "), err
    clock.now += 60
    fake_fr.add(synthetic_document("2026-60001", "Artificial Intelligence rule", docket_ids=["BIS-2025-0001"]))
    fake_fr.add(synthetic_document("2026-60002", "Artificial Intelligence notice", docket_ids=["BIS-2025-0002"]))
    await run_once(config, clock)  # each run_once is a new App on the same folder: a restart
    assert [r["title"] for r in receiver.received] == ["[ai] Published: Artificial Intelligence notice"]

    code, out, _ = await fr_monitor("alerts", "--json", "--config", str(config))
    rows = {r["document_number"]: r for r in json.loads(out)}
    assert rows["2026-60001"]["silenced"] is True and rows["2026-60001"]["silence_id"] == 1
    assert rows["2026-60001"]["deliveries"] == []
    assert rows["2026-60002"]["silenced"] is False and rows["2026-60002"]["silence_id"] is None
    code, out, _ = await fr_monitor("alerts", "--config", str(config))
    assert "silenced by silence 1, delivered to no target" in out

    clock.now += 3 * 3600  # the silence has ended
    fake_fr.add(synthetic_document("2026-60003", "Artificial Intelligence rule two", docket_ids=["BIS-2025-0001"]))
    await run_once(config, clock)
    assert receiver.received[-1]["title"] == "[ai] Published: Artificial Intelligence rule two"
    assert len(receiver.received) == 2

    store = Store.open_existing(Path(config.parent / "data"))
    try:
        (s,) = store.silences.load_silences()
        assert (s.silenced, s.comment, s.docket) == (1, "legal tracks it", "BIS-2025-0001")
        feedless = History(store).alerts(AlertFilter(silenced=False)).alerts
        assert [a.document_number for a in feedless] == ["2026-60003", "2026-60002"]
    finally:
        store.close()


async def test_expire_by_hand_and_list(fake_fr: FakeFederalRegister, receiver: Receiver, write_config):
    config = write_config(fake_fr, receiver)
    clock = Clock(time.time())
    await run_once(config, clock)
    cli = ("--config", str(config))
    assert (await fr_monitor("silence", "add", "--watchlist", "ai", "--for", "30d", "--comment", "noisy", *cli))[0] == 0
    code, out, _ = await fr_monitor(
        "silence", "add", "--rin", "0694-AJ90", "--until", "2099-12-31", "--comment", "c", "--author", "alice", *cli
    )
    assert code == 0 and "until 2100-01-01 00:00 ET" in out
    code, out, _ = await fr_monitor("silence", "expire", "1", "--author", "bob", *cli)
    assert code == 0 and out.startswith("silence 1 expired: watchlist=ai")
    clock.now += 60
    fake_fr.add(synthetic_document("2026-60004", "Artificial Intelligence rule"))
    await run_once(config, clock)
    assert len(receiver.received) == 1  # expired: delivered
    code, out, _ = await fr_monitor("silence", "list", "--json", *cli)
    listed = json.loads(out)
    assert [(s["id"], s["active"], s["author"]) for s in listed] == [(2, True, "alice"), (1, False, login_name())]
    assert listed[1]["expired_by"] == "bob" and listed[1]["comment"] == "noisy" and listed[1]["silenced"] == 0
    code, out, _ = await fr_monitor("silence", "list", *cli)
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATE", "MATCHES", "UNTIL", "BY", "SILENCED", "WHY"]
    assert lines[1].split()[:3] == ["2", "active", "rin=0694-AJ90"] and "expired" in lines[2] and "by bob" in lines[2]


async def test_check_config_counts_the_silences_and_names_each_watchlists_urgent_conditions(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    """check-config shows how many silences the data folder holds (read, never written) and what makes each
    watchlist's alerts urgent."""
    config = write_config(fake_fr, receiver, extra='urgent = ["significant", "interim_final"]\n')
    cli = ("--config", str(config))
    code, out, err = await fr_monitor("check-config", *cli)
    assert code == 0, err
    assert "silences: none (no database in data_dir yet)" in out
    assert "    urgent: significant, interim_final" in out
    assert not (config.parent / "data").exists()  # check-config made no database to count in
    await run_once(config)
    for matcher in ("--watchlist", "--docket"):
        assert (await fr_monitor("silence", "add", matcher, "ai", "--for", "1d", "--comment", "c", *cli))[0] == 0
    assert (await fr_monitor("silence", "expire", "1", *cli))[0] == 0
    code, out, err = await fr_monitor("check-config", *cli)
    assert code == 0 and "silences: 1 active, 2 in all (`fr-monitor silence list`)" in out, err
    code, out, err = await fr_monitor("check-config", "--json", *cli)
    summary = json.loads(out)
    assert summary["silences"] == {"active": 1, "total": 2}
    assert [w["urgent"] for w in summary["watchlists"]] == [["significant", "interim_final"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "--for", "1d", "--comment", "c"], "say what to silence"),
        (["add", "--docket", "X", "--for", "1d"], "--comment TEXT is required"),
        (["add", "--docket", "X", "--for", "1y", "--comment", "c"], "'1y' is not a duration"),
        (["add", "--docket", "X", "--comment", "c"], "--for DURATION (like 30d) or --until"),
        (["add", "--docket", "X", "--until", "2001-01-01", "--comment", "c"], "has passed already"),
        (["add", "--query", "(ai", "--for", "1d", "--comment", "c"], "--query: unbalanced parenthesis"),
        (["add", "--watchlist", "nope", "--for", "1d", "--comment", "c"], "no watchlist named 'nope'"),
        (["expire", "42"], "no silence with id 42"),
        (["expire", "99999999999999999999"], "is not a silence id"),
        (["add", "--docket", "X", "--for", "100000000w", "--comment", "c"], "longer than 100 years"),
        (["add", "--docket", "X", "--until", "9999-12-31", "--comment", "c"], "more than 100 years ahead"),
    ],
)
async def test_bad_input_is_one_line_and_exit_2(fake_fr, write_config, args: list[str], message: str):
    config = write_config(fake_fr)
    await run_once(config)
    code, _, err = await fr_monitor("silence", *args, "--config", str(config))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


async def test_the_cli_silences_while_the_service_runs(fake_fr: FakeFederalRegister, receiver: Receiver, write_config):
    """Two processes: the service polls every second; `silence add` (another process) counts from the next alert
    it queues, with no reload."""
    config = write_config(fake_fr, receiver)
    cli = ("--config", str(config))
    assert (await fr_monitor("run", "--once", *cli))[0] == 0  # the silent baseline
    fake_fr.add(synthetic_document("2026-61001", "Artificial Intelligence first"))
    proc = await start_service("run", *cli)
    try:
        await receiver.wait_for(1, 30)  # the service is at work
        assert [r["title"] for r in receiver.received] == ["[ai] Published: Artificial Intelligence first"]
        code, out, err = await fr_monitor(
            "silence", "add", "--rin", "0694-AJ90", "--for", "1h", "--comment", "while it runs", *cli
        )
        assert code == 0 and "no service is running" not in out, (out, err)
        # Both in the next poll, so when the second is heard the first was decided in the same transaction.
        quiet = synthetic_document("2026-61002", "Artificial Intelligence quiet", regulation_id_numbers=["0694-AJ90"])
        fake_fr.add(quiet)
        fake_fr.add(synthetic_document("2026-61003", "Artificial Intelligence heard"))
        await receiver.wait_for(2, 30)
        assert [r["title"] for r in receiver.received][1:] == ["[ai] Published: Artificial Intelligence heard"]
        code, out, _ = await fr_monitor("alerts", "--json", *cli)
        by_number = {r["document_number"]: r["silence_id"] for r in json.loads(out)}
        assert by_number == {"2026-61001": None, "2026-61002": 1, "2026-61003": None}
        code, out, _ = await fr_monitor("silence", "list", "--json", *cli)
        assert json.loads(out)[0]["silenced"] == 1
    finally:
        proc.terminate()
        await proc.wait()


async def test_console_lists_silences_marks_silenced_alerts_and_the_feed_leaves_them_out(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    from aiohttp.test_utils import TestClient, TestServer

    from monitor.app import App
    from monitor.settings.loading import load_settings
    from monitor.web import build_web_app

    async def get(path: str) -> str:
        response = await client.get(path)
        assert response.status == 200, path
        return await response.text()

    config = write_config(fake_fr, receiver)
    clock = Clock(time.time())
    await run_once(config, clock)
    store = Store.open_existing(config.parent / "data")
    try:
        store.silences.save_silence(
            {"docket": "BIS-2025-0001"}, "legal <b>tracks</b> it", "alice", clock.now, clock.now + 3600
        )
        old = store.silences.save_silence(
            {"document": "2026-00001"}, "old news", "bob", clock.now - 7200, clock.now - 3600
        )
    finally:
        store.close()
    clock.now += 60
    fake_fr.add(synthetic_document("2026-62001", "Artificial Intelligence quiet", docket_ids=["BIS-2025-0001"]))
    fake_fr.add(synthetic_document("2026-62002", "Artificial Intelligence heard"))
    await run_once(config, clock)

    app = App(load_settings(config), clock=clock)
    client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1"))
    await client.start_server()
    try:
        page = await get("/silences")
        assert "1 active, 2 in all" in page
        active, ended = page.index('id="silence-1"'), page.index(f'id="silence-{old.id}"')
        assert active < ended  # active first
        assert "legal &lt;b&gt;tracks&lt;/b&gt; it" in page and "alice" in page and "BIS-2025-0001" in page
        assert '<a href="/alerts?silence=1">1</a>' in page
        listing = await get("/alerts")
        quiet = next(r for r in listing.split("<tr>") if "Artificial Intelligence quiet" in r)
        heard = next(r for r in listing.split("<tr>") if "Artificial Intelligence heard" in r)
        assert "silenced by 1" in quiet and "silenced" not in heard
        quiet_id = re.search(r'href="/alerts/(\d+)"', quiet)
        assert quiet_id is not None
        detail = await get(f"/alerts/{quiet_id[1]}")
        assert "silenced by silence 1</a> stored, and sent to no target" in detail
        only = await get("/alerts?silence=1")
        assert "Artificial Intelligence quiet" in only and "Artificial Intelligence heard" not in only
        feed = await get("/feed.atom")
        assert "Artificial Intelligence heard" in feed and "Artificial Intelligence quiet" not in feed
    finally:
        await client.close()
        await app.close()
