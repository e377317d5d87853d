"""The watchdog: a core that stops publishing trips the stale-data breaker and says so."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

import pytest

from core.bootstrap import build_core
from core.daemon.watchdog import StallDetector, Watchdog
from core.views import CockpitState
from tests.app.conftest import WAIT_S
from tests.daemon.recorded import sim_settings


def test_the_detector_fires_once_per_stall_on_a_driven_clock() -> None:
    detector = StallDetector(limit_s=10.0, now=0.0)
    assert detector.check(9.0) is None
    assert not detector.published(1, 9.5)
    assert detector.check(19.0) is None  # 9.5 s since the last state
    reason = detector.check(20.0)
    assert reason == "the core published nothing for 10 s (its timers or publisher stalled)"
    assert detector.check(60.0) is None  # said once per stall
    assert not detector.published(1, 61.0)  # the same version again is not progress
    assert detector.published(2, 62.0)  # publishing resumed
    assert detector.check(70.0) is None and detector.check(72.5) is not None


class DrivenClock:
    """A monotonic clock the test moves; thread-safe (the watchdog reads it from its thread)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


async def test_a_stalled_publisher_pauses_trading_and_tells_the_clients(tmp_path: Path) -> None:
    core = build_core(sim_settings(tmp_path / "c.db"))
    await core.start()
    clock = DrivenClock()
    watchdog = Watchdog(core, limit_s=5.0, clock=clock)
    watchdog.start()
    told = asyncio.Event()
    seen: list[CockpitState] = []

    def on_state(state: CockpitState) -> None:
        if any(e.message.startswith("watchdog: ") for e in state.events):
            seen.append(state)
            told.set()

    try:
        # The publisher dies (as when a NaN sleep stopped every timer); time passes.
        publisher = next(t for t in core.tasks.tasks if t.get_name() == "publisher")
        publisher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await publisher
        core.add_listener(on_state)
        clock.advance(6.0)
        await asyncio.wait_for(told.wait(), WAIT_S)
        assert watchdog.trips == 1
        assert "published nothing for 6 s" in seen[0].events[-1].message

        # The stale-data breaker's action, in a core task of its own: trading is paused.
        for task in [t for t in core.tasks.tasks if t.get_name() == "watchdog:breaker"]:
            await asyncio.wait_for(task, WAIT_S)
        assert core.execution is not None and core.execution.kill.level == 1
        assert "breaker: watchdog: the core published nothing" in str(
            core.execution.disabled_reason
        )
    finally:
        core.remove_listener(on_state)
        watchdog.stop()
        await core.stop()


def test_every_configured_interval_is_finite() -> None:
    """Intervals, rates and timeouts reach sleeps: NaN and infinity are refused at load."""
    from pydantic import ValidationError

    from core.config import Settings

    for section, field in (
        ("ui", "fps"),
        ("daemon", "watchdog_s"),
        ("daemon", "hello_timeout_s"),
        ("journal", "keyframe_s"),
        ("risk", "recompute_s"),
    ):
        for bad in (float("nan"), float("inf")):
            with pytest.raises(ValidationError, match=field):
                Settings.model_validate({section: {field: bad}})
    with pytest.raises(ValidationError, match="operator_reserve must be below max_clients"):
        Settings.model_validate({"daemon": {"max_clients": 4, "operator_reserve": 4}})
