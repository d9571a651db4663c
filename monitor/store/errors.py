"""Why a data folder cannot be used, in the terms of the person running the command: which path, what is wrong,
what to do. Standard library only: every command imports it, most never open the database."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

FIX = "fix its permissions, or point data_dir (or MONITOR_DATA_DIR) at a folder this user can write"


class DataFolderError(Exception):
    """The data folder or its database cannot be used as asked. The message names the path, what is wrong and
    what to do, in one line."""


def describe_database_error(path: Path, exc: sqlite3.Error, write: bool) -> str:
    """SQLite's error in the terms of the data folder: which file, what is wrong, what to do."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        return f"{path} is not an fr-monitor database ({text}): move it away, or point data_dir elsewhere"
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is read-only here ({text}): {FIX}"
    if "unable to open" in text:
        verb = "write" if write else "read"
        return f"cannot {verb} the database {path} ({text}): {FIX}"
    if "locked" in text:
        return f"the database {path} is locked by another process ({text}): try again in a moment"
    return f"the database {path} cannot be used: {text}"


def data_folder_problems(folder: Path, db_filename: str) -> list[str]:
    """What keeps a service from using `folder`, found without leaving anything behind (for check-config): a file
    where the folder should be, a folder where the database should be, no way to write. A folder that does not
    exist yet is fine when it can be created.

    Writing is tried, as /readyz tries a write: an unnamed temporary file in the folder (or the nearest one that
    exists), gone when closed, and the database opened for writing, nothing written. access(2) is no answer: it
    asks for the real user, and for root with the capabilities it may take rather than those it has, so it says
    "writable" where a write is refused."""
    if folder.exists() and not folder.is_dir():
        return [f"data_dir {folder}: is a file, not a folder: point data_dir (or MONITOR_DATA_DIR) at a folder"]
    database = folder / db_filename
    if database.exists() and not database.is_file():
        return [f"data_dir {folder}: {database} is not a database file (a folder?): move it away"]
    if database.is_file() and _header(database) not in (b"", b"SQLite format 3\x00"):
        return [f"data_dir {folder}: {database} is not an fr-monitor database (not SQLite): move it away"]
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return [f"data_dir {folder}: {existing} is a file, so the folder cannot be created"]
    if (refused := _write_refused(existing, database)) is not None:
        return [f"data_dir {folder}: this user cannot write there ({refused}): {FIX}"]
    return []


def _write_refused(folder: Path, database: Path) -> str | None:
    """Why a write in `folder` or to `database` (when it exists) is refused, tried for real; None when both
    take one."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
        if database.exists():
            with database.open("r+b"):
                pass
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _header(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(16)
    except OSError:
        return b""
