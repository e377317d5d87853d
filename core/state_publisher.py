"""Publishing the core's state: a new immutable state at the UI rate whenever something changed.

:class:`StatePublisher` keeps the listeners (the in-process TUI's bridge, the daemon's
connections, the watchdog), the latest state and a "something changed" flag. Its loop
builds a state (with the ``build`` function the core hands it) at most ``ui.fps`` times a
second, and only after a change: high-rate updates coalesce into the next state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from core.views import CockpitState

StateListener = Callable[[CockpitState], None]
StateBuilder = Callable[[int, CockpitState | None], CockpitState]
"""Builds the state numbered ``version`` from the previous one (reusing what did not change)."""


class StatePublisher:
    """The latest state, its listeners, and the flag that asks for the next one."""

    def __init__(self, build: StateBuilder, fps: Callable[[], float]) -> None:
        self.state: CockpitState | None = None
        self._build = build
        self._fps = fps
        self._listeners: list[StateListener] = []
        self._dirty = asyncio.Event()
        self._version = 0

    def add_listener(self, listener: StateListener) -> None:
        """Hear every published state, starting with the current one."""
        self._listeners.append(listener)
        if self.state is not None:
            listener(self.state)

    def remove_listener(self, listener: StateListener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def mark_dirty(self) -> None:
        """Something shown changed: publish a new state at the next UI tick."""
        self._dirty.set()

    def publish(self) -> CockpitState:
        """Build the current state and hand it to every listener."""
        self._version += 1
        state = self._build(self._version, self.state)
        self.state = state
        for listener in list(self._listeners):
            listener(state)
        return state

    async def run(self, first: Callable[[], Awaitable[None]]) -> None:
        """After ``first`` (the first risk figures), publish after each change, capped at fps."""
        await first()
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            self.publish()
            await asyncio.sleep(1.0 / self._fps())
