"""The must-shows of the daemon, on a real ``cockpit daemon`` process.

Attach an operator and a second observer client: both see the same state, the observer is
refused a trade (and the refusal is audited with its uid/pid); a second daemon on the same
database is refused; SIGTERM exits cleanly within 5 s leaving a consistent store; the daemon
never imported Textual or Rich.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from pathlib import Path

from core.daemon.protocol import Role
from core.daemon.remote import DaemonUnavailable, RemoteCore
from core.views import CockpitState, CycleMarket, ExecutionHistory, KillSwitch
from tests.app.conftest import WAIT_S
from tests.daemon.conftest import running_daemon, spawn_daemon


async def same_version(a: RemoteCore, b: RemoteCore) -> tuple[CockpitState, CockpitState]:
    """Wait until both clients hold the same published version, and return both states."""

    async def scan() -> tuple[CockpitState, CockpitState]:
        while True:
            sa, sb = a.latest(), b.latest()
            if sa is not None and sb is not None and sa.version == sb.version:
                return sa, sb
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(scan(), WAIT_S)


async def test_daemon_serves_two_clients_refuses_observer_trade_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    async with running_daemon(tmp_path) as daemon:
        mode = stat.S_IMODE(os.stat(daemon.socket).st_mode)
        assert mode == 0o600

        # One instance per database: a second daemon exits non-zero, naming the first.
        second = await spawn_daemon(daemon.db)
        _, err = await asyncio.wait_for(second.communicate(), WAIT_S)
        assert second.returncode == 1
        message = err.decode().strip().splitlines()[-1]
        assert message.startswith("cockpit: already running: another cockpit (pid ")
        assert str(daemon.proc.pid) in message

        operator = RemoteCore(daemon.socket, role=Role.OPERATOR, client="test-operator")
        observer = RemoteCore(daemon.socket, role=Role.OBSERVER, client="test-observer")
        await operator.start()
        await observer.start()
        try:
            # (How soon is bench/attach.py's to measure: a busy machine is slow, not wrong.)
            assert operator.first_state_s is not None and observer.first_state_s is not None
            assert observer.welcome["role"] == "observer"
            assert observer.welcome["peer"]["pid"] == os.getpid()

            # Both clients see the very same state (same version, equal values).
            sa, sb = await same_version(operator, observer)
            assert sa == sb
            assert sa.holdings is not None and sa.holdings.rows and sa.book is not None

            # The observer reads and chooses its own market (the operator's is unchanged:
            # tests/daemon/test_market_choice.py), never trades.
            refused = await observer.send(KillSwitch(reason="observer tries"))
            assert not refused.ok and "operator role" in refused.message
            moved = await observer.send(CycleMarket(step=1))
            assert moved.ok, moved.message
            history = await observer.send(ExecutionHistory(limit=10))
            assert history.ok and history.data is not None
            # The operator's trading command reaches the core (which answers for itself).
            answered = await operator.send(KillSwitch(reason="operator"))
            assert "operator role" not in answered.message

            status = await operator.status()
            assert status["pid"] == daemon.proc.pid
            assert sorted(status["clients"]) == [
                "client#1:test-operator",
                "client#2:test-observer",
            ]
        finally:
            await operator.stop()
            await observer.stop()

        # Detaching leaves the daemon serving: a new client attaches at once.
        again = RemoteCore(daemon.socket, role=Role.OBSERVER)
        await again.start()
        await again.stop()
        assert daemon.proc.returncode is None

        code, _, stdout = await daemon.terminate()
        assert code == 0
        assert stdout.strip().splitlines()[-1] == '{"textual": false, "rich": false}'
        assert any(m.startswith("daemon stopped cleanly") for m in daemon.messages())
        assert not daemon.socket.exists()

    # The store is consistent: intact, the session closed cleanly, journal and audit written.
    with sqlite3.connect(daemon.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sessions = conn.execute("SELECT id, ended_ns, clean_exit FROM sessions").fetchall()
        assert len(sessions) == 1 and sessions[0][1] is not None and sessions[0][2] == 1
        frames = conn.execute("SELECT COUNT(*), SUM(full) FROM journal").fetchone()
        assert frames[0] > 0 and frames[1] >= 1
        audit = [r[0] for r in conn.execute("SELECT message FROM events WHERE kind = 'system'")]
    me = f"pid {os.getpid()}, uid {os.getuid()}"
    assert any(
        m.startswith("refused kill_switch from client#2:test-observer") and me in m for m in audit
    ), audit
    assert any(
        m.startswith("operator command kill_switch from client#1:test-operator") and me in m
        for m in audit
    ), audit


async def test_sighup_reload_keeps_old_config_when_the_new_one_is_bad(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("ui:\n  fps: 10\n", encoding="utf-8")
    async with running_daemon(tmp_path, "--config", str(config)) as daemon:
        config.write_text("ui:\n  fps: 0\n  theme: neon\n", encoding="utf-8")
        daemon.proc.send_signal(1)  # SIGHUP
        await daemon.wait_log(
            lambda e: "config reload refused" in str(e.get("message")), "the refusal"
        )
        refusal = next(m for m in daemon.messages() if "config reload refused" in m)
        assert str(config) in refusal and "ui.fps" in refusal and "ui.theme" in refusal
        assert not any("config reloaded" in m for m in daemon.messages())

        config.write_text("ui:\n  fps: 12\n  theme: light\n", encoding="utf-8")
        daemon.proc.send_signal(1)
        await daemon.wait_log(lambda e: "config reloaded" in str(e.get("message")), "reload")
        reloaded = next(m for m in daemon.messages() if "config reloaded" in m)
        assert "applied ui" in reloaded
        code, _, _ = await daemon.terminate()
        assert code == 0


async def test_attach_without_daemon_fails_with_a_clear_message(tmp_path: Path) -> None:
    client = RemoteCore(tmp_path / "none.sock")
    try:
        await client.start()
    except DaemonUnavailable as exc:
        assert "no daemon on" in str(exc) and "cockpit daemon" in str(exc)
    else:
        raise AssertionError("attach without a daemon must fail")
