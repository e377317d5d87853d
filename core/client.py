"""The narrow interface the UI uses to talk to a core, and its in-process implementation.

:class:`CoreClient` is all a TUI needs: the latest state, a stream of states at a capped rate,
and commands. :class:`ThreadedCore` runs a :class:`~core.service.Core` on its own event loop in
a background thread, so the UI loop only ever renders; the daemon's socket client implements
the same protocol, so the TUI cannot tell where its core runs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Protocol

from core.errors import CockpitError
from core.views import CockpitState, Command, CommandResult

if TYPE_CHECKING:  # a client of a remote core never loads the service (or numpy/scipy)
    from core.service import Core


class CoreClient(Protocol):
    @property
    def read_only(self) -> bool:
        """True when this client may not trade (an observer, a replay): the TUI then shows
        it and offers no trading action."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def latest(self) -> CockpitState | None: ...

    def updates(self, max_hz: float) -> AsyncIterator[CockpitState]: ...

    async def send(self, command: Command) -> CommandResult: ...


async def paced_states(
    latest: Callable[[], CockpitState | None],
    changed: asyncio.Event,
    max_hz: float,
    running: Callable[[], bool] = lambda: True,
) -> AsyncIterator[CockpitState]:
    """Each new state ``latest()`` gives, at most ``max_hz`` a second; ``changed`` wakes it.

    Intermediate states are skipped: a client that draws slower than states arrive always gets
    the newest one. Used by the daemon and replay clients, whose owner sets ``changed``.
    """
    interval = 1.0 / max_hz
    last: CockpitState | None = None
    while running():
        state = latest()
        if state is None or state is last:
            changed.clear()
            await changed.wait()
            continue
        last = state
        yield state
        await asyncio.sleep(interval)


class ThreadedCore:
    """A core running in a background thread, used from another event loop."""

    read_only = False

    def __init__(self, factory: Callable[[], Core], *, start_timeout: float = 30.0) -> None:
        self._factory = factory
        self._timeout = start_timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._core: Core | None = None
        self._latest: CockpitState | None = None
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop_requested: asyncio.Event | None = None

    @property
    def core(self) -> Core | None:
        return self._core

    async def start(self) -> None:
        self._thread = threading.Thread(target=self._thread_main, name="cockpit-core", daemon=True)
        self._thread.start()
        ok = await asyncio.to_thread(self._ready.wait, self._timeout)
        if self._error is not None:
            raise self._error
        if not ok:
            raise CockpitError("the core did not start in time", title="Start-up failed")

    def _thread_main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        try:
            core = self._factory()
            core.add_listener(self._on_state)
            await core.start()
            self._core = core
        except BaseException as exc:  # surfaced to the caller of start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop_requested.wait()
        finally:
            await core.stop()

    def _on_state(self, state: CockpitState) -> None:
        self._latest = state
        for loop, event in list(self._waiters):
            loop.call_soon_threadsafe(event.set)

    async def stop(self) -> None:
        loop, stop = self._loop, self._stop_requested
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 30.0)

    def latest(self) -> CockpitState | None:
        return self._latest

    async def updates(self, max_hz: float) -> AsyncIterator[CockpitState]:
        """Each new state, at most ``max_hz`` a second; intermediate states are skipped."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        self._waiters.add(waiter)
        interval = 1.0 / max_hz
        last_version = -1
        try:
            while True:
                state = self._latest
                if state is None or state.version == last_version:
                    await event.wait()
                    event.clear()
                    continue
                last_version = state.version
                yield state
                await asyncio.sleep(interval)
        finally:
            self._waiters.discard(waiter)

    async def send(self, command: Command) -> CommandResult:
        core, loop = self._core, self._loop
        if core is None or loop is None:
            return CommandResult(ok=False, message="core not running")
        future: concurrent.futures.Future[CommandResult] = asyncio.run_coroutine_threadsafe(
            core.execute(command), loop
        )
        return await asyncio.wrap_future(future)
