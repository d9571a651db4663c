"""The outbox: alerts (one per event, document and watchlist, ever) and their deliveries, one per target,
drained by the dispatcher; and reading them back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.core.silence import silencing
from monitor.models import Alert, Delivery
from monitor.store.base import Part, WriteFirstDatabase
from monitor.store.silences import Silences

if TYPE_CHECKING:  # annotations only: reading the history does not import the planner
    from monitor.core.plan import Queued


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    created_at: float
    alert: Alert
    deliveries: tuple[Delivery, ...]


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
        sent_at=row["sent_at"],
    )


class Outbox(Part):
    def __init__(self, db: WriteFirstDatabase, silences: Silences) -> None:
        super().__init__(db)
        self.silences = silences  # an alert an active silence matches is stored with no delivery

    def save_alerts(self, queued: Sequence[Queued], now: float) -> int:
        """Queue alerts that no poll caused (deadline reminders, backfill); returns how many were new."""
        with self.db.atomic():
            return len(self.insert_alerts(queued, now)[0])

    def insert_alerts(self, queued: Sequence[Queued], now: float) -> tuple[list[str], int]:
        """Insert new alerts and their deliveries (targets and due times as the plan says); returns the events
        of those inserted, and how many deliveries. An alert whose key is stored is skipped with its
        deliveries: the same event is never queued twice, even if a crash made a poll run again.

        An alert that an active silence matches is stored with the silence's id and no delivery at all. The
        silences are read here, in the transaction that queues: one added a moment ago by `fr-monitor silence
        add` (another process) counts from the next alert on."""
        events: list[str] = []
        delivery_count = 0
        silences = self.silences.load_active_silences(now) if queued else []
        for item in queued:
            alert = item.alert
            silence = silencing(silences, alert, now)
            cursor = self.db.execute(
                """
                INSERT INTO alerts (key, event, source, document_number, watchlist, title, data, created_at,
                                    silence_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
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
                    silence.id if silence else None,
                ],
            )
            if cursor.rowcount == 0:
                continue
            events.append(alert.event)
            if silence is not None:
                continue
            for target, due in item.deliveries:
                self.db.execute(
                    """
                    INSERT INTO deliveries (alert_id, target, state, next_attempt_at, created_at, updated_at)
                    VALUES (?, ?, 'pending', ?, ?, ?)
                    """,
                    [cursor.lastrowid, target, due, now, now],
                )
                delivery_count += 1
        return events, delivery_count

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
        """Sent: done. An urgent alert's delivery to a digest target keeps the time it was first sent."""
        with self.db.atomic():
            self.db.execute(
                """
                UPDATE deliveries SET state = 'sent', attempts = attempts + 1, sent_at = COALESCE(sent_at, ?),
                    updated_at = ?, last_error = '' WHERE id = ?
                """,
                [now, now, delivery_id],
            )

    def mark_sent_until_digest(self, delivery_id: int, now: float, digest_at: float) -> None:
        """An urgent alert sent at once to a digest target: sent (sent_at), and pending again until its next
        digest (`digest_at`), where it appears marked as sent already."""
        with self.db.atomic():
            self.db.execute(
                """
                UPDATE deliveries SET attempts = 0, sent_at = ?, updated_at = ?, last_error = '',
                    next_attempt_at = ? WHERE id = ?
                """,
                [now, now, digest_at, delivery_id],
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

    def load_recent_alerts(self, limit: int) -> list[AlertRow]:
        alerts = self._rows("SELECT id, data, created_at FROM alerts ORDER BY id DESC LIMIT ?", [limit])
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

    def count_deliveries(self) -> dict[str, int]:
        rows = self._rows("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
        return {r["state"]: r["n"] for r in rows}
