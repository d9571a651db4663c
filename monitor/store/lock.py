"""One sender per data folder: two services (or a service and `run --once`, or a service and
`backfill --send`) sharing one database would poll twice, send the same delivery twice and argue over the
outbox. Whatever sends from the outbox holds an exclusive lock on `fr-monitor.lock` in its data folder while it
does: the service for as long as it runs (a reload that moves data_dir moves the lock, see monitor.service),
`backfill --send` only while it sends, and only when no service holds the folder (else it leaves the sending
to the service). The operating system drops the lock when the process ends, however it ends, so a crash never
leaves a stale lock behind. Commands that send nothing from the outbox (alerts, deliveries, retry, status, and
test-notify, whose sample is no delivery) do not take it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from monitor.store.errors import DataFolderError

LOCK_FILENAME = "fr-monitor.lock"


class FolderInUse(Exception):
    """Another fr-monitor process sends from this data folder (a service, or `backfill --send` while it sends)."""

    def __init__(self, folder: Path, pid: str) -> None:
        holder = f" (pid {pid})" if pid else ""
        super().__init__(
            f"another fr-monitor service{holder} is running on the data folder {folder.absolute()} (or a backfill "
            "--send is sending from it); stop it first, or give this one a data_dir of its own"
        )
        self.folder = folder
        self.pid = pid


class DataFolderLock:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_FILENAME
        self._fd: int | None = None

    def acquire(self) -> DataFolderLock:
        if self.folder.exists() and not self.folder.is_dir():
            raise DataFolderError(
                f"data_dir {self.folder} is a file, not a folder: point data_dir (or MONITOR_DATA_DIR) at a folder"
            )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise DataFolderError(
                f"cannot write in the data folder {self.folder.absolute()} ({exc.strerror}): fix its permissions, or "
                "point data_dir (or MONITOR_DATA_DIR) at a folder this user can write"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise FolderInUse(self.folder, pid) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def take_over(self, other: DataFolderLock) -> None:
        """Hold `other`'s folder (already acquired) instead of this one, which is let go: a reload that moved
        data_dir, once the service on the old folder has stopped."""
        self.release()
        self.folder, self.path, self._fd = other.folder, other.path, other._fd
        other._fd = None


def service_running(folder: Path) -> bool:
    """Whether a service holds this folder now (without taking the lock from it)."""
    path = folder / LOCK_FILENAME
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
