"""Stopping: SIGTERM with clients attached, the hard deadline, and a pause kept across runs.

A real ``cockpit daemon`` with an operator and an observer attached gets SIGTERM: it exits 0
within ``daemon.stop_timeout_s``, both clients get ``bye``, the session's end is recorded and
nothing logs a traceback. ``bench/sigterm.py`` does the same 20 times in a row and prints
the times.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from core.bootstrap import build_core
from core.daemon.protocol import Role
from core.daemon.remote import RemoteCore
from core.views import KillSwitch
from tests.daemon.conftest import running_daemon
from tests.daemon.recorded import sim_settings


async def sigterm_with_two_clients(tmp_path: Path) -> tuple[int, float, list[str], list[str]]:
    """One run: attach two clients, SIGTERM; (exit code, seconds, byes heard, stderr)."""
    async with running_daemon(tmp_path) as daemon:
        byes: list[str] = []
        clients = [
            RemoteCore(daemon.socket, role=Role.OPERATOR, client="stop-operator"),
            RemoteCore(daemon.socket, role=Role.OBSERVER, client="stop-observer"),
        ]
        for client in clients:
            client.on_lost = byes.append
            await client.start()
        code, elapsed, _ = await daemon.terminate()
        for client in clients:
            await client.closed.wait()
            await client.stop()
        return code, elapsed, byes, daemon.raw_stderr


def assert_clean(stderr: list[str]) -> None:
    text = "\n".join(stderr)
    assert "Traceback" not in text and "CancelledError" not in text, text[-2000:]
    assert '"level": "ERROR"' not in text and '"level": "CRITICAL"' not in text, text[-2000:]


async def test_sigterm_with_two_clients_attached_exits_cleanly(tmp_path: Path) -> None:
    for run in range(3):
        where = tmp_path / f"run{run}"
        where.mkdir()
        code, elapsed, byes, stderr = await sigterm_with_two_clients(where)
        assert code == 0, stderr[-5:]
        # Bounded by the configured stop timeout: the hard deadline ends the process at it with
        # exit 1 and a CRITICAL line, so exit 0 and a clean log mean the ordered stop made it
        # in time. (The wall time seen from here adds this machine's load: bench/sigterm.py
        # measures 20 in a row.)
        assert elapsed > 0
        assert byes == ["the daemon is stopping"] * 2
        assert_clean(stderr)
        assert any('"daemon stopped cleanly' in line for line in stderr)
        with sqlite3.connect(where / "cockpit.db") as conn:
            ended = conn.execute("SELECT ended_ns, clean_exit FROM sessions").fetchall()
        assert len(ended) == 1 and ended[0][0] is not None and ended[0][1] == 1


async def test_a_pause_saved_by_a_previous_run_is_shown_with_its_cause(tmp_path: Path) -> None:
    settings = sim_settings(tmp_path / "c.db")
    first = build_core(settings)
    await first.start()
    try:
        assert first.execution is not None
        # What a breaker does when it trips (the actor and reason it saves).
        await first.execution.safety.engage(None, "breaker: sim-a market data silent for 31s")
    finally:
        await first.stop()

    second = build_core(settings)
    await second.start()
    try:
        state = second.publish()
        assert state.kill_level == 1 and not state.trading_enabled
        assert "breaker: sim-a market data silent" in str(state.trading_reason)
        shown = [e.message for e in state.events if "from a previous run" in e.message]
        assert len(shown) == 1
        assert shown[0].startswith("kill switch still paused from a previous run since ")
        assert "breaker: sim-a market data silent for 31s; re-arm (R) to trade" in shown[0]
        re_armed = await second.execute(KillSwitch(engage=False))
        assert re_armed.ok and second.publish().kill_level == 0
    finally:
        await second.stop()


async def test_core_stop_is_bounded_when_a_task_ignores_its_cancellation(tmp_path: Path) -> None:
    core = build_core(sim_settings(tmp_path / "c.db"))
    await core.start()
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # ignores cancellation: what once held a stop for 30 s

    task = core.spawn("stubborn", stubborn())
    await asyncio.sleep(0)  # let it start waiting (a task cancelled before it runs just ends)
    await core.stop(timeout_s=0.6)  # returns although the task still runs
    assert not task.done()
    release.set()
    await task
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT ended_ns FROM sessions").fetchone()[0] is not None


async def test_the_hard_deadline_ends_a_process_that_would_not_stop() -> None:
    """What ends a daemon whose ordered shutdown overran: code 1 and a CRITICAL line."""
    import sys

    from tests.app.conftest import WAIT_S
    from tests.daemon.conftest import PROJECT_ROOT

    stuck = (
        "import logging, time\n"
        "logging.basicConfig()\n"
        "from core.daemon.runner import arm_hard_deadline\n"
        "arm_hard_deadline(0.2)\n"
        "time.sleep(600)\n"  # a shutdown that never ends
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", stuck, cwd=PROJECT_ROOT, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), WAIT_S)
    assert proc.returncode == 1
    assert "shutdown overran daemon.stop_timeout_s (0.2 s): exiting now" in err.decode()
