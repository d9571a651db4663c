"""The one Store: snapshots, alerts and the delivery outbox in one SQLite file.

A poll's snapshot changes, the alerts they cause and one delivery row per target are written in ONE
transaction: either all of it is stored or none of it, so an alert can never be lost between "seen" and
"queued", and a crash before the commit simply means the next poll sees the same change again.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.store.base import DB_FILENAME, StoreBase
from monitor.store.errors import DataFolderError
from monitor.store.lifecycle import Lifecycle
from monitor.store.outbox import AlertRow, Outbox, _delivery
from monitor.store.silences import Silences
from monitor.store.snapshots import Snapshots
from monitor.store.unread import UnreadTexts

if TYPE_CHECKING:  # annotations only: reading the history does not import the planner
    from monitor.core.plan import PollPlan

__all__ = [
    "DB_FILENAME",
    "AlertRow",
    "DataFolderError",
    "NoDatabase",
    "SavedPoll",
    "SourceStatus",
    "Store",
    "_delivery",
]


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    baseline_at: float | None
    last_success_at: float | None
    last_attempt_at: float | None
    last_error: str
    consecutive_failures: int


@dataclass(frozen=True, slots=True)
class SavedPoll:
    baseline: bool
    changes: int
    alerts: int
    deliveries: int
    events: tuple[str, ...] = ()  # the event of each alert queued


class NoDatabase(DataFolderError):
    """A read command pointed at a folder where no service ever ran."""


class Store(StoreBase):
    """The store: one SQLite file (store/base.py), its parts side by side (snapshots, lifecycle, outbox), and here
    what ties them together: each source's status, the poll's one transaction, retention. Its parts, each
    over its own tables: `snapshots` (what each source showed, held items, the full-text cache), `lifecycle`
    (the life of a rule: matches, follows, the public inspection list, dates moved), `silences`, `outbox`
    (alerts and their deliveries) and `unread` (documents held for a text that could not be read)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        super().__init__(path, read_only)
        self.snapshots = Snapshots(self.db)
        self.lifecycle = Lifecycle(self.db, self.snapshots)
        self.silences = Silences(self.db)
        self.outbox = Outbox(self.db, self.silences)
        self.unread = UnreadTexts(self.db)

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(data_dir / DB_FILENAME)

    @classmethod
    def open_existing(cls, data_dir: Path, read_only: bool = False) -> Store:
        """For commands that use what a service stored: a folder with no database is an error that says so, and
        nothing is created (a mistyped data_dir must not look like a monitor that has seen nothing). `read_only`
        for commands that only read: they need no write access to the folder."""
        path = data_dir / DB_FILENAME
        if data_dir.exists() and not data_dir.is_dir():
            raise NoDatabase(
                f"data_dir {data_dir.resolve()} is a file, not a folder: point data_dir (or MONITOR_DATA_DIR) at "
                "the folder the service uses"
            )
        if path.exists() and not path.is_file():
            raise NoDatabase(f"{path.resolve()} is not a database file (a folder?): move it away, or check data_dir")
        if not path.is_file():
            where = data_dir.resolve() if data_dir.exists() else f"{data_dir.resolve()} (no such folder)"
            raise NoDatabase(
                f"no database in {where}: no service has run with this data_dir; check --config and data_dir, "
                "or start the service (`fr-monitor run`)"
            )
        return cls(path, read_only)

    @classmethod
    def open_for_reading(cls, data_dir: Path) -> Store:
        """Read-only; a folder where no service ran yet reads as an empty history (kept in memory)."""
        if not (data_dir / DB_FILENAME).exists() and (data_dir.is_dir() or not data_dir.exists()):
            return cls(Path(":memory:"))
        return cls.open_existing(data_dir, read_only=True)

    # -- sources -----------------------------------------------------------------------------------------

    def load_source_status(self, name: str) -> SourceStatus | None:
        rows = self._rows("SELECT * FROM sources WHERE name = ?", [name])
        if not rows:
            return None
        r = rows[0]
        return SourceStatus(
            r["name"],
            r["baseline_at"],
            r["last_success_at"],
            r["last_attempt_at"],
            r["last_error"] or "",
            r["consecutive_failures"],
        )

    def save_source_failure(self, name: str, error: str, now: float) -> None:
        with self.db.atomic():
            self.db.execute(
                """
                INSERT INTO sources (name, last_attempt_at, last_error, last_error_at, consecutive_failures)
                VALUES (?, ?, ?, ?, 1)
                ON CONFLICT (name) DO UPDATE SET last_attempt_at = excluded.last_attempt_at,
                    last_error = excluded.last_error, last_error_at = excluded.last_error_at,
                    consecutive_failures = consecutive_failures + 1
                """,
                [name, now, error, now],
            )

    def save_source_checked(self, name: str, now: float) -> None:
        """A successful check that found nothing new upstream: nothing else to store."""
        with self.db.atomic():
            self.db.execute(
                """
                UPDATE sources SET last_success_at = ?, last_attempt_at = ?, consecutive_failures = 0
                WHERE name = ?
                """,
                [now, now, name],
            )

    def save_schedule(self, name: str, next_check_at: float, reason: str, changed_at: float | None) -> None:
        """When `name` checks next and why, and when it last saw a change upstream (for status beside the
        service)."""
        with self.db.atomic():
            self.db.execute(
                """
                INSERT INTO sources (name, next_check_at, next_check_reason, changed_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET next_check_at = excluded.next_check_at,
                    next_check_reason = excluded.next_check_reason,
                    changed_at = COALESCE(excluded.changed_at, changed_at)
                """,
                [name, next_check_at, reason, changed_at],
            )

    def load_budget(self, name: str) -> tuple[date, float] | None:
        """The US Eastern day `name`'s byte budget counts and what it spent that day (full lists); None when
        none was saved."""
        rows = self._rows("SELECT budget_day, budget_spent FROM sources WHERE name = ?", [name])
        if not rows or rows[0]["budget_day"] is None:
            return None
        return date.fromisoformat(rows[0]["budget_day"]), float(rows[0]["budget_spent"] or 0.0)

    def save_budget(self, name: str, day: date, spent: float) -> None:
        """What `name`'s byte budget spent on `day` (US Eastern), so a restart goes on from it."""
        with self.db.atomic():
            self.db.execute(
                """
                INSERT INTO sources (name, budget_day, budget_spent) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET budget_day = excluded.budget_day,
                    budget_spent = excluded.budget_spent
                """,
                [name, day.isoformat(), spent],
            )

    def clear_failures(self, prefix: str, still_failing: Collection[str]) -> None:
        """Parts of a source (their status rows are named "<source> <part>") that were read again successfully:
        their failures in a row start again from zero."""
        sql = "UPDATE sources SET consecutive_failures = 0 WHERE substr(name, 1, ?) = ? AND consecutive_failures > 0"
        if still_failing:
            sql += f" AND name NOT IN ({','.join('?' * len(still_failing))})"  # placeholders only
        with self.db.atomic():
            self.db.execute(sql, [len(prefix), prefix, *still_failing])

    # -- one poll, one transaction -----------------------------------------------------------------------

    def save_plan(self, plan: PollPlan, now: float) -> SavedPoll:
        """The poll's one transaction: its changed snapshots, what it learned (matches, follows, the public
        inspection list, downloaded texts), its alerts and their deliveries, and the source's success. Either
        all of it is stored or none of it."""
        with self.db.atomic():
            for change in plan.changes:
                doc = change.document
                self.db.execute(
                    """
                    INSERT INTO snapshots (source, number, content_hash, data, first_seen_at, changed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source, number) DO UPDATE SET content_hash = excluded.content_hash,
                        data = excluded.data, changed_at = excluded.changed_at
                    """,
                    [plan.source, doc.number, doc.content_hash(), json.dumps(doc.to_dict()), now, now],
                )
            self.lifecycle.save_learned(plan, now)
            self.snapshots.save_held(plan.source, plan.held, plan.released)
            self.unread.save_unread(plan.source, plan.unread, plan.texts_released)
            events, delivery_count = self.outbox.insert_alerts(plan.alerts, now)
            self.db.execute(
                """
                INSERT INTO sources (name, baseline_at, last_success_at, last_attempt_at, last_error,
                                     consecutive_failures)
                VALUES (?, ?, ?, ?, '', 0)
                ON CONFLICT (name) DO UPDATE SET baseline_at = COALESCE(baseline_at, excluded.baseline_at),
                    last_success_at = excluded.last_success_at, last_attempt_at = excluded.last_attempt_at,
                    consecutive_failures = 0  -- last_error and its time stay: the console shows the latest one
                """,
                [plan.source, now, now, now],
            )
        return SavedPoll(plan.baseline, len(plan.changes), len(events), delivery_count, tuple(events))

    def prune(self, now: float, snapshots: float, deliveries: float, full_texts: float) -> dict[str, int]:
        """Delete what has aged out; returns rows deleted per table.

        Kept whatever their age: alerts (their keys are what makes "never twice" hold), snapshots of documents
        a watchlist matched (follow, corrections and deadline reminders need them), and anything pending.
        """
        with self.db.atomic():
            removed = {
                "snapshots": self.db.execute(
                    """
                    DELETE FROM snapshots WHERE changed_at < ? AND NOT EXISTS (
                        SELECT 1 FROM matches m WHERE m.source = snapshots.source AND m.number = snapshots.number)
                    """,
                    [now - snapshots],
                ).rowcount,
                "deliveries": self.db.execute(
                    "DELETE FROM deliveries WHERE state = 'sent' AND sent_at < ?", [now - deliveries]
                ).rowcount,
                "full_texts": self.db.execute(
                    "DELETE FROM full_texts WHERE fetched_at < ?", [now - full_texts]
                ).rowcount,
                "pi_status": self.db.execute(
                    "DELETE FROM pi_status WHERE resolution IS NOT NULL AND updated_at < ?", [now - snapshots]
                ).rowcount,
                # A watched document is read every few hours: a reading this old is of one no longer watched.
                "rereads": self.db.execute("DELETE FROM rereads WHERE read_at < ?", [now - snapshots]).rowcount,
            }
        return removed
