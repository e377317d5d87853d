"""The watchdog: a thread outside the event loop that notices a core that stops publishing.

A NaN sleep once stopped every timer of the event loop: feeds, publisher, breakers and
reconcile all stopped while ping still answered, and the stale-data breaker never fired
because its own timer had died too. So the watchdog does not rely on the loop's timers:

- in the loop, a heartbeat task marks the core dirty every ``limit_s / 4`` (so a healthy core
  publishes at least that often, however quiet its markets);
- in a thread, :class:`StallDetector` sees each published state; when none came for
  ``limit_s`` it logs an error at once (from the thread) and hands the loop a callback
  (``call_soon_threadsafe``, which needs no timer) that logs an event, trips the kill switch
  to ``paused`` (the stale-data breaker's action) and publishes, so every client sees why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

from core.execution.safety import KillLevel
from core.models import EventKind, EventLevel
from core.service import Core
from core.views import CockpitState

log = logging.getLogger(__name__)


class StallDetector:
    """Sans-I/O: the times states were published, and whether that stopped for too long."""

    def __init__(self, limit_s: float, now: float) -> None:
        self.limit_s = limit_s
        self.last = now
        self.version = -1
        self.stalled = False

    def published(self, version: int, now: float) -> bool:
        """A state was published; True when it ends a stall (publishing resumed)."""
        if version == self.version:
            return False
        self.version, self.last = version, now
        resumed, self.stalled = self.stalled, False
        return resumed

    def check(self, now: float) -> str | None:
        """Why the core looks stalled, once per stall; None while it publishes."""
        silent = now - self.last
        if self.stalled or silent <= self.limit_s:
            return None
        self.stalled = True
        return f"the core published nothing for {silent:.0f} s (its timers or publisher stalled)"


class Watchdog:
    """Runs a :class:`StallDetector` over a core: heartbeat task in its loop, checker thread."""

    def __init__(
        self, core: Core, limit_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.core = core
        self.limit_s = limit_s
        self.clock = clock
        self.detector = StallDetector(limit_s, clock())
        self.trips = 0
        self._tripping = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the heartbeat (a core task) and the checker thread."""
        self._loop = asyncio.get_running_loop()
        self.core.add_listener(self._on_state)
        self.core.spawn("watchdog:heartbeat", self._heartbeat())
        self._thread = threading.Thread(target=self._run, name="cockpit-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (first thing at shutdown: a stopping core is not a stalled one)."""
        self._stop.set()
        self.core.remove_listener(self._on_state)
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    async def _heartbeat(self) -> None:
        while True:
            self.core.mark_dirty()
            await asyncio.sleep(self.limit_s / 4)

    def _on_state(self, state: CockpitState) -> None:
        if self._tripping:
            return
        with self._lock:
            resumed = self.detector.published(state.version, self.clock())
        if resumed:
            log.warning("watchdog: the core publishes again (trading stays paused)")

    def _run(self) -> None:
        period = min(1.0, self.limit_s / 4)
        while not self._stop.wait(period):
            with self._lock:
                reason = self.detector.check(self.clock())
            if reason is not None and self._loop is not None:
                log.error("watchdog: %s", reason)
                with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to trip
                    self._loop.call_soon_threadsafe(self._trip, reason)

    def _trip(self, reason: str) -> None:
        """In the loop: say so, pause trading (the stale-data breaker's action), publish."""
        self.trips += 1
        self.core.log_event(EventKind.SYSTEM, f"watchdog: {reason}", level=EventLevel.ERROR)
        execution = self.core.execution
        if execution is not None:
            self.core.spawn(
                "watchdog:breaker",
                execution.safety.engage(
                    KillLevel.PAUSED, f"breaker: watchdog: {reason}", actor="watchdog"
                ),
            )
        self._tripping = True  # this publish says why; it is not the core resuming
        try:
            self.core.publish()
        finally:
            self._tripping = False
