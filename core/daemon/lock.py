"""One daemon per database: an exclusive ``flock`` on ``<db>.lock`` holding the owner's pid.

The kernel drops the lock when the process dies, so a crash never leaves a stale lock behind;
the pid written inside is only there to name the owner in the error message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from core.errors import DaemonError
from core.private_files import private_dir


class AlreadyRunning(DaemonError):
    """Another daemon holds this database."""


class InstanceLock:
    """``with InstanceLock(path):`` or ``acquire()``/``release()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(
                f"another cockpit (pid {owner}) is already running on this database "
                f"(lock {self.path}); attach to a daemon with 'cockpit attach', "
                "or use another --db",
                title="Already running",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
