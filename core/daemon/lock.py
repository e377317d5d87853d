"""One writer per database: an exclusive ``flock`` on ``<db>.lock`` naming its owner.

The kernel drops the lock when the process dies, so a crash never leaves a stale lock behind.
The file holds the owner's pid (to name it in errors) and, on a second line, the control
socket it serves (a daemon's, or the private one of a TUI's own core), so a command run beside
it becomes its client instead of a second writer (:func:`database_owner`).
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from core.errors import DaemonError
from core.private_files import private_dir


class AlreadyRunning(DaemonError):
    """Another daemon holds this database."""


def lock_path(db: Path) -> Path:
    """The instance lock of the database ``db``: ``<db>.lock`` beside it."""
    return db.with_name(db.name + ".lock")


@dataclass(frozen=True, slots=True)
class Owner:
    """The process holding a database's lock, and the control socket it serves (if any)."""

    pid: str
    socket: Path | None


def database_owner(path: Path) -> Owner | None:
    """Who holds the lock at ``path`` (a :func:`lock_path`), or None when nobody does.

    Probes with a shared, non-blocking ``flock`` that is dropped at once; a missing lock file
    means no owner and is not created.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            lines = os.pread(fd, 4096, 0).decode(errors="replace").splitlines()
            pid = lines[0].strip() if lines and lines[0].strip() else "?"
            socket = Path(lines[1].strip()) if len(lines) > 1 and lines[1].strip() else None
            return Owner(pid=pid, socket=socket)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class InstanceLock:
    """``with InstanceLock(path):`` or ``acquire()``/``release()``.

    ``socket``: the control socket the holder serves, written beside its pid for clients.
    """

    def __init__(self, path: Path, *, socket: Path | None = None) -> None:
        self.path = path
        self.socket = socket
        self._fd: int | None = None

    def acquire(self) -> None:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace")
            owner = text.partition("\n")[0].strip() or "?"
            os.close(fd)
            raise AlreadyRunning(
                f"another cockpit (pid {owner}) is already running on this database "
                f"(lock {self.path}); attach to a daemon with 'cockpit attach', "
                "or use another --db",
                title="Already running",
            ) from None
        os.ftruncate(fd, 0)
        socket = f"{self.socket.resolve()}\n" if self.socket is not None else ""
        os.pwrite(fd, f"{os.getpid()}\n{socket}".encode(), 0)
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
