"""Silences in the data folder: added and expired by `fr-monitor silence` (another process than the service's,
as often as not), read by the outbox each time it queues alerts, so a silence takes effect from the next alert
queued after it is added, with no reload."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from monitor.core.silence import Silence
from monitor.store.base import Part, connect

_COLUMNS = ("watchlist", "document", "rin", "docket", "query")
ACTIVE = "created_at <= ? AND ends_at > ? AND (expired_at IS NULL OR expired_at > ?)"  # now, now, now


def _silence(row: sqlite3.Row, silenced: int = 0) -> Silence:
    return Silence(
        id=row["id"],
        comment=row["comment"],
        author=row["author"],
        created_at=row["created_at"],
        ends_at=row["ends_at"],
        watchlist=row["watchlist"],
        document=row["document"],
        rin=row["rin"],
        docket=row["docket"],
        query=row["query"],
        expired_at=row["expired_at"],
        expired_by=row["expired_by"],
        silenced=silenced,
    )


def count_silences_read_only(path: Path, now: float) -> tuple[int, int] | None:
    """(active, all) silences in the database at `path`, read without writing (no migration, no lock, no file
    created): for `check-config`, which may run where the data folder is read-only. None when there is no
    database there yet."""
    if not path.is_file():
        return None
    conn = connect(path, read_only=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'silences'").fetchall():
            return 0, 0  # written by a release before silences
        (total,) = conn.execute("SELECT COUNT(*) FROM silences").fetchone()
        (active,) = conn.execute(f"SELECT COUNT(*) FROM silences WHERE {ACTIVE}", [now, now, now]).fetchone()  # noqa: S608
        return int(active), int(total)
    finally:
        conn.close()


class Silences(Part):
    def save_silence(self, matchers: dict[str, str], comment: str, author: str, now: float, ends_at: float) -> Silence:
        """Store a new silence, active from `now`; returns it with its id."""
        values: dict[str, Any] = {name: matchers.get(name) for name in _COLUMNS}
        with self.db.atomic():
            cursor = self.db.execute(
                f"INSERT INTO silences ({', '.join(_COLUMNS)}, comment, author, created_at, ends_at)"  # noqa: S608
                f" VALUES ({', '.join('?' * len(_COLUMNS))}, ?, ?, ?, ?)",
                [*values.values(), comment, author, now, ends_at],
            )
            silence_id = cursor.lastrowid
        assert silence_id is not None
        return Silence(silence_id, comment, author, now, ends_at, **values)

    def expire_silence(self, silence_id: int, author: str, now: float) -> Silence | None:
        """End a silence now; returns it as it was before (None when there is no such silence). Expiring one that
        has ended already changes nothing."""
        with self.db.atomic():
            rows = self._rows("SELECT * FROM silences WHERE id = ?", [silence_id])
            if not rows:
                return None
            before = _silence(rows[0])
            if before.active(now):
                self.db.execute(
                    "UPDATE silences SET expired_at = ?, expired_by = ? WHERE id = ?", [now, author, silence_id]
                )
        return before

    def load_active_silences(self, now: float) -> list[Silence]:
        rows = self._rows(f"SELECT * FROM silences WHERE {ACTIVE}", [now, now, now])  # noqa: S608 - a constant
        return [_silence(r) for r in rows]

    def load_silences(self) -> list[Silence]:
        """Every silence, with how many alerts each silenced."""
        rows = self._rows(
            "SELECT s.*, (SELECT COUNT(*) FROM alerts a WHERE a.silence_id = s.id) AS silenced"
            " FROM silences s ORDER BY s.id"
        )
        return [_silence(r, r["silenced"]) for r in rows]

    def load_silence(self, silence_id: int) -> Silence | None:
        return next((s for s in self.load_silences() if s.id == silence_id), None)

    def count_silences(self, now: float) -> tuple[int, int]:
        """(active, all) silences."""
        return len(self.load_active_silences(now)), len(self._rows("SELECT id FROM silences"))
