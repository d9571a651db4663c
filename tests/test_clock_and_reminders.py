"""US Eastern dates and reminder times, under several machine time zones, across DST and around midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from monitor.cli.table import eastern
from monitor.core.clock import eastern_today, format_eastern_instant, format_eastern_time, lookback_window
from monitor.core.deadlines import DateMove
from monitor.core.lifecycle import due_reminders
from monitor.core.watchlist import Watchlist
from monitor.models import Document


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.usefixtures("machine_tz")
@pytest.mark.parametrize(
    ("instant", "today"),
    [
        ("2025-01-16 04:59", "2025-01-15"),  # EST midnight is 05:00 UTC
        ("2025-01-16 05:00", "2025-01-16"),
        ("2025-07-16 03:59", "2025-07-15"),  # EDT midnight is 04:00 UTC
        ("2025-07-16 04:00", "2025-07-16"),
        ("2025-03-09 06:59", "2025-03-09"),  # the night DST starts
        ("2025-11-02 04:30", "2025-11-02"),  # the night DST ends (01:30 EDT, the first time)
    ],
)
def test_eastern_today(instant: str, today: str) -> None:
    assert eastern_today(utc(instant)).isoformat() == today


@pytest.mark.usefixtures("machine_tz")
def test_lookback_window_is_eastern() -> None:
    assert lookback_window(utc("2025-01-16 03:00"), 3) == (date(2025, 1, 13), date(2025, 1, 15))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        eastern_today(datetime(2025, 1, 1))


WATCHLIST = Watchlist.build("w", "x", notify=("t",))


def deadline_doc(**dates: date) -> Document:
    return Document(source="federal_register", number="2025-00001", title="T", **dates)  # type: ignore[arg-type]


@pytest.mark.usefixtures("machine_tz")
@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2025-03-09 11:59", ["comments_close_on-2025-03-10-7d"]),  # 07:59 EDT the day before: 1d not yet, 7d is
        ("2025-03-09 12:00", ["comments_close_on-2025-03-10-1d"]),  # 08:00 EDT, the first morning of DST
        ("2025-03-03 12:59", []),  # 07:59 EST, seven days before
        ("2025-03-03 13:00", ["comments_close_on-2025-03-10-7d"]),
        ("2025-03-05 15:00", ["comments_close_on-2025-03-10-7d"]),  # seen late: the nearest due reminder only
        ("2025-03-10 13:00", []),  # the deadline's own day: too late to remind
    ],
)
def test_reminder_times_across_dst(instant: str, expected: list[str]) -> None:
    doc = deadline_doc(comments_close_on=date(2025, 3, 10))
    alerts = due_reminders([(doc, WATCHLIST)], utc(instant), 8, 0, {})
    assert [a.key.rsplit(":", 1)[1] for a in alerts] == expected


def test_only_the_nearest_reminder_when_several_are_due() -> None:
    doc = deadline_doc(effective_on=date(2025, 3, 10))
    (alert,) = due_reminders([(doc, WATCHLIST)], utc("2025-03-09 15:00"), 8, 0, {})
    assert alert.key.endswith("effective_on-2025-03-10-1d")
    assert alert.facts[0].value == "Takes effect 2025-03-10, in 1 day"


def test_watchlist_without_deadline_events_gets_no_reminders() -> None:
    watchlist = Watchlist.build("w", "x", events=["published"])
    doc = deadline_doc(effective_on=date(2025, 3, 10))
    assert due_reminders([(doc, watchlist)], utc("2025-03-09 15:00"), 8, 0, {}) == []


def test_a_moved_date_is_a_new_reminder_that_says_where_it_moved_from() -> None:
    before = deadline_doc(comments_close_on=date(2025, 3, 10))
    after = deadline_doc(comments_close_on=date(2025, 4, 10))
    (old,) = due_reminders([(before, WATCHLIST)], utc("2025-03-03 15:00"), 8, 0, {})
    moves = {
        ("2025-00001", "comments_close_on"): DateMove(
            "2025-00001", "comments_close_on", date(2025, 3, 10), date(2025, 4, 10)
        )
    }
    (new,) = due_reminders([(after, WATCHLIST)], utc("2025-04-03 15:00"), 8, 0, moves)
    assert old.key != new.key
    assert new.key.endswith(":comments_close_on-2025-04-10-7d")
    assert new.facts[0].value == "Comments close 2025-04-10 (extended from 2025-03-10), in 7 days"
    earlier = {
        ("2025-00001", "comments_close_on"): DateMove(
            "2025-00001", "comments_close_on", date(2025, 5, 1), date(2025, 4, 10)
        )
    }
    (sooner,) = due_reminders([(after, WATCHLIST)], utc("2025-04-03 15:00"), 8, 0, earlier)
    assert sooner.facts[0].value == "Comments close 2025-04-10 (moved from 2025-05-01), in 7 days"
    stale = {
        ("2025-00001", "comments_close_on"): DateMove(
            "2025-00001", "comments_close_on", date(2025, 4, 10), date(2025, 5, 1)
        )
    }
    (unmoved,) = due_reminders([(after, WATCHLIST)], utc("2025-04-03 15:00"), 8, 0, stale)  # a move it has undone
    assert unmoved.facts[0].value == "Comments close 2025-04-10, in 7 days"


@pytest.mark.parametrize(
    ("show", "value", "expected"),
    [
        (format_eastern_time, 1736949600.0, "2025-01-15 09:00 ET"),  # 14:00 UTC, EST
        (format_eastern_time, 1752584400.0, "2025-07-15 09:00 ET"),  # 13:00 UTC, EDT
        (format_eastern_instant, "2025-01-13T13:45:00+00:00", "2025-01-13 08:45 ET"),
        (format_eastern_instant, "2025-01-13T08:45:00.000-05:00", "2025-01-13 08:45 ET"),
        (eastern, None, "-"),
        (eastern, 1736949600.0, "2025-01-15 09:00 ET"),  # the CLI says it as alerts and the console do
    ],
)
def test_one_way_to_show_us_eastern_time(show: Any, value: Any, expected: str, machine_tz: str) -> None:
    assert show(value) == expected
