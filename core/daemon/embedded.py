"""The core of a plain ``cockpit``: a child process the TUI starts, talks to and stops.

Why a process and not a thread: the core (simulated market, feeds, store, risk, plans) and
the TUI's rendering are both Python, and in one process they share the GIL. A frame the UI
needs in 5 ms then waits for the core's work between its switches, and keystroke latency
follows the core's load. In a child process the two run on separate cores and the UI only
decodes state frames, which is the same path ``cockpit attach`` takes to a daemon: one
protocol (:mod:`core.daemon.protocol`), one client (:class:`~core.daemon.remote.RemoteCore`).

The child is ``cockpit daemon --embedded --socket <private dir>/core.sock`` with the parent's
``--config``/``--db``/``--seed`` (and its environment, so ``COCKPIT_…`` overrides agree). It
takes the database's instance lock (a daemon already running on the same database is reported,
not raced), serves only on a socket in a private 0700 directory, writes ``ready`` on stdout once
clients can connect, and stops gracefully when its stdin closes: when the TUI quits, and also
when the TUI is killed, since the kernel closes the pipe then. It runs in its own session, so a
Ctrl+C or a hang-up aimed at the terminal reaches the TUI, which then stops it in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from core import __version__
from core.daemon.protocol import Role
from core.daemon.remote import RemoteCore
from core.errors import CockpitError

log = logging.getLogger(__name__)

PRIVATE_DIR_PREFIX = "cockpit-"
"""The TUI's private directory for its core's socket: ``tempfile.mkdtemp`` with this prefix."""
READY = b"ready"
"""The line the child writes on stdout once its socket accepts clients."""
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
"""Time the child gets to end its session and flush the store before it is terminated."""
CLIENT_NAME = f"cockpit/{__version__}"


class EmbeddedCore(RemoteCore):
    """A :class:`RemoteCore` whose daemon is a child process it owns.

    ``spawn()`` early (before the UI's imports, so both start in parallel), ``wait_ready()``
    before taking the screen (a start-up failure is then one line on a normal terminal), and
    ``stop()`` at the end, which also ends the child. ``start()`` does whatever of those has
    not been done yet, so the object also works as a plain :class:`CoreClient`.
    """

    def __init__(
        self,
        args: Sequence[str] = (),
        *,
        max_hz: float = 15.0,
        start_timeout: float = START_TIMEOUT_S,
    ) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix=PRIVATE_DIR_PREFIX))  # mode 0700
        super().__init__(
            self._dir / "core.sock", role=Role.OPERATOR, client=CLIENT_NAME, max_hz=max_hz
        )
        self.argv = [
            sys.executable,
            "-m",
            "cockpit",
            "daemon",
            "--embedded",
            "--socket",
            str(self.path),
            *args,
        ]
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._ready = False
        self._reaped = False

    # ------------------------------------------------------------------ child process

    def spawn(self) -> None:
        """Start the child (idempotent)."""
        if self.process is not None:
            return
        # Read back through this handle: the child removes the directory when it stops.
        self._stderr = (self._dir / "stderr").open("w+b")
        # The child imports the very code this process runs (a checkout, not whatever
        # ``cockpit`` the interpreter's site-packages may hold).
        root = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
        self.process = subprocess.Popen(
            self.argv,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )
        log.info("embedded core started: pid %d", self.process.pid)

    def wait_ready(self) -> None:
        """Block until the child serves, or raise its own one-line reason for not starting."""
        if self._ready:
            return
        self.spawn()
        assert self.process is not None and self.process.stdout is not None
        out = self.process.stdout
        deadline = time.monotonic() + self.start_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.reap()
                raise CockpitError(
                    f"the core did not start within {self.start_timeout:g}s",
                    title="Start-up failed",
                )
            readable, _, _ = select.select([out], [], [], remaining)
            if not readable:
                continue
            line = out.readline()
            if line.strip() == READY:
                self._ready = True
                out.close()  # the child points its stdout at /dev/null once ready
                return
            if not line:  # the child exited before it was ready
                code = self.process.wait()
                reason = self._child_error()
                self.reap()
                raise child_failure(reason, code)

    def _child_error(self) -> str:
        """The last line the child wrote on stderr (its CLI prints one line per error)."""
        if self._stderr is None or self._stderr.closed:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            log.error("embedded core stderr:\n%s", text)
        return lines[-1] if lines else ""

    def reap(self) -> None:
        """Close the child's stdin (its signal to stop), wait for it, clean up. Idempotent."""
        if self._reaped:
            return
        self._reaped = True
        proc = self.process
        if proc is not None:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.error("embedded core did not stop within %gs: terminating", STOP_TIMEOUT_S)
                proc.terminate()
                try:
                    proc.wait(3.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None and not proc.stdout.closed:
                proc.stdout.close()
            if proc.returncode and self._ready:  # (before ready, wait_ready's caller reports)
                log.error(
                    "embedded core exited with code %d: %s", proc.returncode, self._child_error()
                )
        if self._stderr is not None:
            self._stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    # ------------------------------------------------------------------ CoreClient

    async def start(self) -> None:
        if not self._ready:
            await asyncio.to_thread(self.wait_ready)
        await super().start()

    async def stop(self) -> None:
        """Detach, then stop the child and wait until it has flushed its store."""
        await super().stop()
        await asyncio.to_thread(self.reap)


def child_failure(line: str, code: int) -> CockpitError:
    """The child's one-line error (``cockpit: <title>: <message>``) as the parent's error."""
    text = line.removeprefix("cockpit: ")
    title, sep, message = text.partition(": ")
    if sep and line.startswith("cockpit: ") and title and len(title) < 40:
        return CockpitError(message, title=title[:1].upper() + title[1:])
    return CockpitError(
        f"the core exited with code {code}" + (f": {text}" if text else ""),
        title="Start-up failed",
    )
