"""``cockpit attach``: the same TUI on a daemon's socket, quick to show state, detachable."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.app import make_app
from cockpit.commands.attach import attached_app
from core.config import Settings
from core.daemon.protocol import Role
from core.daemon.remote import RemoteCore
from core.views import KillSwitch
from tests.app.conftest import WAIT_S, wait_until
from tests.daemon.conftest import PROJECT_ROOT, running_daemon
from widgets.holdings_table import HoldingsTable


async def attach_once(
    settings: Settings, socket: Path, role: Role, *, newer_than: int = 0
) -> tuple[float, int]:
    """Attach the real app, wait for a rendered state (one newer than ``newer_than``); return
    (seconds from the attach to the state on screen, version shown). Textual's own start-up,
    which the in-process TUI pays as well, is before the attach and not counted
    (bench/attach.py measures it all)."""
    client = RemoteCore(socket, role=role, max_hz=settings.ui.fps)
    app = make_app(settings, client)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                app.states_seen >= 1
                and app.main.query_one(HoldingsTable).view is not None
                and app.main.state is not None
                and app.main.state.version > newer_than
            ),
            "the first rendered state",
        )
        assert client.started_at is not None
        latency = time.perf_counter() - client.started_at
        state = app.main.state
        assert state is not None and state.holdings is not None
        version = state.version
        if role is Role.OBSERVER:
            refused = await client.send(KillSwitch())
            assert not refused.ok and "operator role" in refused.message
        await app.action_quit()
    await client.stop()
    return latency, version


async def test_attach_shows_state_and_detaching_keeps_the_daemon(
    tmp_path: Path,
) -> None:
    async with running_daemon(tmp_path) as daemon:
        settings = Settings.model_validate({"store": {"path": str(daemon.db)}})
        # How soon (under a second on an idle machine) is bench/attach.py's to measure.
        first, v1 = await attach_once(settings, daemon.socket, Role.OPERATOR)
        assert first > 0
        # Detached: the daemon kept running and publishing; attach again, as an observer.
        assert daemon.proc.returncode is None
        # A busy daemon may not have published since (its first risk fit runs in a thread):
        # wait for a newer state rather than sample the one it attached to.
        second, v2 = await attach_once(settings, daemon.socket, Role.OBSERVER, newer_than=v1)
        assert second > 0 and v2 > v1

        # The daemon stopping under an attached TUI ends it with a one-line reason.
        client = RemoteCore(daemon.socket, role=Role.OBSERVER)
        app = attached_app(settings, client)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
            code, _, _ = await daemon.terminate()
            assert code == 0  # 0: a clean stop, not the hard deadline (which exits non-zero)
            await wait_until(pilot, lambda: app.return_code == 1, "the app to exit")
        await client.stop()
        assert app.return_code == 1


def tmux(server: str, *args: str) -> str:
    out = subprocess.run(
        ["tmux", "-L", server, *args], capture_output=True, text=True, timeout=10, check=False
    )
    return out.stdout


async def wait_pane(server: str, session: str, needle: str) -> float:
    started = time.perf_counter()
    while needle not in (screen := tmux(server, "capture-pane", "-p", "-t", session)):
        if time.perf_counter() - started > WAIT_S:
            raise AssertionError(f"{needle!r} never appeared in tmux pane {session}:\n{screen}")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
async def test_attach_in_tmux_kill_the_session_attach_again(tmp_path: Path) -> None:
    """The issue's scenario: attach in tmux, kill tmux, attach again; the daemon never stops."""
    # Unique per process: other checkouts running this test at once share the tmux socket dir.
    server = f"cockpit-test-{os.getpid()}-{tmp_path.name}"
    async with running_daemon(tmp_path) as daemon:
        cmd = (
            f"cd {PROJECT_ROOT} && {sys.executable} -m cockpit attach --db {daemon.db} "
            f"--socket {daemon.socket}"
        )
        try:
            for round_ in (1, 2):
                tmux(server, "new-session", "-d", "-s", f"a{round_}", "-x", "120", "-y", "40", cmd)
                await wait_pane(server, f"a{round_}", "▸ BTC")  # holdings rows are shown
                # The header too; a capture can land mid-repaint (tmux resizes the new window
                # from 80x24 to 120x40 just after the app starts), so wait, never sample once.
                await wait_pane(server, f"a{round_}", "PAPER")
                tmux(server, "kill-session", "-t", f"a{round_}")
                status = RemoteCore(daemon.socket, role=Role.OBSERVER)
                await status.start()
                info = await status.status()
                await status.stop()
                assert info["pid"] == daemon.proc.pid and daemon.proc.returncode is None
        finally:
            tmux(server, "kill-server")
        code, _, _ = await daemon.terminate()
        assert code == 0


async def test_an_observer_sees_its_badge_and_is_offered_no_trading_action(
    tmp_path: Path,
) -> None:
    from cockpit.screens.confirm import ConfirmModal
    from cockpit.screens.main import MainScreen
    from tests.app.conftest import press
    from widgets.status import CockpitHeader

    async with running_daemon(tmp_path) as daemon:
        settings = Settings.model_validate({"store": {"path": str(daemon.db)}})
        client = RemoteCore(daemon.socket, role=Role.OBSERVER, max_hz=settings.ui.fps)
        app = make_app(settings, client)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
            header = app.main.query_one(CockpitHeader)
            assert "OBSERVER" in str(header.content)
            for key in ("ctrl+k", "ctrl+e", "R"):
                await press(pilot, key)
                await pilot.pause(0.1)
                assert isinstance(app.screen, MainScreen)  # no confirmation offered
                assert not any(isinstance(s, ConfirmModal) for s in app.screen_stack)
            await wait_until(
                pilot,
                lambda: any("read-only" in n.message for n in app._notifications),
                "the read-only notice",
            )
            await app.action_quit()
        await client.stop()
        # An operator's TUI has no badge.
        client = RemoteCore(daemon.socket, role=Role.OPERATOR, max_hz=settings.ui.fps)
        app = make_app(settings, client)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
            assert "OBSERVER" not in str(app.main.query_one(CockpitHeader).content)
            await app.action_quit()
        await client.stop()
