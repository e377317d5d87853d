"""SVG snapshot tests (pytest-textual-snapshot): every pane, modal and screen at 80x24 and 120x40.

The picture is the test. Panes render fixed sample data in the one-widget harness; screens and
modals run the real composition root (``make_app``) on :class:`FixedCore`, which publishes one
fixed state and answers commands from fixed samples: no sim, no clock (every time shown comes
from the samples), no animation, no cursor blink. Each test waits for what it opened (an
event or a condition, never a wall-clock delay) before the screenshot is taken.

When a change to what a pane or screen shows is intended, regenerate the baselines in
``__snapshots__/test_snapshots/`` and look at them before committing:

    pytest --snapshot-update tests/app/test_snapshots.py

A failing run writes ``snapshot_report.html`` (the expected and the actual picture side by
side) in the directory pytest was started from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.containers import Vertical
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from cockpit.app import CockpitApp, make_app
from cockpit.screens.chart import ChartScreen
from cockpit.screens.confirm import ConfirmModal
from cockpit.screens.event import EventModal
from cockpit.screens.forecast import ForecastScreen
from cockpit.screens.help import HelpModal
from cockpit.screens.history import ExecutionHistoryScreen
from cockpit.screens.orders import OpenOrdersScreen
from cockpit.screens.ticket import OrderTicketModal
from core.candles import depth_curve
from core.config import Settings
from core.models import BookIntegrity, FeedState, TradingMode
from core.views import CockpitState
from tests.app import sample_state, samples
from tests.app.conftest import press, wait_until
from tests.app.fixed_core import FixedCore
from tests.app.harness import Harness
from widgets.chart import Chart, ChartMode
from widgets.command_line import CommandLine
from widgets.execution_history import ExecutionHistoryTable
from widgets.execution_log import ExecutionLog
from widgets.holdings_table import HoldingsTable
from widgets.order_book_ladder import OrderBookLadder
from widgets.plan_diff import PlanDiff
from widgets.risk_panel import RiskPanel
from widgets.status import CockpitHeader, FeedStatusLine, trading_status

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
Snap = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


async def settle(pilot: Pilot[Any]) -> None:
    """Let every queue on the screen drain, with the cursor held visible (no blink phase).

    Two rounds: what the first round's messages post is handled in the second. The timeout
    is an upper bound for a loaded machine (it raises), never a wait.
    """
    for _ in range(2):
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot._wait_for_screen(timeout=30.0)
    await pilot.pause()


# ---------------------------------------------------------------------------- panes


def status_lines() -> Widget:
    """The header in each trading state and badge above the feed line, healthy and degraded."""
    return Vertical(
        CockpitHeader(id="active"),
        CockpitHeader(id="paused"),
        CockpitHeader(id="breaker"),
        CockpitHeader(id="halted"),
        CockpitHeader(id="live-observer"),
        CockpitHeader(id="replay"),
        FeedStatusLine(id="feeds"),
        FeedStatusLine(id="degraded"),
        id="subject",
    )


def show_status(app: App[Any]) -> None:
    state = sample_state.state()
    trading = {
        "active": trading_status(True, None, 0),
        "paused": trading_status(False, "kill switch paused: operator (Ctrl+K)", 1),
        "breaker": trading_status(False, "breaker: drawdown 5.2% > 5%", 1),
        "halted": trading_status(False, "reconciling orders", 0),
    }
    for name, status in trading.items():
        app.query_one(f"#{name}", CockpitHeader).show(
            state.mode,
            state.venues,
            "sim-a:BTC/USDT",
            state.ts,
            trading=status,
            holdings=state.holdings,
        )
    app.query_one("#live-observer", CockpitHeader).show(
        TradingMode.LIVE, state.venues, "sim-a:BTC/USDT", state.ts, observer=True, privacy=True
    )
    app.query_one("#replay", CockpitHeader).show(
        state.mode, state.venues, "sim-a:BTC/USDT", state.ts, replay=True
    )
    app.query_one("#feeds", FeedStatusLine).show(state.feeds, state.ts)
    degraded = (
        state.feeds[0].model_copy(update={"checksum_failures": 2, "gaps": 1}),
        state.feeds[1].model_copy(update={"state": FeedState.STALE}),
    )
    app.query_one("#degraded", FeedStatusLine).show(degraded, state.ts)


def show_risk(app: App[Any]) -> None:
    app.query_one(RiskPanel).update_view(sample_state.risk())


def show_chart(app: App[Any]) -> None:
    chart = app.query_one(Chart)
    chart.show_candles(samples.chart_view(), title="BTC/USDT")
    chart.action_cursor(-5)  # the crosshair and its readout


def chart_in(mode: ChartMode) -> Callable[[App[Any]], None]:
    """The chart drawn as ``mode`` (line, area or bars), zoomed in once, without a crosshair."""

    def fill(app: App[Any]) -> None:
        chart = app.query_one(Chart)
        chart.mode = mode
        chart.show_candles(samples.chart_view(), title="BTC/USDT")
        chart.action_zoom(1)

    return fill


PANES: dict[str, tuple[Callable[[], Widget], Callable[[App[Any]], None]]] = {
    "holdings": (
        lambda: HoldingsTable(id="subject"),
        lambda app: app.query_one(HoldingsTable).update_view(samples.holdings()),
    ),
    "holdings_imported": (
        lambda: HoldingsTable(id="subject"),
        lambda app: app.query_one(HoldingsTable).update_view(samples.imported_holdings()),
    ),
    "book": (
        lambda: OrderBookLadder(id="subject"),
        lambda app: app.query_one(OrderBookLadder).update_book(samples.book()),
    ),
    "book_unverified": (
        lambda: OrderBookLadder(id="subject"),
        lambda app: app.query_one(OrderBookLadder).update_book(
            samples.book(BookIntegrity.RESYNCING), stale=True
        ),
    ),
    "risk": (lambda: RiskPanel(id="subject"), show_risk),
    "plan": (
        lambda: PlanDiff(id="subject"),
        lambda app: app.query_one(PlanDiff).update_view(samples.plan()),
    ),
    "plan_stale": (
        lambda: PlanDiff(id="subject"),
        lambda app: app.query_one(PlanDiff).update_view(samples.plan(stale=True)),
    ),
    "plan_outcome": (
        lambda: PlanDiff(id="subject"),
        lambda app: app.query_one(PlanDiff).update_view(samples.executed_plan()),
    ),
    "log": (
        lambda: ExecutionLog(id="subject"),
        lambda app: app.query_one(ExecutionLog).update_events(samples.events()),
    ),
    "execution_history": (
        lambda: ExecutionHistoryTable(id="subject"),
        lambda app: app.query_one(ExecutionHistoryTable).update_view(
            sample_state.execution_history()
        ),
    ),
    "status_line": (status_lines, show_status),
    "chart": (lambda: Chart(id="subject"), show_chart),
    **{
        f"chart_{mode.value}": (lambda: Chart(id="subject"), chart_in(mode))
        for mode in (ChartMode.LINE, ChartMode.AREA, ChartMode.BARS)
    },
    "depth_chart": (
        lambda: Chart(id="subject", depth=True),
        lambda app: app.query_one(Chart).show_depth(*depth_curve(samples.book()), title="cum size"),
    ),
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("pane", list(PANES))
def test_pane(snap_compare: Snap, pane: str, size: str) -> None:
    make, fill = PANES[pane]
    app = Harness(make())

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)  # laid out first: a pane fits what it shows to its width
        fill(pilot.app)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


# ---------------------------------------------------------------------------- screens


def cockpit(settings: Settings, state: CockpitState | None = None) -> CockpitApp:
    """The real app on a fixed state, without animation."""
    app = make_app(settings, FixedCore(state))
    app.animation_level = "none"
    return app


async def first_state(pilot: Pilot[Any]) -> CockpitApp:
    app = pilot.app
    assert isinstance(app, CockpitApp)
    await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
    await settle(pilot)
    return app


async def opened(pilot: Pilot[Any], kind: type[Screen[Any]]) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)
    await settle(pilot)


async def main_screen(pilot: Pilot[Any]) -> None:
    await first_state(pilot)


def main_pane(key: str, pane: str) -> RunBefore:
    """The main screen after a pane's key: at 80x24 that pane alone, at 120x40 focused."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = await first_state(pilot)
        await press(pilot, key)
        await wait_until(pilot, lambda: app.main.active == pane, f"the {pane} pane")
        await settle(pilot)

    return run_before


