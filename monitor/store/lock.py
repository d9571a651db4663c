"""One service per data folder: two services (or a service and `run --once`) sharing one database would poll
twice, send twice and argue over the outbox. The service holds an exclusive lock on `fr-monitor.lock` in its
data folder for as long as it runs; the operating system drops it when the process ends, however it ends, so a
crash never leaves a stale lock behind. Read commands (alerts, deliveries, retry, status) do not take it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILENAME = "fr-monitor.lock"


class FolderInUse(Exception):
    """Another fr-monitor service runs on this data folder."""

    def __init__(self, folder: Path, pid: str) -> None:
        holder = f" (pid {pid})" if pid else ""
        super().__init__(
            f"another fr-monitor service{holder} is running on the data folder {folder}; stop it first, or give "
            "this one a data_dir of its own"
        )
        self.folder = folder


class DataFolderLock:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_FILENAME
        self._fd: int | None = None

    def acquire(self) -> DataFolderLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
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
