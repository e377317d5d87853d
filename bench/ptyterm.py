"""Run a command in a pseudo-terminal of a given size and collect what it writes to it.

Used by ``bench/bandwidth.py`` (bytes/s of terminal output) and by the recording tests.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PtyRun:
    """The output of one run; ``marks`` are (seconds since start, total bytes so far)."""

    output: bytearray = field(default_factory=bytearray)
    marks: list[tuple[float, int]] = field(default_factory=list)
    returncode: int | None = None

    def bytes_between(self, start_s: float, end_s: float) -> int:
        """Bytes written between two moments (from the nearest marks)."""
        at_start = max((n for t, n in self.marks if t <= start_s), default=0)
        at_end = max((n for t, n in self.marks if t <= end_s), default=0)
        return at_end - at_start


def run_in_pty(
    argv: Sequence[str],
    *,
    cols: int,
    rows: int,
    until: Callable[[PtyRun, float], bool],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    quit_keys: bytes = b"q",
    limit_s: float = 60.0,
) -> PtyRun:
    """Start ``argv`` on a ``cols``×``rows`` pty, read until ``until(run, elapsed)`` holds,
    then type ``quit_keys`` and wait for the exit (killed after a grace period)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(
        list(argv),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={
            **(env or os.environ),
            "TERM": "xterm-256color",
            "COLUMNS": str(cols),
            "LINES": str(rows),
        },
        cwd=cwd,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    run = PtyRun()
    started = time.monotonic()

    def pump(timeout: float) -> bool:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        run.output.extend(chunk)
        run.marks.append((time.monotonic() - started, len(run.output)))
        return True

    try:
        alive = True
        while alive and not until(run, time.monotonic() - started):
            if time.monotonic() - started > limit_s:
                raise TimeoutError(f"{argv[0]}: condition not met within {limit_s:g}s")
            alive = pump(0.05)
        if proc.poll() is None:
            os.write(master, quit_keys)
        grace = time.monotonic() + 10.0
        while proc.poll() is None and time.monotonic() < grace:
            if not pump(0.05):
                break
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        run.returncode = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return run
