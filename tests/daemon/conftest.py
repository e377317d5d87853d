"""A real ``cockpit daemon`` in a subprocess, its JSON log read as it runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.app.conftest import WAIT_S

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Runs the real CLI; at exit reports which UI packages the process had imported.
DAEMON_WRAPPER = (
    "import sys, json\n"
    "from cockpit.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print(json.dumps({m: m in sys.modules for m in ('textual', 'rich')}), flush=True)\n"
    "sys.exit(code)\n"
)


class DaemonProcess:
    """A running daemon: its process, socket, and the JSON log lines seen so far."""

    def __init__(self, proc: asyncio.subprocess.Process, socket: Path, db: Path) -> None:
        self.proc = proc
        self.socket = socket
        self.db = db
        self.logs: list[dict[str, Any]] = []
        self.raw_stderr: list[str] = []
        self._new_line = asyncio.Event()
        self._reader = asyncio.create_task(self._read_stderr())

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            self.raw_stderr.append(line)
            with contextlib.suppress(ValueError):
                self.logs.append(json.loads(line))
            self._new_line.set()
        self._new_line.set()

    async def wait_log(self, predicate: Callable[[dict[str, Any]], bool], what: str) -> None:
        async def scan() -> None:
            while not any(predicate(entry) for entry in self.logs):
                if self._reader.done():
                    raise AssertionError(f"daemon exited before {what}: {self.raw_stderr[-5:]}")
                self._new_line.clear()
                await self._new_line.wait()

        await asyncio.wait_for(scan(), WAIT_S)

    def messages(self) -> list[str]:
        return [str(entry.get("message")) for entry in self.logs]

    async def terminate(self) -> tuple[int, float, str]:
        """SIGTERM; returns (exit code, seconds to exit, stdout)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.stdout is not None
        stdout = await asyncio.wait_for(self.proc.stdout.read(), WAIT_S)
        await asyncio.wait_for(self.proc.wait(), WAIT_S)
        elapsed = loop.time() - started
        await self._reader
        return int(self.proc.returncode or 0), elapsed, stdout.decode()


async def spawn_daemon(db: Path, *extra: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DAEMON_WRAPPER,
        "daemon",
        "--db",
        str(db),
        *extra,
        cwd=PROJECT_ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@asynccontextmanager
async def running_daemon(tmp: Path, *extra: str) -> AsyncIterator[DaemonProcess]:
    """Start ``cockpit daemon`` on a database in ``tmp``; wait until it serves; always kill."""
    db = tmp / "cockpit.db"
    proc = await spawn_daemon(db, *extra)
    daemon = DaemonProcess(proc, tmp / "cockpit.sock", db)
    try:
        await daemon.wait_log(
            lambda e: str(e.get("message", "")).startswith("daemon ready"), "ready"
        )
        yield daemon
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        daemon._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await daemon._reader
