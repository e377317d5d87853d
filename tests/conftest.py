"""Shared fixtures: where the real recorded data lives, and a clean environment."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.store import Store

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("COCKPIT_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real, third-party data in ``../shared/data`` (never copied into the project)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh store (migrated database) in the test's tmp dir, closed after the test."""
    s = await Store.open(tmp_path / "test.db")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep XDG dirs and COCKPIT_* variables of the developer's machine out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in list(os.environ):
        if name.startswith("COCKPIT_") and name != "COCKPIT_SHARED_DATA":
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail the test that leaves a non-daemon thread running.

    Such a thread (an unclosed aiosqlite connection, a core that was never stopped) keeps
    the interpreter alive after the last test, so the run would hang instead of failing.
    """
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and not t.daemon]
    for thread in leaked:
        thread.join(timeout=2.0)
    alive = [t.name for t in leaked if t.is_alive()]
    assert not alive, f"test left non-daemon threads running: {alive}"


HANG_S = float(os.environ.get("COCKPIT_TEST_HANG_S", "240"))
"""A test still running after this long is reported with the stack of every asyncio task."""


_config: pytest.Config | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _config
    _config = config


def _dump_tasks(signum: int, frame: object) -> None:
    """Runs in the main thread (a signal handler), so the running loop is the test's own.

    Written past pytest's capture: a run that never ends would otherwise lose it.
    """
    capman = _config.pluginmanager.getplugin("capturemanager") if _config else None
    with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
        loop = asyncio._get_running_loop()
        print(f"\n=== test still running after {HANG_S:.0f}s: asyncio tasks ===", file=sys.stderr)
        if loop is None:
            print("(no event loop running in the main thread)", file=sys.stderr)
            return
        for task in asyncio.all_tasks(loop):
            task.print_stack(file=sys.stderr)


@pytest.fixture(autouse=True)
def _report_hangs() -> Iterator[None]:
    """On a hang, dump where every task waits: a hung CI run then names its cause.

    The test goes on (the suite's own time limit ends it); the dump is only evidence.
    """
    previous = signal.signal(signal.SIGUSR1, _dump_tasks)
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(HANG_S, signal.pthread_kill, (main, signal.SIGUSR1))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
