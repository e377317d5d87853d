"""MainScreen: the five panes together, or one at a time on small terminals."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget

from core.models import FeedState
from core.views import CockpitState
from widgets.command_line import CommandLine
from widgets.execution_log import ExecutionLog
from widgets.holdings_table import HoldingsTable
from widgets.key_hints import KeyHints
from widgets.order_book_ladder import OrderBookLadder
from widgets.plan_diff import PlanDiff
from widgets.risk_panel import RiskPanel
from widgets.status import CockpitHeader, FeedStatusLine, trading_status

PANES: tuple[tuple[str, str], ...] = (
    ("holdings", "1 Holdings"),
    ("risk", "2 Risk"),
    ("plan", "3 Plan"),
    ("book", "4 Order book"),
    ("log", "5 Execution log"),
)
PAINT_INTERVAL_S = {"holdings": 0.5, "plan": 0.5, "log": 0.25}
SPREAD_S = 0.08
"""Two of those panes never repaint in the same frame: the later one waits this long, so no
frame carries two big tables and a key press never waits behind one."""
"""Minimum seconds between repaints of the panes that need not follow every tick."""
COMPACT_BELOW = (120, 40)
"""Terminals smaller than this show one pane at a time."""


class MainScreen(Screen[None]):
    """Holdings, risk, plan diff, order book and execution log, fed by the core's states."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_pane('holdings')", "Holdings", id="pane.holdings"),
        Binding("2", "show_pane('risk')", "Risk", id="pane.risk"),
        Binding("3", "show_pane('plan')", "Plan", id="pane.plan"),
        Binding("4", "show_pane('book')", "Book", id="pane.book"),
        Binding("5", "show_pane('log')", "Log", id="pane.log"),
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="pane.next"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="pane.prev"),
        Binding(
            "right_square_bracket",
            "cycle_market(1)",
            "Next market",
            id="market.next",
            tooltip="next market in the order book",
        ),
        Binding(
            "left_square_bracket", "cycle_market(-1)", "Prev market", show=False, id="market.prev"
        ),
        Binding("c", "open_chart", "Chart", id="chart.open"),
    ]

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """As on every Screen, but moving focus does not repaint the whole screen.

    The panes whose focus style changes repaint themselves; a full repaint of all five panes
    on every pane switch cost 30-120 ms a key press while data streamed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.state: CockpitState | None = None
        self._painted: dict[str, float] = {}
        self._last_slow_paint = -1e9
        self._deferred: dict[str, Callable[[], None]] = {}
        self.active = "holdings"

    def compose(self) -> ComposeResult:
        yield CockpitHeader(id="header")
        with Container(id="panes"):
            yield HoldingsTable(id="holdings", classes="pane -active")
            yield OrderBookLadder(id="book", classes="pane")
            yield RiskPanel(id="risk", classes="pane")
            yield PlanDiff(id="plan", classes="pane")
            yield ExecutionLog(id="log", classes="pane")
        yield FeedStatusLine(id="status")
        yield CommandLine(self._complete, id="command-line")
        yield KeyHints(id="keys", priority=getattr(self.app, "KEY_HINT_PRIORITY", ()))

    def _complete(self, text: str) -> list[str]:
        complete = getattr(self.app, "complete_command", None)
        return complete(text) if complete is not None else []

    def on_mount(self) -> None:
        for pane_id, title in PANES:
            self.query_one(f"#{pane_id}").border_title = title
        self.query_one(HoldingsTable).focus()
        self._apply_compact()

    def on_resize(self) -> None:
        self._apply_compact()

    def _apply_compact(self) -> None:
        width, height = self.app.size
        compact = width < COMPACT_BELOW[0] or height < COMPACT_BELOW[1]
        if compact:
            for other, _ in PANES:
                self.pane(other).set_class(other == self.active, "-active")
        self.set_class(compact, "-compact")

    # --------------------------------------------------------------- panes

    def pane(self, pane_id: str) -> Widget:
        return self.query_one(f"#{pane_id}")

    def action_show_pane(self, pane_id: str) -> None:
        if self.has_class("-compact"):
            # Only compact mode styles the active pane; restyling five panes on every switch
            # in the full layout would cost a key press ~10 ms for nothing.
            for other, _ in PANES:
                self.pane(other).set_class(other == pane_id, "-active")
        self.active = pane_id
        self.pane(pane_id).focus()

    def action_cycle_pane(self, step: int) -> None:
        ids = [p for p, _ in PANES]
        current = ids.index(self.active) if self.active in ids else 0
        self.action_show_pane(ids[(current + step) % len(ids)])

    def on_descendant_focus(self) -> None:
        focused = self.focused
        if focused is not None and focused.id in dict(PANES) and focused.id != self.active:
            self.action_show_pane(focused.id)

    def on_plan_diff_regenerate(self, message: PlanDiff.Regenerate) -> None:
        """``r`` / ``P`` in the plan pane: ask the core for a new plan (and preset)."""
        self.run_worker(
            self._regenerate(message.preset),
            group="plan",
            exclusive=True,
            exit_on_error=False,
            description="regenerate the plan",
        )

    async def _regenerate(self, preset: str | None) -> None:
        from core.views import RegeneratePlan

        client = getattr(self.app, "client", None)
        if client is None:
            return
        result = await client.send(RegeneratePlan(preset=preset))
        if not result.ok:
            self.notify(result.message, severity="warning", timeout=4)

    def on_plan_diff_send_requested(self, message: PlanDiff.SendRequested) -> None:
        """``x`` on a fresh plan: hand the app the plan id (it confirms, then executes)."""
        from cockpit.messages import ExecutePlanRequested

        self.app.post_message(ExecutePlanRequested(message.plan_id))

    def action_open_chart(self) -> None:
        """``c``: the price and depth charts of the order book's market (``ChartScreen``)."""
        from cockpit.screens.chart import ChartScreen

        client = getattr(self.app, "client", None)
        if client is not None:
            self.app.push_screen(ChartScreen(client))

    def on_risk_panel_open_forecast(self, message: RiskPanel.OpenForecast) -> None:
        """``f`` in the risk pane: the forecast VaR chart (``ForecastScreen``)."""
        from cockpit.screens.forecast import ForecastScreen

        self.app.push_screen(ForecastScreen(message.view))

    async def action_cycle_market(self, step: int) -> None:
        from core.views import CycleMarket

        client = getattr(self.app, "client", None)
        if client is not None:
            await client.send(CycleMarket(step=step))

    def key_of(self, binding_id: str) -> str:
        """The key the user presses for ``binding_id`` (after their keymap), as displayed."""
        names = getattr(self.app, "key_names", None)
        return names().get(binding_id, "") if names is not None else ""

    # --------------------------------------------------------------- state

    def apply_state(
        self,
        state: CockpitState,
        *,
        privacy: bool = False,
        force: bool = False,
        observer: bool = False,
    ) -> None:
        """Render what changed between the previous state and ``state``."""
        previous = None if force else self.state
        self.state = state
        header = self.query_one(CockpitHeader)
        market = state.market.key if state.market else None
        header.show(
            state.mode,
            state.venues,
            market,
            state.ts,
            replay=state.replay,
            privacy=privacy,
            observer=observer and not state.replay,
            trading=trading_status(
                state.trading_enabled,
                state.trading_reason,
                state.kill_level,
                rearm_key=self.key_of("app.rearm"),
            ),
            holdings=state.holdings,
        )
        self.query_one(FeedStatusLine).show(state.feeds, state.ts)
        if previous is None or previous.holdings != state.holdings:
            # Stale prices are flagged wherever they are used: the plan's and the risk
            # figures' weights rest on the holdings' prices.
            stale = state.holdings.stale_prices if state.holdings is not None else 0
            self.query_one(PlanDiff).set_stale_prices(stale)
            self.query_one(RiskPanel).set_stale_prices(stale)
            holdings = self.query_one(HoldingsTable)
            self._paint(
                "holdings", lambda: holdings.update_view(state.holdings, privacy=privacy), force
            )
        if previous is None or previous.risk != state.risk:
            self.query_one(RiskPanel).update_view(state.risk)
        if previous is None or previous.plan != state.plan:
            plan = self.query_one(PlanDiff)
            self._paint("plan", lambda: plan.update_view(state.plan, privacy=privacy), force)
        if previous is None or previous.book != state.book or previous.feeds != state.feeds:
            stale = bool(
                state.book
                and any(
                    f.venue == state.book.venue and f.state is not FeedState.LIVE
                    for f in state.feeds
                )
            )
            self.query_one(OrderBookLadder).update_book(state.book, stale=stale)
        if previous is None or previous.events != state.events:
            log = self.query_one(ExecutionLog)
            self._paint("log", lambda: log.update_events(state.events, privacy=privacy), force)

    def _paint(self, pane: str, job: Callable[[], None], force: bool) -> None:
        """Run ``job`` (a pane update) now, or at the pane's next slot with the newest data.

        The book repaints with every state; holdings, plan and log at most every
        ``PAINT_INTERVAL_S[pane]``: their numbers change with every tick, but nobody reads a
        35-row table ten times a second, and smaller frames keep key presses quick.
        """
        now = time.monotonic()
        wait = max(
            PAINT_INTERVAL_S.get(pane, 0.0) - (now - self._painted.get(pane, -1e9)),
            SPREAD_S - (now - self._last_slow_paint),
        )
        if force or wait <= 0 or pane not in self._painted:  # (the first screen comes whole)
            self._deferred.pop(pane, None)
            self._painted[pane] = self._last_slow_paint = now
            job()
            return
        if pane not in self._deferred:
            self.set_timer(wait, lambda: self._paint_deferred(pane))
        self._deferred[pane] = job

    def _paint_deferred(self, pane: str) -> None:
        job = self._deferred.get(pane)
        if job is None:
            return
        now = time.monotonic()
        wait = SPREAD_S - (now - self._last_slow_paint)
        if wait > 0:  # another pane took this frame: the next slot
            self.set_timer(wait, lambda: self._paint_deferred(pane))
            return
        del self._deferred[pane]
        self._painted[pane] = self._last_slow_paint = now
        job()