async def forecast_screen(pilot: Pilot[Any]) -> None:
    """``f`` in the risk pane: forecast VaR against realised loss, its backtest badges."""
    await first_state(pilot)
    await press(pilot, "2", "f")
    await opened(pilot, ForecastScreen)


async def palette(pilot: Pilot[Any]) -> None:
    """Ctrl+P with "kill" typed: the cockpit's own commands are found."""
    await first_state(pilot)
    await press(pilot, "ctrl+p")
    await opened(pilot, CommandPalette)
    for char in "kill":
        await press(pilot, char)
    screen = pilot.app.screen
    assert isinstance(screen, CommandPalette)

    def listed() -> bool:
        searching = any(
            w.node is screen and w.is_running and w.group == CommandPalette._GATHER_COMMANDS_GROUP
            for w in pilot.app.workers
        )
        return not searching and screen.query_one(CommandList).option_count > 0

    await wait_until(pilot, listed, "the palette's hits")
    await settle(pilot)


async def command_line(pilot: Pilot[Any]) -> None:
    """``:`` with "plan " typed: the presets offered as completions."""
    app = await first_state(pilot)
    await press(pilot, "colon")
    line = app.main.query_one(CommandLine)
    await wait_until(pilot, lambda: line.is_open, "the command line")
    for char in "plan ":
        await press(pilot, "space" if char == " " else char)
    await wait_until(pilot, lambda: line.input.value == "plan ", "the typed line")
    await settle(pilot)


