"""When each source checks next and why: back-off after failed polls, filing hours, the issue window, conditional
requests and the byte budget. Driven by the service's injectable clock: nothing here waits for real time."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from monitor.app import App
from monitor.core.schedule import (
    BUDGET_REASON,
    FIRST_RETRY,
    ISSUE_WINDOW,
    ByteBudget,
    Check,
    documents_check,
    next_retry,
    public_inspection_check,
    reference_downloads,
)
from monitor.service import next_check, poll_forever
from monitor.settings.loading import load_settings
from monitor.sources.http import SourceError
from monitor.store.store import Store
from tests.kit.clock import at
from tests.kit.fakes import ai_diffusion_rule, pi_document, synthetic_document


class FlakySource:
    """A source with the eCFR's 6-hour interval that fails its first `failures` polls."""

    name = "flaky"
    interval = 21600.0

    def __init__(self, failures: int, retry_after: float | None = None) -> None:
        self.failures = failures
        self.retry_after = retry_after
        self.polled_at: list[float] = []
        self.clock: Any = None

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Any]:
        self.polled_at.append(now.timestamp())
        if len(self.polled_at) <= self.failures:
            raise SourceError("flaky: request to upstream failed: refused", "network", self.retry_after)
        return []

    def next_interval(self, now: datetime) -> float:
        return self.interval


