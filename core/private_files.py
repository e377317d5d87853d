"""Files only their owner may read: the data directory 0700, databases and logs 0600.

Balances, trades and order history are nobody else's business on a shared machine. A data
directory cockpit creates is made 0700 (an existing directory is left alone: it may be
``/tmp`` or the user's home); every database file (and its ``-wal``/``-shm``, which SQLite
creates with the main file's mode) and every log file is created 0600, and one found with
looser permissions is tightened when cockpit opens it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each new one 0700."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # created meanwhile by another process
            directory.mkdir(mode=DIR_MODE)
        os.chmod(directory, DIR_MODE)  # mkdir's mode is masked by the umask


def private_file(path: Path) -> None:
    """Make sure ``path`` exists and is 0600 (created so, or tightened if it was looser)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def private_database(path: Path) -> None:
    """The database file and whichever of its side files exist, 0600, in a private dir."""
    private_dir(path.parent)
    private_file(path)
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(side.stat().st_mode) != FILE_MODE:
                os.chmod(side, FILE_MODE)


def private_opener(path: str, flags: int) -> int:
    """An ``opener`` for :func:`open` creating the file 0600 (and tightening an old one)."""
    fd = os.open(path, flags, FILE_MODE)
    if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
        os.fchmod(fd, FILE_MODE)
    return fd