async def chart_screen(pilot: Pilot[Any]) -> None:
    await first_state(pilot)
    await press(pilot, "c")
    await opened(pilot, ChartScreen)
    screen = pilot.app.screen
    assert isinstance(screen, ChartScreen)
    await wait_until(pilot, lambda: screen.loads >= 1, "the chart's history")
    await press(pilot, "left")  # the crosshair and its readout
    await settle(pilot)


async def history_screen(pilot: Pilot[Any]) -> None:
    await first_state(pilot)
    await press(pilot, "5", "h")
    await opened(pilot, ExecutionHistoryScreen)
    screen = pilot.app.screen
    assert isinstance(screen, ExecutionHistoryScreen)
    await wait_until(pilot, lambda: screen.view is not None, "the execution history")
    await settle(pilot)


async def open_orders_screen(pilot: Pilot[Any]) -> None:
    await first_state(pilot)
    await press(pilot, "O")
    await opened(pilot, OpenOrdersScreen)


async def help_modal(pilot: Pilot[Any]) -> None:
    await first_state(pilot)
    await press(pilot, "question_mark")
    await opened(pilot, HelpModal)


async def event_modal(pilot: Pilot[Any]) -> None:
    await first_state(pilot)
    await press(pilot, "5", "enter")
    await opened(pilot, EventModal)


async def execute_confirm(pilot: Pilot[Any]) -> None:
    await first_state(pilot)
    await press(pilot, "ctrl+e")
    await opened(pilot, ConfirmModal)


async def kill_switch_confirm(pilot: Pilot[Any]) -> None:
    await first_state(pilot)
    await press(pilot, "ctrl+k")
    await opened(pilot, ConfirmModal)


async def order_ticket(pilot: Pilot[Any]) -> None:
    """The ticket with a limit buy typed in: its estimate against the fixed book."""
    await first_state(pilot)
    await press(pilot, "o")
    await opened(pilot, OrderTicketModal)
    await press(pilot, "0", ".", "2")  # the quantity has the focus
    pilot.app.screen.query_one("#price", Input).value = "60001"
    await settle(pilot)


async def order_confirm(pilot: Pilot[Any]) -> None:
    await order_ticket(pilot)
    await press(pilot, "ctrl+r")  # Review
    await opened(pilot, ConfirmModal)


async def cancel_confirm(pilot: Pilot[Any]) -> None:
    await open_orders_screen(pilot)
    await press(pilot, "d")
    await opened(pilot, ConfirmModal)


PANE_KEYS = (("2", "risk"), ("3", "plan"), ("4", "book"), ("5", "log"))
SCREENS: dict[str, RunBefore] = {
    "main": main_screen,
    "chart": chart_screen,
    "history": history_screen,
    "open_orders": open_orders_screen,
    "help": help_modal,
    "event": event_modal,
    "confirm_execute": execute_confirm,
    "confirm_kill_switch": kill_switch_confirm,
    "ticket": order_ticket,
    "confirm_order": order_confirm,
    "confirm_cancel": cancel_confirm,
    "forecast": forecast_screen,
    "palette": palette,
    "command_line": command_line,
    **{f"pane_{pane}": main_pane(key, pane) for key, pane in PANE_KEYS},
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Snap, settings: Settings, screen: str, size: str) -> None:
    app = cockpit(settings)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])


@pytest.mark.parametrize("size", list(SIZES))
def test_main_screen_paused(snap_compare: Snap, settings: Settings, size: str) -> None:
    """After Ctrl+K step 1 the status line says PAUSED, who paused it and the re-arm key."""
    state = sample_state.state().model_copy(
        update={
            "trading_enabled": False,
            "trading_reason": "kill switch paused: operator (Ctrl+K)",
            "kill_level": 1,
        }
    )
    app = cockpit(settings, state)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=main_screen)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("ui", [{"theme": "light"}, {"privacy": True}], ids=["light", "privacy"])
def test_main_screen_configured(
    snap_compare: Snap, tmp_path: Path, ui: dict[str, object], size: str
) -> None:
    """The light theme, and privacy mode (every amount masked), as configured at start."""
    settings = Settings.model_validate({"store": {"path": str(tmp_path / "cockpit.db")}, "ui": ui})
    assert snap_compare(cockpit(settings), terminal_size=SIZES[size], run_before=main_screen)
