"""Plain ``cockpit`` runs its core in a child process: started, used and stopped by the TUI.

The child is the real ``cockpit daemon --embedded``; the tests talk to it through the same
``EmbeddedCore`` the TUI uses, over its private socket.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import build_parser
from core.answers import PlanPreview
from core.daemon.embedded import PRIVATE_DIR_PREFIX, EmbeddedCore
from core.daemon.lock import InstanceLock
from core.errors import CockpitError
from core.execution.history import ExecutionHistoryView
from core.models import OrderRequest, OrderType, Side, TradingMode
from core.views import ExecutionHistory, PlaceOrder, PreviewPlan, SelectMarket
from tests.app.conftest import WAIT_S
from tests.daemon.conftest import PROJECT_ROOT, running_daemon


def lock_of(db: Path) -> InstanceLock:
    return InstanceLock(db.with_name(db.name + ".lock"))


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers signal 0 until reaped; its state says it has exited.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


async def test_the_core_runs_in_a_child_that_trades_and_stops_with_the_tui(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    client = EmbeddedCore(["--db", str(db), "--seed", "7"], max_hz=10)
    await client.start()
    try:
        assert client.process is not None
        child = client.process.pid
        assert child != os.getpid() and client.path.exists()
        assert oct(client.path.parent.stat().st_mode & 0o777) == "0o700"
        state = client.latest()
        assert state is not None and state.holdings is not None and state.holdings.total > 0
        # The child holds the database: nothing else may run a core on it meanwhile.
        with pytest.raises(CockpitError, match="already running"):
            lock_of(db).acquire()
        # Commands reach the child's core (operator role) and pass its pre-trade gate.
        assert (await client.send(SelectMarket(venue="sim-a", symbol="ETH/USDT"))).ok
        request = OrderRequest(
            client_order_id="embedded-1",
            venue="sim-a",
            symbol="BTC/USDT",
            side=Side.BUY,
            type=OrderType.MARKET,
            qty=Decimal("0.001"),
        )
        placed = await client.send(PlaceOrder(request=request))
        assert placed.ok, placed.message
        # Structured answers cross the socket too: the plan preview the TUI confirms, and
        # the execution history with the fill just made.
        # Typed: the answers come back as their models, not as dicts.
        preview = await client.send(PreviewPlan())
        assert preview.ok and isinstance(preview.data, PlanPreview), preview.message
        assert preview.data.plan_id == preview.message and preview.data.orders
        assert preview.data.mode is TradingMode.PAPER
        history = await client.send(ExecutionHistory())
        assert history.ok and isinstance(history.data, ExecutionHistoryView)
        assert history.data.fills >= 1
    finally:
        await client.stop()
    assert client.process.returncode == 0
    assert gone(child) and not client.path.parent.exists()
    lock = lock_of(db)
    lock.acquire()  # released at the child's exit
    lock.release()
    # It flushed its store before exiting: the order is in the database.
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT status FROM orders WHERE client_order_id = 'embedded-1'"
        ).fetchall()
    assert rows and rows[0][0] == "filled"


PARENT = """
import sys, time
from core.answers import PlanPreview
from core.daemon.embedded import PRIVATE_DIR_PREFIX, EmbeddedCore
client = EmbeddedCore(["--db", sys.argv[1]])
client.wait_ready()
print(client.process.pid, client.path.parent, flush=True)
time.sleep(60)
"""


def test_the_child_stops_when_the_tui_is_killed(tmp_path: Path) -> None:
    """kill -9 of the TUI closes the child's stdin: it ends its session in order and exits."""
    db = tmp_path / "c.db"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(db)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        pid, private = parent.stdout.readline().split()
        child = int(pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(WAIT_S)
        deadline = time.monotonic() + WAIT_S
        while not gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(child), "the core outlived the TUI that started it"
        assert not Path(private).exists()  # the core removed the dead TUI's private dir
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
    lock = lock_of(db)
    lock.acquire()
    lock.release()
    import sqlite3

    with sqlite3.connect(db) as conn:
        (ended, clean) = conn.execute(
            "SELECT ended_ns, clean_exit FROM sessions ORDER BY id DESC"
        ).fetchone()
    assert ended is not None and clean == 1  # closed in order, not abandoned


async def test_a_daemon_on_the_same_database_is_one_clear_error(tmp_path: Path) -> None:
    async with running_daemon(tmp_path) as daemon:
        client = EmbeddedCore(["--db", str(daemon.db)])
        with pytest.raises(CockpitError) as caught:
            await asyncio.to_thread(client.wait_ready)
        assert caught.value.title == "Already running"
        assert "cockpit attach" in str(caught.value) and "\n" not in str(caught.value)
        assert client.process is not None and client.process.returncode == 1
        assert not client.path.parent.exists()
        assert daemon.proc.returncode is None  # the daemon is untouched


def test_plain_cockpit_takes_in_process_and_embedded_is_not_for_people(tmp_path: Path) -> None:
    assert build_parser().parse_args(["--in-process"]).in_process is True
    assert not hasattr(build_parser().parse_args([]), "in_process")
    # ``--embedded`` needs the TUI's pipe on stdin: from a terminal or a file it refuses.
    run = subprocess.run(
        [sys.executable, "-m", "cockpit", "daemon", "--embedded", "--db", str(tmp_path / "x.db")],
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT_S,
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "cockpit: usage: --embedded is the TUI's own core: its stdin must be a pipe from the TUI"
    ]


async def test_a_core_that_dies_mid_session_ends_the_tui_and_is_cleaned_up(
    tmp_path: Path,
) -> None:
    """The TUI learns at once (``on_lost``: the app exits with one line), and stopping after
    that neither hangs nor leaves the private directory behind."""
    client = EmbeddedCore(["--db", str(tmp_path / "c.db")], max_hz=10)
    await client.start()
    lost: list[str] = []
    gone_event = asyncio.Event()

    def on_lost(reason: str) -> None:
        lost.append(reason)
        gone_event.set()

    client.on_lost = on_lost
    assert client.process is not None
    os.kill(client.process.pid, signal.SIGKILL)
    await asyncio.wait_for(gone_event.wait(), WAIT_S)
    assert len(lost) == 1
    await asyncio.wait_for(client.stop(), WAIT_S)
    assert client.process.returncode == -signal.SIGKILL
    assert not client.path.parent.exists()


def test_the_core_removes_only_a_private_tui_directory(tmp_path: Path) -> None:
    from core.daemon.runner import remove_private_dir

    private = Path(tempfile.mkdtemp(prefix=PRIVATE_DIR_PREFIX))
    (private / "core.sock").touch()
    remove_private_dir(private)
    assert not private.exists()
    # Anywhere else a --socket may point, nothing is deleted.
    elsewhere = tmp_path / f"{PRIVATE_DIR_PREFIX}lookalike"
    elsewhere.mkdir()
    other = Path(tempfile.mkdtemp(prefix="not-cockpit-"))
    try:
        remove_private_dir(elsewhere)
        remove_private_dir(other)
        assert elsewhere.exists() and other.exists()
    finally:
        other.rmdir()


async def test_the_tuis_kill_switch_and_rearm_take_the_confirm_step_over_the_socket(
    tmp_path: Path,
) -> None:
    """Ctrl+K up to flatten and ``R`` re-arm from the default TUI (its core a child process):
    each passes the confirm modal, and the client then takes the protocol's confirm-token
    step for the flatten and the re-arm (the daemon refuses them without one)."""
    from cockpit.app import make_app
    from cockpit.screens.confirm import ConfirmModal
    from core.config import Settings
    from tests.app.conftest import press, wait_until

    db = tmp_path / "c.db"
    settings = Settings.model_validate({"store": {"path": str(db)}})
    client = EmbeddedCore(["--db", str(db), "--seed", "7"], max_hz=10)
    app = make_app(settings, client)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
            for level in (1, 2, 3):
                await press(pilot, "ctrl+k")
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "modal")
                await press(pilot, "y")
                await wait_until(
                    pilot,
                    lambda level=level: (
                        (s := client.latest()) is not None and s.kill_level == level
                    ),
                    f"kill level {level}",
                )
            await press(pilot, "R")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "re-arm modal")
            await press(pilot, "y")
            await wait_until(
                pilot,
                lambda: (s := client.latest()) is not None and s.kill_level == 0,
                "re-armed",
            )
            state = client.latest()
            assert state is not None and state.trading_enabled
            logged = [e.message for e in state.events]
            assert "kill switch → flattened (operator (Ctrl+K))" in logged
            assert not any("refused unconfirmed" in m for m in logged)
            await app.action_quit()
    finally:
        await client.stop()
