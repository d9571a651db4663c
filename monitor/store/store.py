"""The one Store: snapshots, alerts and the delivery outbox in one SQLite file.

A poll's snapshot changes, the alerts they cause and one delivery row per target are written in ONE
transaction: either all of it is stored or none of it, so an alert can never be lost between "seen" and
"queued", and a crash before the commit simply means the next poll sees the same change again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from monitor.core.routing import Routing
from monitor.models import Alert, Change, Delivery, Document
from monitor.store.schema import migrations

DB_FILENAME = "fr-monitor.db"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    baseline_at: float | None
    last_success_at: float | None
    last_attempt_at: float | None
    last_error: str
    consecutive_failures: int


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    created_at: float
    alert: Alert
    deliveries: tuple[Delivery, ...]


@dataclass(frozen=True)
class Lifecycle:
    """What a poll learned beyond snapshots and alerts, stored in the same transaction."""

    concerned: Sequence[tuple[Document, str]] = ()  # (document, watchlist) pairs to remember
    follow_keys: Mapping[str, Sequence[str]] = field(default_factory=dict)  # number -> RIN/docket keys
    on_list: Iterable[str] = ()  # public inspection numbers on the current list
    resolved: Mapping[str, str] = field(default_factory=dict)  # number -> published | withdrawn | gone
    full_texts: Mapping[str, tuple[str, bool]] = field(default_factory=dict)  # number -> (text, truncated) fetched


@dataclass(frozen=True, slots=True)
class SavedPoll:
    baseline: bool
    changes: int
    alerts: int
    deliveries: int
    events: tuple[str, ...] = ()  # the event of each alert queued


def _delivery(row: sqlite3.Row | dict[str, Any]) -> Delivery:
    return Delivery(
        id=row["id"],
        alert_id=row["alert_id"],
        target=row["target"],
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )


class NoDatabase(Exception):
    """A read command pointed at a folder where no service ever ran."""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        self.db = Database(conn)
        self.db.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit that returned is on disk; the outbox promise depends on it.
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        migrations.apply(self.db)

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(data_dir / DB_FILENAME)

    @classmethod
    def open_existing(cls, data_dir: Path) -> Store:
        """For commands that read: a folder with no database is an error that says so, and nothing is created
        (a mistyped data_dir must not look like a monitor that has seen nothing)."""
        path = data_dir / DB_FILENAME
        if not path.is_file():
            raise NoDatabase(
                f"no database in {data_dir.resolve()} ({DB_FILENAME} is not there): no service has run with this "
                "data_dir; check --config and data_dir"
            )
        return cls(path)

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, params).fetchall())

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

    # -- snapshots ---------------------------------------------------------------------------------------

    def _snapshot_rows(self, columns: str, source: str, numbers: Iterable[str]) -> list[sqlite3.Row]:
        wanted = list(numbers)
        rows: list[sqlite3.Row] = []
        # SQLite limits bound parameters; ask in chunks.
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT number, {columns} FROM snapshots WHERE source = ? AND number IN ({marks})"  # noqa: S608
            rows += self._rows(sql, [source, *chunk])
        return rows

    def load_snapshot_hashes(self, source: str, numbers: Iterable[str]) -> dict[str, str]:
        """Content hashes only: enough to tell that nothing changed without decoding any snapshot."""
        return {r["number"]: r["content_hash"] for r in self._snapshot_rows("content_hash", source, numbers)}

    def load_snapshots(self, source: str, numbers: Iterable[str]) -> dict[str, Document]:
        return {
            r["number"]: Document.from_dict(json.loads(r["data"])) for r in self._snapshot_rows("data", source, numbers)
        }

    def load_snapshots_with_prefix(self, source: str, prefix: str) -> dict[str, Document]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._rows(
            "SELECT number, data FROM snapshots WHERE source = ? AND number LIKE ? ESCAPE '\\'",
            [source, escaped + "%"],
        )
        return {r["number"]: Document.from_dict(json.loads(r["data"])) for r in rows}

    def load_snapshot(self, source: str, number: str) -> Document | None:
        return self.load_snapshots(source, [number]).get(number)

    def load_snapshot_changed_at(self, source: str, number: str) -> float | None:
        """When the stored snapshot last changed (it is the latest fetch's content since then)."""
        rows = self._snapshot_rows("changed_at", source, [number])
        return float(rows[0]["changed_at"]) if rows else None

    # -- one poll, one transaction -----------------------------------------------------------------------

    def save_poll(
        self,
        source: str,
        changes: Sequence[Change],
        alerts: Sequence[Alert],
        now: float,
        lifecycle: Lifecycle | None = None,
        routing: Routing | None = None,
    ) -> SavedPoll:
        """Store the poll's changed snapshots, its alerts and their deliveries, and the source's success.

        On a source's first successful poll (the baseline) snapshots and matches are stored, alerts are not.
        Alerts whose key is already stored are skipped with their deliveries: the same event is never queued
        twice, even if a crash made a poll run again.
        """
        with self.db.atomic():
            status = self.load_source_status(source)
            baseline = status is None or status.baseline_at is None
            for change in changes:
                doc = change.document
                self.db.execute(
                    """
                    INSERT INTO snapshots (source, number, content_hash, data, first_seen_at, changed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source, number) DO UPDATE SET content_hash = excluded.content_hash,
                        data = excluded.data, changed_at = excluded.changed_at
                    """,
                    [source, doc.number, doc.content_hash(), json.dumps(doc.to_dict()), now, now],
                )
            if lifecycle is not None:
                self._save_lifecycle(lifecycle, now)
            events, delivery_count = ((), 0) if baseline else self._insert_alerts(alerts, now, routing)
            self.db.execute(
                """
                INSERT INTO sources (name, baseline_at, last_success_at, last_attempt_at, last_error,
                                     consecutive_failures)
                VALUES (?, ?, ?, ?, '', 0)
                ON CONFLICT (name) DO UPDATE SET baseline_at = COALESCE(baseline_at, excluded.baseline_at),
                    last_success_at = excluded.last_success_at, last_attempt_at = excluded.last_attempt_at,
                    consecutive_failures = 0  -- last_error and its time stay: the console shows the latest one
                """,
                [source, now, now, now],
            )
        return SavedPoll(baseline, len(changes), len(events), delivery_count, tuple(events))

    def save_alerts(self, alerts: Sequence[Alert], now: float, routing: Routing | None = None) -> int:
        """Queue alerts that no poll caused (deadline reminders, backfill); returns how many were new."""
        with self.db.atomic():
            return len(self._insert_alerts(alerts, now, routing)[0])

    def _insert_alerts(self, alerts: Sequence[Alert], now: float, routing: Routing | None) -> tuple[list[str], int]:
        """Insert new alerts and their deliveries; returns the events of those inserted, and the deliveries."""
        routing = routing or Routing()
        events: list[str] = []
        delivery_count = 0
        for alert in alerts:
            cursor = self.db.execute(
                """
                INSERT INTO alerts (key, event, source, document_number, watchlist, title, data, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
                """,
                [
                    alert.key,
                    alert.event,
                    alert.document.source,
                    alert.document.number,
                    alert.watchlist,
                    alert.document.title,
                    json.dumps(alert.to_dict()),
                    now,
                ],
            )
            if cursor.rowcount == 0:
                continue
            events.append(alert.event)
            for target in routing.targets_for(alert):
                self.db.execute(
                    """
                    INSERT INTO deliveries (alert_id, target, state, next_attempt_at, created_at, updated_at)
                    VALUES (?, ?, 'pending', ?, ?, ?)
                    """,
                    [cursor.lastrowid, target, routing.first_attempt_at(target, now), now, now],
                )
                delivery_count += 1
        return events, delivery_count

    # -- the life of a rule --------------------------------------------------------------------------------

    def _save_lifecycle(self, lifecycle: Lifecycle, now: float) -> None:
        for number, (text, truncated) in lifecycle.full_texts.items():
            self.db.execute(
                "INSERT INTO full_texts (number, text, truncated, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (number) DO NOTHING",
                [number, text, int(truncated), now],
            )
        for document, watchlist in lifecycle.concerned:
            self.db.execute(
                "INSERT INTO matches (watchlist, source, number, matched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [watchlist, document.source, document.number, now],
            )
            for key in lifecycle.follow_keys.get(document.number, ()):
                self.db.execute(
                    "INSERT INTO follows (key, watchlist, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [key, watchlist, now],
                )
        for number in lifecycle.on_list:
            self.db.execute(
                "INSERT INTO pi_status (number, on_list, resolution, updated_at) VALUES (?, 1, NULL, ?)"
                " ON CONFLICT (number) DO UPDATE SET on_list = 1, updated_at = excluded.updated_at"
                " WHERE resolution IS NULL",
                [number, now],
            )
        for number, resolution in lifecycle.resolved.items():
            self.db.execute(
                "UPDATE pi_status SET on_list = 0, resolution = ?, updated_at = ? WHERE number = ?",
                [resolution, now, number],
            )

    def _by_key(self, sql: str, values: Sequence[str]) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        wanted = list(dict.fromkeys(values))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for row in self._rows(sql.format(marks=",".join("?" * len(chunk))), chunk):
                found.setdefault(row[0], set()).add(row[1])
        return {k: frozenset(v) for k, v in found.items()}

    def load_followed(self, keys: Sequence[str]) -> dict[str, frozenset[str]]:
        return self._by_key("SELECT key, watchlist FROM follows WHERE key IN ({marks})", keys)

    def load_matched(self, numbers: Sequence[str]) -> dict[str, frozenset[str]]:
        return self._by_key("SELECT number, watchlist FROM matches WHERE number IN ({marks})", numbers)

    def load_filed_at(self, numbers: Sequence[str]) -> dict[str, str]:
        """When each of these documents was filed for public inspection, from its stored snapshot."""
        return {
            number: filed
            for number, doc in self.load_snapshots("public_inspection", numbers).items()
            if (filed := doc.filed_at)
        }

    def load_on_list(self) -> set[str]:
        """Public inspection documents last seen on the list and not yet resolved."""
        return {r["number"] for r in self._rows("SELECT number FROM pi_status WHERE resolution IS NULL")}

    def load_deadline_candidates(self, today: str) -> list[tuple[Document, str]]:
        """(document, watchlist) for every matched document with a deadline after `today` (ISO date)."""
        rows = self._rows(
            """
            SELECT m.watchlist, s.data FROM matches m
            JOIN snapshots s ON s.source = m.source AND s.number = m.number
            WHERE json_extract(s.data, '$.comments_close_on') > ? OR json_extract(s.data, '$.effective_on') > ?
            """,
            [today, today],
        )
        return [(Document.from_dict(json.loads(r["data"])), r["watchlist"]) for r in rows]

    # -- items held back until they can be completed ------------------------------------------------------

    def save_held_wait(self, source: str, number: str) -> int:
        """One more poll this item waited; returns how many it has waited now."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO held_items (source, number, waits) VALUES (?, ?, 1)"
                " ON CONFLICT (source, number) DO UPDATE SET waits = waits + 1",
                [source, number],
            )
        return int(self._rows("SELECT waits FROM held_items WHERE source = ? AND number = ?", [source, number])[0][0])

    def delete_held(self, source: str, number: str) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM held_items WHERE source = ? AND number = ?", [source, number])

    # -- full text cache ---------------------------------------------------------------------------------

    def load_full_text(self, number: str) -> str | None:
        rows = self._rows("SELECT text FROM full_texts WHERE number = ?", [number])
        return str(rows[0]["text"]) if rows else None

    def save_full_text(self, number: str, text: str, truncated: bool, now: float) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO full_texts (number, text, truncated, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (number) DO NOTHING",
                [number, text, int(truncated), now],
            )

    # -- the outbox ----------------------------------------------------------------------------------------

    def load_due_deliveries(self, now: float, limit: int = 100) -> list[tuple[Delivery, Alert]]:
        rows = self._rows(
            """
            SELECT d.*, a.data AS alert_data FROM deliveries d JOIN alerts a ON a.id = d.alert_id
            WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?
            """,
            [now, limit],
        )
        return [(_delivery(r), Alert.from_dict(json.loads(r["alert_data"]))) for r in rows]

    def next_delivery_due_at(self) -> float | None:
        rows = self._rows("SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE state = 'pending'")
        due = rows[0]["due"] if rows else None
        return float(due) if due is not None else None

    def load_pending_for_target(self, target: str, now: float) -> list[tuple[Delivery, Alert]]:
        """Every pending delivery to `target` that is due: a digest's batch."""
        rows = self._rows(
            """
            SELECT d.*, a.data AS alert_data FROM deliveries d JOIN alerts a ON a.id = d.alert_id
            WHERE d.state = 'pending' AND d.target = ? AND d.next_attempt_at <= ? ORDER BY d.id
            """,
            [target, now],
        )
        return [(_delivery(r), Alert.from_dict(json.loads(r["alert_data"]))) for r in rows]

    def load_deliveries(self, state: str | None, limit: int = 100) -> list[tuple[Delivery, Alert]]:
        """Deliveries by state: pending, failed (pending after at least one failed attempt), dead, sent."""
        where, params = "", []
        if state == "failed":
            where = "WHERE d.state = 'pending' AND d.attempts > 0"
        elif state is not None:
            where, params = "WHERE d.state = ?", [state]
        rows = self._rows(
            f"""
            SELECT d.*, a.data AS alert_data FROM deliveries d JOIN alerts a ON a.id = d.alert_id
            {where} ORDER BY d.id DESC LIMIT ?
            """,  # noqa: S608 - fixed fragments only
            [*params, limit],
        )
        return [(_delivery(r), Alert.from_dict(json.loads(r["alert_data"]))) for r in rows]

    def retry_deliveries(self, now: float, delivery_id: int | None = None) -> list[tuple[Delivery, Alert]]:
        """Make dead deliveries (or one unsent delivery) pending again, due now, with a fresh set of attempts;
        returns the deliveries it queued, as they were before."""
        with self.db.atomic():
            where, params = (
                ("d.state = 'dead'", []) if delivery_id is None else ("d.id = ? AND d.state != 'sent'", [delivery_id])
            )
            rows = self._rows(
                f"SELECT d.*, a.data AS alert_data FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE {where}",  # noqa: S608
                params,
            )
            for row in rows:
                self.db.execute(
                    "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?"
                    " WHERE id = ?",
                    [now, now, row["id"]],
                )
        return [(_delivery(r), Alert.from_dict(json.loads(r["alert_data"]))) for r in rows]

    def save_target_health(self, target: str, error: str | None, now: float) -> bool:
        """Record a target's latest outcome; True when it changed between failing and healthy."""
        with self.db.atomic():
            rows = self._rows("SELECT failing_since FROM target_health WHERE target = ?", [target])
            was_failing = bool(rows) and rows[0]["failing_since"] is not None
            if error is None and was_failing:
                self.db.execute(
                    "UPDATE target_health SET failing_since = NULL, last_error = '' WHERE target = ?", [target]
                )
            elif error is not None and not was_failing:
                self.db.execute(
                    "INSERT INTO target_health (target, failing_since, last_error) VALUES (?, ?, ?)"
                    " ON CONFLICT (target) DO UPDATE SET failing_since = excluded.failing_since,"
                    " last_error = excluded.last_error",
                    [target, now, error],
                )
            return was_failing != (error is not None)

    def mark_sent(self, delivery_id: int, now: float) -> None:
        with self.db.atomic():
            self.db.execute(
                """
                UPDATE deliveries SET state = 'sent', attempts = attempts + 1, sent_at = ?, updated_at = ?,
                    last_error = '' WHERE id = ?
                """,
                [now, now, delivery_id],
            )

    def mark_failed(self, delivery_id: int, error: str, now: float, retry_at: float | None) -> None:
        """Record a failed attempt: pending again at `retry_at`, or dead when there is no retry left."""
        with self.db.atomic():
            self.db.execute(
                """
                UPDATE deliveries SET attempts = attempts + 1, last_error = ?, updated_at = ?,
                    state = CASE WHEN ? IS NULL THEN 'dead' ELSE 'pending' END,
                    next_attempt_at = COALESCE(?, next_attempt_at)
                WHERE id = ?
                """,
                [error, now, retry_at, retry_at, delivery_id],
            )

    # -- reading back -----------------------------------------------------------------------------------

    def load_recent_alerts(
        self, limit: int, *, watchlist: str | None = None, event: str | None = None, since: float | None = None
    ) -> list[AlertRow]:
        """The newest alerts first, with their deliveries; optionally one watchlist's, one event's, or those
        created at or after `since`."""
        conditions: list[str] = []
        params: list[str | float] = []
        for column, value in (("watchlist", watchlist), ("event", event)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            conditions.append("created_at >= ?")
            params.append(since)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        alerts = self._rows(
            f"SELECT id, data, created_at FROM alerts {where} ORDER BY id DESC LIMIT ?",  # noqa: S608 - fixed fragments
            [*params, limit],
        )
        result = []
        for row in alerts:
            deliveries = tuple(
                _delivery(d) for d in self._rows("SELECT * FROM deliveries WHERE alert_id = ? ORDER BY id", [row["id"]])
            )
            result.append(AlertRow(row["id"], row["created_at"], Alert.from_dict(json.loads(row["data"])), deliveries))
        return result

    def oldest_pending_created_at(self) -> float | None:
        rows = self._rows("SELECT MIN(created_at) AS oldest FROM deliveries WHERE state = 'pending'")
        oldest = rows[0]["oldest"] if rows else None
        return float(oldest) if oldest is not None else None

    def check_writable(self) -> None:
        """Raise sqlite3.Error unless the database takes a write lock now."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("ROLLBACK")

    def count_deliveries(self) -> dict[str, int]:
        rows = self._rows("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
        return {r["state"]: r["n"] for r in rows}

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
            }
        return removed

    def integrity_check(self) -> str:
        return str(self._rows("PRAGMA integrity_check")[0][0])
