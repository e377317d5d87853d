"""SVG snapshot tests: each pane widget with fixed data at 80x24 and 160x48.

The harness has no core, no clock and no animation, so the same code draws the same SVG.
When a change to a widget is intended, regenerate and review the files in ``snapshots/``:

    UPDATE_SNAPSHOTS=1 /work/venv/bin/pytest tests/app/test_snapshots.py

(open the SVGs in a browser to look at them), then commit them with the change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widget import Widget

from core.candles import depth_curve
from tests.app import samples
from tests.app.harness import Harness
from widgets.chart import Chart
from widgets.execution_log import ExecutionLog
from widgets.holdings_table import HoldingsTable
from widgets.order_book_ladder import OrderBookLadder
from widgets.plan_diff import PlanDiff

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
SIZES = ((80, 24), (160, 48))


def holdings() -> Widget:
    widget = HoldingsTable(id="subject")
    widget.call_after_refresh(widget.update_view, samples.holdings())
    return widget


def book() -> Widget:
    widget = OrderBookLadder(id="subject")
    widget.call_after_refresh(widget.update_book, samples.book())
    return widget


def plan() -> Widget:
    widget = PlanDiff(id="subject")
    widget.call_after_refresh(widget.update_view, samples.plan())
    return widget


def plan_outcome() -> Widget:
    widget = PlanDiff(id="subject")
    widget.call_after_refresh(widget.update_view, samples.executed_plan())
    return widget


def log() -> Widget:
    widget = ExecutionLog(id="subject")
    widget.call_after_refresh(widget.update_events, samples.events())
    return widget


def chart() -> Widget:
    widget = Chart(id="subject")
    widget.call_after_refresh(widget.show_candles, samples.chart_view(), title="BTC/USDT")
    widget.call_after_refresh(widget.action_cursor, -5)  # the crosshair and its readout
    return widget


def depth() -> Widget:
    widget = Chart(id="subject", depth=True)
    widget.call_after_refresh(widget.show_depth, *depth_curve(samples.book()), title="cum size")
    return widget


WIDGETS: dict[str, Callable[[], Widget]] = {
    "holdings": holdings,
    "book": book,
    "plan": plan,
    "plan_outcome": plan_outcome,
    "log": log,
    "chart": chart,
    "depth": depth,
}


async def screenshot(make: Callable[[], Widget], size: tuple[int, int]) -> str:
    app = Harness(make())
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        return app.export_screenshot()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(WIDGETS))
async def test_widget_matches_snapshot(name: str, size: tuple[int, int]) -> None:
    svg = await screenshot(WIDGETS[name], size)
    path = SNAPSHOTS / f"{name}_{size[0]}x{size[1]}.svg"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        return
    assert path.is_file(), f"{path} missing: run with UPDATE_SNAPSHOTS=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert svg == expected, (
        f"{name} at {size[0]}x{size[1]} differs from {path.name}; if intended, regenerate with "
        "UPDATE_SNAPSHOTS=1 and review the SVG"
    )


async def test_snapshots_are_deterministic() -> None:
    """Two renders of the same data are byte-identical (no clock, ids or animation leak in)."""
    first = await screenshot(holdings, (80, 24))
    second = await screenshot(holdings, (80, 24))
    assert first == second
    assert "BTC" in first and "60,000.00" in first
