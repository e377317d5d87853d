"""The slowly read panes repaint on a budget: each at most every ``PAINT_INTERVAL_S``, and never
two of them in the same frame, so no frame carries two big tables for a key press to wait on."""

from __future__ import annotations

import itertools
import time
from typing import Any

from cockpit.screens.main import PAINT_INTERVAL_S, SPREAD_S
from core.config import Settings
from tests.app.conftest import running_app, wait_until
from widgets.execution_log import ExecutionLog
from widgets.holdings_table import HoldingsTable
from widgets.plan_diff import PlanDiff

PANES = {
    "holdings": (HoldingsTable, "update_view"),
    "plan": (PlanDiff, "update_view"),
    "log": (ExecutionLog, "update_events"),
}


async def test_throttled_panes_repaint_on_their_interval_and_never_together(
    settings: Settings,
) -> None:
    fast = settings.model_copy(update={"sim": settings.sim.model_copy(update={"tick_hz": 50.0})})
    painted: list[tuple[float, str]] = []
    async with running_app(fast) as (app, pilot):
        for name, (cls, method) in PANES.items():
            widget: Any = app.main.query_one(cls)
            original = getattr(widget, method)

            def record(*args: Any, _name: str = name, _orig: Any = original, **kw: Any) -> None:
                painted.append((time.monotonic(), _name))
                _orig(*args, **kw)

            setattr(widget, method, record)
        await wait_until(
            pilot,
            lambda: {n for _, n in painted} == set(PANES) and len(painted) >= 12,
            "a dozen repaints of the three panes",
        )
    for name, interval in PAINT_INTERVAL_S.items():
        times = [t for t, n in painted if n == name]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(g >= interval * 0.95 for g in gaps), (name, gaps)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(painted)]
    assert min(gaps) >= SPREAD_S * 0.95, gaps
