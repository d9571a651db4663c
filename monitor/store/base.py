"""The database under every part of the store: one SQLite file, opened with the pragmas the outbox promise
depends on, migrated to the current schema."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from monitor.store.schema import migrations

DB_FILENAME = "fr-monitor.db"


class WriteFirstDatabase(Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin (BEGIN IMMEDIATE).

    Our transactions read, then write (is this target failing already? which deliveries are dead?). Begun
    deferred, such a transaction reads from a snapshot, and when another process (a service beside `retry` or
    `backfill --send`) has written since, its first write fails at once with SQLITE_BUSY: the busy timeout
    cannot help, because waiting would not make the snapshot current. Begun IMMEDIATE it waits its turn (up to
    the connection's timeout) before reading anything, so it reads what it then overwrites.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: a savepoint inside the transaction that holds the lock already
            with super().atomic() as db:
                yield db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.OperationalError):  # an error may have ended it already
                self.conn.execute("ROLLBACK")
            raise


class StoreBase:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        self.db = WriteFirstDatabase(conn)
        self.db.execute("PRAGMA journal_mode = WAL")
        # NORMAL (in WAL mode): a commit survives the process being killed at any moment, and the file is never
        # corrupted; only a power loss or kernel crash can take back the last commits. The outbox promise holds
        # even then, because a poll writes its snapshot and the alerts it causes in one transaction: losing
        # that commit puts the store back to before the poll, so the next poll sees the same change and
        # queues the same alert (its key makes it one). A lost mark-sent means one repeat, which at-least-once
        # delivery already allows. FULL would add an fsync to every commit (about 1 ms here, far more on slow disks).
        self.db.execute("PRAGMA synchronous = NORMAL")
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
