"""Catch-up after downtime: a poll reaches back to the day before its last success (at most max_catch_up_days),
what it finds alerts like any poll, and dates past the limit are told to the ops target with the backfill
command that covers them."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from monitor.app import App
from monitor.core.clock import CatchUp, catch_up_window
from monitor.settings.loading import ConfigError, load_settings
from tests.kit.clock import Clock
from tests.kit.fakes import FakeFederalRegister, Receiver, offline, pi_document, synthetic_document

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 ET, Wednesday 2026-11-18
D = date(2026, 11, 18)

WINDOWS = [
    ("first poll: the lookback", None, 3, 90, CatchUp(D - timedelta(days=2), D)),
    ("polled an hour ago", NOW - timedelta(hours=1), 3, 90, CatchUp(D - timedelta(days=2), D)),
    ("down for six weeks", NOW - timedelta(days=42), 3, 90, CatchUp(D - timedelta(days=43), D)),
    ("a longer lookback wins", NOW - timedelta(days=5), 30, 90, CatchUp(D - timedelta(days=29), D)),
    (
        "down past the limit",
        NOW - timedelta(days=120),
        3,
        90,
        CatchUp(D - timedelta(days=89), D, (D - timedelta(days=121), D - timedelta(days=90))),
    ),
    # 2026-11-18 03:00 UTC is still the 17th in Washington: the day before that is the 16th.
    (
        "last success on an Eastern date",
        datetime(2026, 11, 18, 3, 0, tzinfo=UTC),
        1,
        90,
        CatchUp(date(2026, 11, 16), D),
    ),
]


@pytest.mark.parametrize(
    ("last_success", "lookback", "limit", "expected"), [w[1:] for w in WINDOWS], ids=[w[0] for w in WINDOWS]
)
def test_catch_up_window(last_success: datetime | None, lookback: int, limit: int, expected: CatchUp) -> None:
    assert catch_up_window(NOW, lookback, last_success, limit) == expected


@pytest.mark.parametrize(("value", "ok"), [(1, True), (365, True), (0, False), (366, False)])
def test_lookback_days_range(tmp_path: Path, value: int, ok: bool) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f"[federal_register]\nlookback_days = {value}\n")
    if ok:
        assert load_settings(config).federal_register.lookback_days == value
    else:
        with pytest.raises(ConfigError, match=r"federal_register\.lookback_days"):
            load_settings(config)


TYPES = ["Rule", "Proposed Rule", "Notice", "Presidential Document"]


def daily_volume(first: date, days: int, per_day: int, seed: int = 3) -> list[dict[str, object]]:
    """About `per_day` routine documents a day, of every type, none about AI."""
    rng = random.Random(seed)
    documents: list[dict[str, object]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for i in range(per_day):
            documents.append(
                synthetic_document(
                    f"{day.year}-{day.timetuple().tm_yday:03d}{i:02d}",
                    f"Routine {rng.choice(['fisheries', 'airworthiness', 'air plan', 'tariff'])} matter {i}",
                    type=rng.choice(TYPES),
                    publication_date=day.isoformat(),
                )
            )
    return documents


def config_for(tmp_path: Path, fr: FakeFederalRegister, receiver: Receiver, extra: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n'
            f'[federal_register]\nbase_url = "{fr.base_url}"\nper_page = 1000\nrequests_per_second = 50\n{extra}'
            f'[public_inspection]\nenabled = true\n[targets.hook]\nurl = "{receiver.url()}"\n'
            f'[targets.ops]\nurl = "{receiver.url("ops")}"\n'
            "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\nnotify = ['hook']\n"
        )
    )
    return path


async def test_six_weeks_down_then_every_document_published_meanwhile_alerts(fake_fr, receiver, tmp_path):
    fake_fr.filter_dates = True
    start = datetime(2026, 10, 7, 14, 0, tzinfo=UTC)  # Wednesday 10:00 ET
    clock = Clock(start.timestamp())
    fake_fr.documents = daily_volume(date(2026, 10, 5), 3, 100)
    config = config_for(tmp_path, fake_fr, receiver)

    async def run_once_at(when: datetime) -> App:
        clock.now = when.timestamp()
        app = App(load_settings(config), clock=clock)
        try:
            await app.run_once()
        finally:
            await app.close()
        return app

    await run_once_at(start)  # baseline of both sources
    filed = pi_document(
        "2026-21001", "Artificial Intelligence Model Reporting", "2026-10-07T11:15:00.000-04:00", "2026-10-09"
    )
    fake_fr.pi_documents = [filed]
    await run_once_at(start + timedelta(hours=1))
    assert [b["title"] for b in receiver.received] == [
        "[ai] On public inspection: Artificial Intelligence Model Reporting"
    ]

    # The service is down for six weeks. Meanwhile about 100 documents a day are published, four of them about AI
    # (one is the filing above), and the public inspection list moves on.
    fake_fr.documents += daily_volume(date(2026, 10, 8), 42, 100, seed=4)
    ai_days = [date(2026, 10, 9), date(2026, 10, 20), date(2026, 11, 2), date(2026, 11, 16)]
    numbers = ["2026-21001", "2026-22002", "2026-23003", "2026-24004"]
    for number, day in zip(numbers, ai_days, strict=True):
        title = (
            "Artificial Intelligence Model Reporting"
            if number == filed["document_number"]
            else f"Artificial Intelligence rule {number}"
        )
        fake_fr.add(synthetic_document(number, title, publication_date=day.isoformat()))
    fake_fr.pi_documents = []
    before = len(fake_fr.requests)
    started = time.perf_counter()
    await run_once_at(start + timedelta(days=42))
    seconds = time.perf_counter() - started
    requests = len(fake_fr.requests) - before

    alerts = sorted(b["title"] for b in receiver.received[1:])
    assert alerts == [
        "[ai] Published: Artificial Intelligence Model Reporting",
        *(f"[ai] Published: Artificial Intelligence rule {n}" for n in numbers[1:]),
    ]
    reporting = next(b for b in receiver.received[1:] if "Model Reporting" in b["title"])
    assert "On public inspection" in reporting["message"]  # the lead time of the filing seen before the downtime
    print(f"six-week catch-up: {requests} requests, {seconds:.2f} s")
    assert requests <= 12  # two calendar months, three pages each at per_page 1000, plus public inspection


async def test_dates_past_the_limit_are_told_with_the_backfill_command(fake_fr, receiver, tmp_path):
    fake_fr.filter_dates = True
    start = datetime(2026, 10, 7, 14, 0, tzinfo=UTC)
    clock = Clock(start.timestamp())
    config = config_for(tmp_path, fake_fr, receiver, extra="max_catch_up_days = 30\n")
    for offset in (0, 40):
        seen = len(fake_fr.requests)
        clock.now = (start + timedelta(days=offset)).timestamp()
        app = App(load_settings(config), clock=clock)
        try:
            await app.run_once()
        finally:
            await app.close()
    requested = [r["conditions[publication_date][gte]"][0] for r in fake_fr.requests[seen:] if "order" in r]
    assert min(requested) == "2026-10-18"  # 30 days back from 2026-11-16, not the 2026-10-06 a full catch-up wanted
    (ops,) = [b for b in receiver.received if "dates skipped" in b["title"]]
    assert "2026-10-06 to 2026-10-17" in ops["message"]
    assert "fr-monitor backfill --since 2026-10-06 --until 2026-10-17 --send" in ops["message"]
