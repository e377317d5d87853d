"""Shared fixtures: where the real recorded data lives, and a clean environment."""

from __future__ import annotations

import os
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
