"""The database under every part of the store: one SQLite file, opened with the pragmas the outbox promise
depends on, migrated to the current schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from monitor.store.schema import migrations

DB_FILENAME = "fr-monitor.db"


class StoreBase:
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

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, params).fetchall())

    def check_writable(self) -> None:
        """Raise sqlite3.Error unless the database takes a write lock now."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("ROLLBACK")

    def integrity_check(self) -> str:
        return str(self._rows("PRAGMA integrity_check")[0][0])