class FakeTime:
    """The app's clock, moved by the service's own waits: each wait returns at once, the clock that much later."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def waiter(self, polls: int, source: FlakySource | None = None):  # type: ignore[no-untyped-def]
        async def wait(stop: asyncio.Event, seconds: float) -> None:
            self.waits.append(seconds)
            self.now += seconds
            if len(source.polled_at if source else self.waits) >= polls:
                stop.set()

        return wait


async def run_polls(app: App, clock: FakeTime, source: FlakySource, polls: int) -> None:
    stop = asyncio.Event()
    await poll_forever(app, source, stop, wait=clock.waiter(polls, source))


async def test_a_failed_poll_is_retried_soon_then_later_never_past_the_interval(fake_fr, receiver, write_config):
    # The eCFR case from the issue: failed at 09:39 ET, it must not wait until 15:39 for the next try.
    clock = FakeTime(datetime(2026, 11, 25, 14, 39, tzinfo=UTC).timestamp())
    app = App(load_settings(write_config(fake_fr, receiver)), clock=clock)
    source = FlakySource(failures=12)
    try:
        await run_polls(app, clock, source, polls=14)
        reasons = app.next_reason
    finally:
        await app.close()
    gaps = [later - earlier for earlier, later in pairwise(source.polled_at)]
    # Soon at first, growing (doubling, a little jitter), capped at the interval; after a success, the interval.
    assert FIRST_RETRY <= gaps[0] <= FIRST_RETRY * 1.06
    assert all(b > a for a, b in pairwise(gaps[:11]))
    assert all(g <= source.interval * 1.06 for g in gaps)
    assert gaps[10] >= source.interval and gaps[11] >= source.interval  # capped: 30 s * 2**10 > 6 h
    assert sum(gaps[:6]) < 3600  # six tries within the first hour after the failure
    assert gaps[-1] >= source.interval - 5  # the 13th poll succeeded: back to the interval (give or take jitter)
    assert reasons["flaky"] == "interval"


async def test_the_back_off_is_visible_and_a_retry_after_is_waited_out(fake_fr, receiver, write_config):
    clock = FakeTime(datetime(2026, 11, 25, 14, 39, tzinfo=UTC).timestamp())
    app = App(load_settings(write_config(fake_fr, receiver)), clock=clock)
    source = FlakySource(failures=2, retry_after=600)
    planned: list[tuple[float, str]] = []
    real_planned = app.planned

    def spy(name: str, when: float, reason: str) -> None:
        planned.append((when - clock(), reason))
        real_planned(name, when, reason)

    app.planned = spy  # type: ignore[method-assign]
    try:
        await run_polls(app, clock, source, polls=3)
    finally:
        await app.close()
    assert planned[0][0] >= 600
    assert planned[0][1] == "back-off after 1 failed poll; upstream asked to wait (Retry-After)"
    assert planned[1][1].startswith("back-off after 2 failed polls")


@pytest.mark.parametrize(
    ("failures", "planned", "retry_after", "expected"),
    [
        (1, 21600, None, Check(30, "back-off after 1 failed poll")),
        (2, 21600, None, Check(60, "back-off after 2 failed polls")),
        (5, 21600, None, Check(480, "back-off after 5 failed polls")),
        (20, 21600, None, Check(21600, "back-off after 20 failed polls")),
        (5000, 300, None, Check(300, "back-off after 5000 failed polls")),  # weeks down: no float overflow
        (1, 10, None, Check(10, "back-off after 1 failed poll")),  # never later than the plan
        (1, 60, 120, Check(120, "back-off after 1 failed poll; upstream asked to wait (Retry-After)")),
        (3, 21600, 5, Check(120, "back-off after 3 failed polls")),
    ],
    ids=["first", "second", "fifth", "capped", "weeks down", "short interval", "retry-after", "short retry-after"],
)
def test_next_retry(failures: int, planned: float, retry_after: float | None, expected: Check) -> None:
    assert next_retry(failures, Check(planned, "interval"), retry_after) == expected


def test_next_check_of_a_source_without_a_plan_is_its_interval() -> None:
    now = datetime(2026, 11, 25, 14, 39, tzinfo=UTC)
    assert next_check(FlakySource(0), now) == Check(21600, "interval")
    assert next_check(FlakySource(0), now, failures=1) == Check(30, "back-off after 1 failed poll")


# -- public inspection: conditional checks in filing hours -----------------------------------------------------

PI_ONLY = "[public_inspection]\nenabled = true\ninterval = '1m'\n"
ET_0900 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC).timestamp()  # Wednesday 09:00 ET, a filing day
AT_0900 = ("2026-11-25T08:45:00.000-05:00", "2026-11-25T09:00:00.000-05:00")  # (regular, special) updated at


def pi_source(app: App) -> Any:
    return next(s for s in app.sources if s.name == "public_inspection")


def not_modified(app: App, source: str) -> float:
    return app.metrics.registry.get_sample_value("frmonitor_not_modified_total", {"source": source}) or 0.0


def filing(number: str, title: str) -> dict[str, Any]:
    return pi_document(number, title, "2026-11-25T09:01:00.000-05:00", "2026-11-27", filing_type="special")


async def test_an_unchanged_list_costs_a_304_and_is_not_read(fake_fr, receiver, write_config):
    fake_fr.pi_etag, fake_fr.pi_updated_at = True, AT_0900
    fake_fr.pi_documents = [filing("2026-40001", "Fees for Lumber Inspection")]
    clock = FakeTime(ET_0900)
    app = App(load_settings(write_config(fake_fr, receiver, extra=PI_ONLY)), clock=clock)
    source = pi_source(app)
    try:
        first = await app.poll(source)  # the baseline: read whole
        clock.now += 60
        second = await app.poll(source)
        clock.now += 60
        fake_fr.pi_documents.append(filing("2026-40002", "Controls on Model Weights for Advanced Computing"))
        fake_fr.pi_updated_at = (fake_fr.pi_updated_at[0], "2026-11-25T09:02:00.000-05:00")
        third = await app.poll(source)
        await app.dispatcher.dispatch_due()
        status = app.store.load_source_status("public_inspection")
        counted = not_modified(app, "public_inspection")
        changed_at = app.changed_at["public_inspection"]
        check = source.next_check(datetime.fromtimestamp(clock.now, UTC))
    finally:
        await app.close()
    assert fake_fr.pi_answers == [200, 304, 200]
    assert first.ok and not first.unchanged and first.documents == 1
    assert second.ok and second.unchanged and second.saved is None  # nothing parsed, diffed or evaluated
    assert status is not None and status.last_success_at == ET_0900 + 120 and status.consecutive_failures == 0
    assert third.ok and not third.unchanged and third.saved is not None and third.saved.alerts == 1
    assert [b["title"] for b in receiver.received] == [
        "[ai] On public inspection: Controls on Model Weights for Advanced Computing"
    ]
    assert counted == 1
    assert changed_at == datetime(2026, 11, 25, 14, 2, tzinfo=UTC).timestamp()  # upstream's own word
    assert check == Check(60, "filing hours")


async def test_an_older_list_from_a_cache_never_hides_the_newer_one(fake_fr, receiver, write_config):
    fake_fr.pi_etag, fake_fr.pi_updated_at = True, AT_0900
    old = [filing("2026-40001", "Fees for Lumber Inspection")]
    new = [*old, filing("2026-40002", "Controls on Model Weights for Advanced Computing")]
    clock = FakeTime(ET_0900)
    app = App(load_settings(write_config(fake_fr, receiver, extra=PI_ONLY)), clock=clock)
    source = pi_source(app)
    try:
        # A cache in front that answers with a copy of the 09:00 list and says it is fresh (Age 0).
        fake_fr.pi_documents = old
        await app.poll(source)
        fake_fr.cache.enabled, fake_fr.cache.age = True, 0
        fake_fr.pi_documents = new
        fake_fr.pi_updated_at = (fake_fr.pi_updated_at[0], "2026-11-25T09:02:00.000-05:00")
        await app.poll(source)  # the cache's first sight of it: the new list, read and alerted
        fake_fr.cache.copies = {
            k: (
                200,
                json.dumps(
                    {
                        "count": 1,
                        "results": old,
                        "regular_filings_updated_at": "2026-11-25T08:45:00-05:00",
                        "special_filings_updated_at": "2026-11-25T09:00:00-05:00",
                    }
                ).encode(),
                "application/json",
            )
            for k in fake_fr.cache.copies
        }
        clock.now += 60
        outcome = await app.poll(source)
        on_list = app.store.lifecycle.load_on_list()
        stale = app.metrics.registry.get_sample_value(
            "frmonitor_stale_responses_total", {"source": "public_inspection"}
        )
    finally:
        await app.close()
    # The old copy was recognised by its *_filings_updated_at, asked for again past the cache, and the origin's
    # 304 (the list already read) kept the new list: no false departure of 2026-40002.
    assert outcome.ok and {"2026-40001", "2026-40002"} <= on_list
    assert fake_fr.pi_answers[-1] == 304 and stale == 1


async def test_a_list_that_stays_older_fails_the_poll(fake_fr, receiver, write_config):
    fake_fr.pi_documents = [filing("2026-40001", "Fees for Lumber Inspection")]
    fake_fr.pi_updated_at = ("2026-11-25T08:45:00-05:00", "2026-11-25T09:02:00-05:00")
    clock = FakeTime(ET_0900)
    app = App(load_settings(write_config(fake_fr, receiver, extra=PI_ONLY)), clock=clock)
    source = pi_source(app)
    try:
        await app.poll(source)
        fake_fr.pi_documents = []
        fake_fr.pi_updated_at = ("2026-11-25T08:45:00-05:00", "2026-11-25T09:00:00-05:00")  # older, origin too
        outcome = await app.poll(source)
        on_list = app.store.lifecycle.load_on_list()
    finally:
        await app.close()
    assert not outcome.ok and outcome.reason == "stale" and "older than the list already read" in outcome.error
    assert "2026-40001" in on_list


async def test_full_downloads_never_exceed_the_five_minute_polls_even_when_upstream_ignores_validators(
    fake_fr, receiver, write_config
):
    # The worst case: no ETag, and a list that changes before every check. From 08:00 to 11:00 ET the budget
    # holds downloads to what 5-minute full polls made by then; checks slow down and say why.
    changes = 0

    def changing() -> None:
        nonlocal changes
        changes += 1
        fake_fr.pi_documents.append(filing(f"2026-4{changes:04d}", f"Filing {changes}"))

    fake_fr.pi_before = changing
    start = datetime(2026, 11, 25, 13, 0, tzinfo=UTC).timestamp()  # 08:00 ET
    clock = FakeTime(start)
    app = App(load_settings(write_config(fake_fr, receiver, extra=PI_ONLY)), clock=clock)
    source = pi_source(app)
    reasons: list[str] = []
    real_planned = app.planned

    def spy(name: str, when: float, reason: str) -> None:
        reasons.append(reason)
        real_planned(name, when, reason)

    app.planned = spy  # type: ignore[method-assign]

    async def wait(stop: asyncio.Event, seconds: float) -> None:
        clock.now += seconds
        if clock.now >= start + 3 * 3600:
            stop.set()

    try:
        await poll_forever(app, source, asyncio.Event(), wait=wait)
    finally:
        await app.close()
    allowed = reference_downloads(datetime.fromtimestamp(clock.now, UTC), 3600)
    assert len(fake_fr.pi_answers) <= allowed < 1 + 8 + 3 * 12 + 2  # midnight, quiet hours, 5-minute polls
    assert len(fake_fr.pi_answers) >= allowed - 3  # and it does use them
    assert BUDGET_REASON in reasons


async def test_the_byte_budget_is_kept_across_restarts(fake_fr, receiver, write_config):
    # The same worst case, the service stopped and started again every 30 minutes from 08:00 to 11:00 ET on the
    # same data folder: the day's spending is stored, so no start begins from a fresh budget (each did, and
    # downloaded what the whole day so far allowed), and a start with the budget spent waits before its first
    # check, saying why.
    changes = 0

    def changing() -> None:
        nonlocal changes
        changes += 1
        fake_fr.pi_documents.append(filing(f"2026-4{changes:04d}", f"Filing {changes}"))

    fake_fr.pi_before = changing
    start = datetime(2026, 11, 25, 13, 0, tzinfo=UTC).timestamp()  # 08:00 ET
    clock = FakeTime(start)
    settings = load_settings(write_config(fake_fr, receiver, extra=PI_ONLY))
    first_reasons: list[str] = []
    for run in range(6):
        app = App(settings, clock=clock)
        source = pi_source(app)
        reasons: list[str] = []
        real_planned = app.planned

        def spy(name: str, when: float, reason: str, reasons: list[str] = reasons, real: Any = real_planned) -> None:
            reasons.append(reason)
            real(name, when, reason)

        app.planned = spy  # type: ignore[method-assign]
        stop_at = start + (run + 1) * 1800

        async def wait(stop: asyncio.Event, seconds: float, stop_at: float = stop_at) -> None:
            clock.now = min(clock.now + seconds, stop_at)
            if clock.now >= stop_at:
                stop.set()

        try:
            await poll_forever(app, source, asyncio.Event(), wait=wait)
        finally:
            await app.close()
        first_reasons.append(reasons[0] if reasons else "")
    allowed = reference_downloads(datetime.fromtimestamp(clock.now, UTC), 3600)
    assert len(fake_fr.pi_answers) <= allowed < 1 + 8 + 3 * 12 + 2  # as without restarts
    assert len(fake_fr.pi_answers) >= allowed - 3
    assert BUDGET_REASON in first_reasons[1:]  # a start that found the day's bytes spent waited first
    store = Store.open(settings.data_dir)
    try:
        stored = store.load_budget("public_inspection")
    finally:
        store.close()
    assert stored is not None and stored[0].isoformat() == "2026-11-25"
    assert stored[1] == pytest.approx(len(fake_fr.pi_answers))  # a 200 without an ETag: one whole list each


@pytest.mark.parametrize(
    ("when", "spent", "expected"),
    [
        ("2026-11-25 09:00", 0, 0.0),  # a fresh day: fits
        ("2026-11-25 09:00", 20, 0.0),  # 1 + 8 quiet hours + 12 five-minute polls = 21 lists by 09:00
        ("2026-11-25 09:00", 21, 300.0),  # the next would be one over: one five-minute step
        ("2026-11-28 09:00", 10, 3600.0),  # Saturday: quiet all day, 1 + 9 lists by 09:00
    ],
    ids=["fresh", "at the limit", "one over", "weekend"],
)
def test_byte_budget(when: str, spent: float, expected: float) -> None:
    now = datetime.fromtimestamp(at(when), UTC)
    budget = ByteBudget(3600.0)
    budget.spend(now, spent)
    assert budget.wait(now) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-11-25 09:00", Check(60, "filing hours")),
        ("2026-11-25 22:00", Check(3600, "quiet (night, weekend or holiday)")),
        ("2026-11-27 07:30", Check(1800, "quiet until the filing day opens")),
        ("2026-11-26 12:00", Check(3600, "quiet (night, weekend or holiday)")),  # Thanksgiving
    ],
)
@pytest.mark.usefixtures("machine_tz")
def test_public_inspection_check(when: str, expected: Check) -> None:
    assert public_inspection_check(datetime.fromtimestamp(at(when), UTC), 60, 3600) == expected


# -- the documents search around the daily issue ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "seen", "expected"),
    [
        ("2026-11-25 05:50", False, Check(120, "issue window: today's issue not seen yet")),
        ("2026-11-25 06:10", True, Check(900, "interval")),
        ("2026-11-25 05:40", False, Check(300, "until the issue window opens")),
        ("2026-11-25 09:10", False, Check(900, "interval")),
        ("2026-11-28 06:00", False, Check(900, "interval")),  # Saturday: no issue
    ],
    ids=["waiting", "seen", "before", "after", "weekend"],
)
def test_documents_check(when: str, seen: bool, expected: Check) -> None:
    now = datetime.fromtimestamp(at(when), UTC)
    assert documents_check(now, 900, 120, ISSUE_WINDOW, seen) == expected


async def test_the_daily_issue_is_read_within_one_check_of_going_out(fake_fr, receiver, write_config):
    extra = "[public_inspection]\nenabled = false\n"
    config = write_config(fake_fr, receiver, extra=extra)
    config.write_text(config.read_text().replace('interval = "1s"', 'interval = "15m"'))
    clock = FakeTime(datetime(2026, 11, 25, 10, 46, tzinfo=UTC).timestamp())  # 05:46 ET
    app = App(load_settings(config), clock=clock)
    source = next(s for s in app.sources if s.name == "federal_register")
    plans = []
    try:
        await app.poll(source)  # the baseline, read whole
        plans.append(source.next_check(datetime.fromtimestamp(clock.now, UTC)))
        fake_fr.requests.clear()
        clock.now += 120
        waiting = await app.poll(source)  # not out yet: a two-line question
        probe = list(fake_fr.requests)
        fake_fr.add(ai_diffusion_rule() | {"publication_date": "2026-11-25", "document_number": "2026-22001"})
        clock.now += 120
        out = await app.poll(source)
        await app.dispatcher.dispatch_due()
        plans.append(source.next_check(datetime.fromtimestamp(clock.now, UTC)))
    finally:
        await app.close()
    assert plans[0] == Check(120, "issue window: today's issue not seen yet")
    assert waiting.ok and waiting.unchanged
    assert len(probe) == 1 and probe[0]["conditions[publication_date][is]"] == ["2026-11-25"]
    assert probe[0]["per_page"] == ["2"]
    assert out.ok and not out.unchanged and out.saved is not None and out.saved.alerts == 1
    assert len(receiver.received) == 1
    assert plans[1] == Check(900, "interval")


# -- the schedule, visible -------------------------------------------------------------------------------------


async def test_the_console_and_status_say_when_each_source_checks_next_and_why(
    fake_fr, receiver, write_config, monkeypatch, capsys
):
    from aiohttp.test_utils import TestClient, TestServer

    import monitor.cli.status
    from monitor.cli.status import show_status
    from monitor.web import build_web_app

    fake_fr.pi_etag, fake_fr.pi_updated_at = True, AT_0900
    fake_fr.pi_documents = [filing("2026-40001", "Fees for Lumber Inspection")]
    settings = load_settings(write_config(fake_fr, receiver, extra=PI_ONLY))
    clock = FakeTime(ET_0900)
    app = App(settings, clock=clock)
    source = pi_source(app)
    client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1"))
    await client.start_server()
    try:
        await poll_forever(app, source, asyncio.Event(), wait=clock.waiter(2))
        page = await (await client.get("/")).text()
    finally:
        await client.close()
        await app.close()
    assert "Next check" in page and "(filing hours)" in page
    assert "2026-11-25 09:00" in page  # upstream changed: its special filings at 09:00 ET
    monkeypatch.setattr(monitor.cli.status, "service_running", lambda _: True)
    assert show_status(settings) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("public_inspection"))
    assert "(filing hours)" in line and line.rstrip().endswith("2026-11-25 09:00 ET")  # upstream changed
    assert "NEXT CHECK" in out and "UPSTREAM CHANGED" in out


@pytest.mark.parametrize(
    ("when", "pi", "fr"),
    [
        ("2026-11-25 09:00", ("1m", "filing hours"), ("15m", "interval")),
        (
            "2026-11-25 07:30",
            ("30m", "quiet until the filing day opens"),
            ("2m", "issue window: today's issue not seen yet"),
        ),
        ("2026-11-28 12:00", ("1h", "quiet (night, weekend or holiday)"), ("15m", "interval")),
    ],
    ids=["filing hours", "issue window", "weekend"],
)
def test_check_config_says_how_each_source_is_scheduled(when: str, pi: tuple[str, str], fr: tuple[str, str]) -> None:
    from monitor.summary import format_summary, summarise

    summary = summarise(load_settings(), datetime.fromtimestamp(at(when), UTC))
    by_name = {s["name"]: s["next"] for s in summary["sources"]}
    assert (by_name["public_inspection"]["in"], by_name["public_inspection"]["why"]) == pi
    assert (by_name["federal_register"]["in"], by_name["federal_register"]["why"]) == fr
    assert f"right now: {pi[0]} between checks ({pi[1]})" in format_summary(summary)


@pytest.mark.parametrize(
    "value",
    ["8-18", "18:30-08:00", "08:00", "25:00-26:00", "08:00-08:00"],
    ids=["no minutes", "backwards", "one time", "not a time", "empty"],
)
def test_hours_are_validated(tmp_path, value: str) -> None:
    from monitor.settings.loading import ConfigError

    config = tmp_path / "c.toml"
    config.write_text(f'[public_inspection]\nfiling_hours = "{value}"\n[federal_register]\nissue_window = "{value}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    text = "\n".join(caught.value.problems)
    assert "public_inspection.filing_hours" in text and "federal_register.issue_window" in text


async def test_behind_a_cache_of_old_copies_checks_go_past_it_and_still_cost_a_304(fake_fr, receiver, write_config):
    fake_fr.pi_etag, fake_fr.pi_updated_at = True, AT_0900
    fake_fr.pi_documents = [filing("2026-40001", "Fees for Lumber Inspection")]
    fake_fr.cache.enabled = True  # answers a URL it has seen with its copy, Age 6000 s
    clock = FakeTime(ET_0900)
    app = App(load_settings(write_config(fake_fr, receiver, extra=PI_ONLY)), clock=clock)
    source = pi_source(app)
    try:
        outcomes = []
        for _ in range(4):
            outcomes.append(await app.poll(source))
            clock.now += 60
    finally:
        await app.close()
    # The first answer fills the cache; the second is its old copy, so the origin is asked (conditionally: 304);
    # from then on checks go straight past the cache, and the origin's 304s cost nothing.
    assert fake_fr.cache.hits == 1
    assert fake_fr.pi_answers == [200, 304, 304, 304]
    assert all(o.ok for o in outcomes) and [o.unchanged for o in outcomes] == [False, True, True, True]


async def test_a_text_held_unread_is_read_again_even_when_the_check_finds_nothing_new(fake_fr, receiver, write_config):
    # In the issue window, a check between two full reads asks only whether today's issue is out. A document held
    # for a full text that could not be read is still read again on that check, not a full read later.
    number = "2026-22002"
    order = synthetic_document(
        number,
        "Executive Order on Federal Procurement",
        type="Presidential Document",
        publication_date="2026-11-24",
        raw_text_url=f"https://www.federalregister.gov/documents/full_text/text/2026/11/24/{number}.txt",
    )
    fake_fr.documents = []
    fake_fr.full_texts = {number: "Sec. 2. Agencies shall buy artificial intelligence systems that are safe."}
    config = write_config(fake_fr, receiver, extra='full_text = "always"\n')
    config.write_text(config.read_text().replace('interval = "1s"', 'interval = "15m"'))
    clock = FakeTime(datetime(2026, 11, 25, 10, 30, tzinfo=UTC).timestamp())  # 05:30 ET
    app = App(load_settings(config), clock=clock)
    source = next(s for s in app.sources if s.name == "federal_register")
    try:
        await app.poll(source)  # the baseline, nothing published
        clock.now += 900  # 05:45: the issue window, a full read (the last was 15 minutes ago)
        fake_fr.documents, fake_fr.full_text_mode = [order], "status:503"
        held = await app.poll(source)
        await app.dispatcher.dispatch_due()
        alerted_while_held = len(receiver.received)
        clock.now += 120  # 05:47: today's issue is not out; the check would find nothing new
        fake_fr.full_text_mode = "ok"
        fake_fr.requests.clear()
        again = await app.poll(source)
        await app.dispatcher.dispatch_due()
        asked = list(fake_fr.requests)
        left = app.store.unread.load_unread(["federal_register"])
    finally:
        await app.close()
    assert held.ok and alerted_while_held == 0
    assert [q.get("conditions[publication_date][is]") for q in asked] == [["2026-11-25"]]  # only the small query
    assert again.ok and not again.unchanged
    assert [b["title"] for b in receiver.received] == ["[ai] Published: Executive Order on Federal Procurement"]
    assert left == []


class BrokenPlanSource(FlakySource):
    """Polls fine, but planning its next check raises the first `broken` times (a bug in a schedule)."""

    def __init__(self, broken: int) -> None:
        super().__init__(failures=0)
        self.broken = broken

    def next_interval(self, now: datetime) -> float:
        if self.broken:
            self.broken -= 1
            raise ValueError("schedule bug")
        return self.interval


async def test_a_bug_in_planning_the_next_check_is_counted_and_the_source_polls_on(fake_fr, receiver, write_config):
    clock = FakeTime(datetime(2026, 11, 25, 14, 39, tzinfo=UTC).timestamp())
    app = App(load_settings(write_config(fake_fr, receiver)), clock=clock)
    source = BrokenPlanSource(broken=2)
    try:
        await run_polls(app, clock, source, polls=4)
        failing_while_broken = app.loops.failing()
        loop_errors = app.metrics.loop_errors.labels("flaky schedule")._value.get()
    finally:
        await app.close()
    assert len(source.polled_at) == 4  # it did not go quiet
    gaps = [later - earlier for earlier, later in pairwise(source.polled_at)]
    assert gaps[0] < gaps[1] <= 300 and gaps[2] >= source.interval  # a short pause, growing; then its plan again
    assert loop_errors == 2
    assert failing_while_broken == []  # the loop recovered: no longer named by /readyz


async def test_a_failure_after_a_poll_is_counted_and_the_source_polls_on(fake_fr, receiver, write_config):
    """What follows a poll (storing it, its metrics, the ops target) failing, say on a store that takes no write
    for a moment, must not end the source's loop: it is counted, named and the source polled again."""
    clock = FakeTime(datetime(2026, 11, 25, 14, 39, tzinfo=UTC).timestamp())
    app = App(load_settings(write_config(fake_fr, receiver)), clock=clock)
    source = FlakySource(failures=0)
    after_poll = app.operations.after_poll
    broken = [2]

    async def after_poll_failing_twice(polled: Any, outcome: Any) -> None:
        if broken[0]:
            broken[0] -= 1
            raise sqlite3.OperationalError("database is locked")
        await after_poll(polled, outcome)

    app.operations.after_poll = after_poll_failing_twice  # type: ignore[method-assign]
    try:
        await run_polls(app, clock, source, polls=4)
        errors = app.metrics.loop_errors.labels("flaky after poll")._value.get()
        failing_after = app.loops.failing()
    finally:
        await app.close()
    assert len(source.polled_at) == 4  # it did not go quiet
    gaps = [later - earlier for earlier, later in pairwise(source.polled_at)]
    assert gaps[0] < source.interval and gaps[-1] >= source.interval - 5  # tried again soon; then its interval
    assert errors == 2
    assert failing_after == []  # recovered: no longer named by /readyz
