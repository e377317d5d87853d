"""App-flow fixtures: the real composition root on the simulated exchange, plus wait helpers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from cockpit.app import CockpitApp, make_app
from core.bootstrap import build_core
from core.client import ThreadedCore
from core.config import Settings

WAIT_S = 20.0
"""Upper bound for any condition to hold; a healthy run meets each in well under a second."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Defaults (two sim venues, demo portfolio), with the database in the test's tmp dir."""
    return Settings.model_validate({"store": {"path": str(tmp_path / "cockpit.db")}})


@asynccontextmanager
async def running_app(
    settings: Settings, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[CockpitApp, Pilot[int]]]:
    """``make_app`` with a real threaded core on the sim, headless; the core is stopped after."""
    client = ThreadedCore(lambda: build_core(settings))
    app = make_app(settings, client)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
            yield app, pilot
    finally:
        await client.stop()


KEY_CHARS = {
    "question_mark": "?",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "tab": "\t",
    "escape": "\x1b",
    "slash": "/",
    "colon": ":",
    "space": " ",
    "enter": "\r",
    "backspace": "\x7f",
    "shift+tab": None,
}


async def press(pilot: Pilot[int], *keys: str) -> None:
    """Press keys the way the terminal driver delivers them, then let the screen process them.

    ``Pilot.press`` waits until the *process* looks idle (up to 1 s a key), which never happens
    while the core thread streams the sim; posting the key event and waiting for the screen's
    queues to drain is what a user's key press goes through.
    """
    for key in keys:
        char = KEY_CHARS[key] if key in KEY_CHARS else key if len(key) == 1 else None
        pilot.app.post_message(events.Key(key, char))
        # The app handles the key, then forwards it to the focused widget: two rounds of
        # "every queue on the screen has drained" (the same wait Pilot.press does, without
        # its idle wait) cover both hops, so the key's effect is there when this returns.
        for _ in range(2):
            await pilot._wait_for_screen(timeout=10.0)


async def wait_until(
    pilot: Pilot[int], condition: Callable[[], bool], what: str, limit_s: float = WAIT_S
) -> None:
    """Let the app process messages until ``condition`` holds; fail after ``limit_s`` seconds."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s:.0f}s waiting for {what}")
        await pilot.pause(0.02)
