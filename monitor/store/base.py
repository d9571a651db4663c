"""The database under every part of the store: one SQLite file, opened with the pragmas the outbox promise
depends on, migrated to the current schema; or opened read-only, for the commands that only read.

A data folder that cannot be used (a file where the folder should be, a folder where the database should be,
no permission to write, a file that is not a database) raises DataFolderError, whose message names the path,
what is wrong and what to do: the commands print it as one line.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from monitor.store.errors import FIX as _FIX
from monitor.store.errors import DataFolderError, describe_database_error
from monitor.store.schema import migrations

DB_FILENAME = "fr-monitor.db"
__all__ = ["DB_FILENAME", "DataFolderError", "StoreBase", "describe_database_error"]


def connect(path: Path, read_only: bool) -> sqlite3.Connection:
    """A connection to the database at `path`; read-only ones also where the folder cannot be written."""
    if not read_only:
        return sqlite3.connect(path, timeout=30, isolation_level=None)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc) and "unable to open" not in str(exc):
            raise
        # A WAL database in a folder this user cannot write: SQLite cannot create the shared-memory file it reads
        # through. No service can be writing there either (it could not), so the file alone is the whole story.
        conn.close()
        conn = sqlite3.connect(uri + "&immutable=1", uri=True, timeout=30, isolation_level=None)
    return conn


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


class Part:
    """One part of the store: the tables of one concern, read and written through the store's one connection
    (so that a poll's writes to several parts are one transaction)."""

    def __init__(self, db: WriteFirstDatabase) -> None:
        self.db = db

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, params).fetchall())


class StoreBase:
    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        if not read_only:
            if path.parent.exists() and not path.parent.is_dir():
                raise DataFolderError(
                    f"data_dir {path.parent} is a file, not a folder: point data_dir (or MONITOR_DATA_DIR) at a folder"
                )
            if path.exists() and not path.is_file():
                raise DataFolderError(f"{path} is not a database file (a folder?): move it away, or check data_dir")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataFolderError(f"cannot create the data folder {path.parent}: {exc.strerror}; {_FIX}") from None
        try:
            conn = connect(path, read_only)
            conn.row_factory = sqlite3.Row
            self.db = WriteFirstDatabase(conn)
            if read_only:
                self._check_schema()
            else:
                self._prepare()
        except sqlite3.Error as exc:
            raise DataFolderError(describe_database_error(path, exc, not read_only)) from None

    def _check_schema(self) -> None:
        pending = migrations.pending(self.db)
        if pending:
            self.db.close()
            raise DataFolderError(
                f"the database {self.path} was written by an older fr-monitor ({len(pending)} schema change(s) "
                "to apply): start the service once (`fr-monitor run --once`) to upgrade it, then try again"
            )

    def _prepare(self) -> None:
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
        self._check_writes()

    def _check_writes(self) -> None:
        """A database SQLite could open only for reading (a read-only file, a folder this user cannot write)
        shows here, not at the first poll: a write lock alone passes in WAL mode, a write does not."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("CREATE TABLE _write_check (x)")
        finally:
            self.db.execute("ROLLBACK")

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, params).fetchall())

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """One read-only query, for the read models over the store (store/history.py): they ask through this,
        never through the store's parts or its connection."""
        return self._rows(sql, params)

    def check_writable(self) -> None:
        """Raise sqlite3.Error unless the database takes a write now (for /readyz): a write lock alone passes on
        a read-only file in WAL mode, so this tries a write and takes it back. It runs on the event loop, so it
        waits a second at most: a lock held by another writer (`silence add`, `retry`) means the file does
        take writes, and is no problem."""
        (previous,) = self.db.execute("PRAGMA busy_timeout").fetchone()
        self.db.execute("PRAGMA busy_timeout = 1000")
        try:
            self._check_writes()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(previous)}")

    def integrity_check(self) -> str:
        return str(self._rows("PRAGMA integrity_check")[0][0])
