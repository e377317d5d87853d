"""AnalyticsScreen: the portfolio's performance; ``6`` or ``:analytics``.

The equity curve and its drawdown (the chart widget, line and area), the monthly returns grid,
the attribution bars per group (Brinson–Fachler against the target group weights) and the P&L
table. The figures are computed by the core (the ``PerformanceReport`` command) in a worker, so
the UI loop never waits on the store or the arithmetic; the panes show a loading indicator until
the answer comes. Escape (or ``q``) closes it, ``r`` recomputes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from core.candles import Candle, ChartView, Timeframe
from core.client import CoreClient
from core.pnl.backtests import FEE_RATE
from core.pnl.performance import EquitySample, PerformanceView
from core.views import PerformanceReport
from widgets.chart import AXIS_W, ZOOMS, Chart, ChartMode
from widgets.performance_panes import (
    AttributionBars,
    BacktestPanel,
    MonthlyReturnsGrid,
    PnlTable,
)


def thin(samples: tuple[EquitySample, ...], points: int) -> tuple[EquitySample, ...]:
    """At most ``points`` samples, evenly spaced, the newest always kept, so the whole curve
    fits the chart's width (the chart draws one column per point at its widest view)."""
    if points < 2 or len(samples) <= points:
        return samples
    step = (len(samples) - 1) / (points - 1)
    return tuple(samples[round(i * step)] for i in range(points))


def series_view(
    samples: tuple[EquitySample, ...], name: str, *, drawdown: bool, index: bool = False
) -> ChartView:
    """A close-only chart series of the equity (USD; with ``index``, 100 at the first day, so
    privacy mode shows no amount) or its drawdown (percent)."""
    candles = []
    base = samples[0].value_usd if samples and samples[0].value_usd > 0 else 1.0
    for s in samples:
        if drawdown:
            number = round(s.drawdown * 100, 4)
        elif index:
            number = round(s.value_usd / base * 100, 4)
        else:
            number = round(s.value_usd, 2)
        value = Decimal(repr(number))
        ts = datetime.combine(s.day, time(), tzinfo=UTC)
        candles.append(Candle(ts=ts, open=value, high=value, low=value, close=value))
    until = candles[-1].ts if candles else datetime.now(UTC)
    return ChartView(
        venue="portfolio",
        symbol=name,
        timeframe=Timeframe.D1,
        candles=tuple(candles),
        until=until,
        close_only=True,
        source="closes",
    )


COMPACT_BELOW = 32
"""Terminal rows under which the screen drops its backtest panel (80x24 keeps the rest)."""


class AnalyticsScreen(Screen[None]):
    """Equity, drawdown, monthly returns, attribution by group and P&L, over the main screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,6", "close", "Close", id="analytics.close"),
        Binding("r", "reload", "Recompute", id="analytics.reload"),
        Binding("tab", "focus_next", "Next pane", show=False, id="analytics.next"),
    ]
    DEFAULT_CSS = """
    AnalyticsScreen { layout: vertical; }
    AnalyticsScreen #analytics-charts { height: 1fr; min-height: 8; }
    AnalyticsScreen #analytics-tables { height: 1fr; min-height: 8; }
    AnalyticsScreen Chart, AnalyticsScreen LinePane {
        border: round $foreground 30%; border-title-color: $text-muted;
    }
    AnalyticsScreen Chart:focus, AnalyticsScreen LinePane:focus {
        border: round $primary; border-title-color: $primary;
    }
    AnalyticsScreen #equity { width: 3fr; }
    AnalyticsScreen #drawdown { width: 2fr; }
    AnalyticsScreen #monthly { height: auto; max-height: 9; }
    AnalyticsScreen #attribution { width: 1fr; }
    AnalyticsScreen #analytics-right { width: 1fr; }
    AnalyticsScreen #pnl { height: 1fr; min-height: 4; }
    AnalyticsScreen #backtests { height: 1fr; max-height: 8; }
    AnalyticsScreen #analytics-status { height: 1; color: $text-muted; }
    AnalyticsScreen.-compact #backtests { display: none; }
    AnalyticsScreen.-compact #monthly { max-height: 5; }
    """

    def __init__(self, client: CoreClient, *, privacy: bool = False) -> None:
        super().__init__()
        self.client = client
        self.privacy = privacy
        self.view: PerformanceView | None = None
        self.loads = 0
        """Answers received (for tests)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="analytics-charts"):
            yield Chart(id="equity")
            yield Chart(id="drawdown")
        yield MonthlyReturnsGrid(id="monthly")
        with Horizontal(id="analytics-tables"):
            yield AttributionBars(id="attribution")
            with Vertical(id="analytics-right"):
                yield PnlTable(id="pnl")
                yield BacktestPanel(id="backtests")
        yield Static("computing…", id="analytics-status")

    def _apply_compact(self) -> None:
        """Below :data:`COMPACT_BELOW` rows the backtest panel gives its rows to the P&L and
        the monthly grid keeps three rows (it scrolls)."""
        self.set_class(self.app.size.height < COMPACT_BELOW, "-compact")

    def on_mount(self) -> None:
        self._apply_compact()
        titles = {
            "#equity": "Equity (USD)",
            "#drawdown": "Drawdown (%)",
            "#monthly": "Monthly returns",
            "#attribution": "Attribution by group vs targets",
            "#pnl": "P&L (average cost)",
            "#backtests": f"Backtest: today's weights monthly, {FEE_RATE * 1e4:.0f} bp fees, "
            "vs benchmarks",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self.query_one("#monthly", MonthlyReturnsGrid).update_months(None)
        self.query_one("#attribution", AttributionBars).update_attribution(None)
        self.query_one("#pnl", PnlTable).update_pnl(None)
        self.query_one("#backtests", BacktestPanel).update_backtests(None)
        self.query_one("#equity", Chart).focus()
        self.load()

    @work(group="analytics", exclusive=True, exit_on_error=False, description="compute analytics")
    async def load(self) -> None:
        panes = [self.query_one(s) for s in ("#equity", "#drawdown", "#attribution", "#pnl")]
        panes.append(self.query_one("#backtests"))
        for pane in panes:
            pane.loading = True
        status = self.query_one("#analytics-status", Static)
        status.update("computing the equity curve, P&L and attribution in the core…")
        try:
            result = await self.client.send(PerformanceReport())
        finally:
            for pane in panes:
                pane.loading = False
        if not result.ok or not isinstance(result.data, PerformanceView):
            status.update(f"analytics: {result.message}")
            self.notify(f"analytics: {result.message}", severity="error")
            return
        # After the next refresh: the panes have just left their loading state and are laid
        # out again, so the charts know their width (the curve is thinned to fit it).
        self.call_after_refresh(self._received, result.data)

    def _received(self, view: PerformanceView) -> None:
        self.show(view)
        self.loads += 1

    def on_resize(self) -> None:
        self._apply_compact()
        if self.view is not None:
            self.call_after_refresh(self.show, self.view)

    def show(self, view: PerformanceView) -> None:
        """Hand the core's figures to the panes."""
        self.view = view
        equity = self.query_one("#equity", Chart)
        drawdown = self.query_one("#drawdown", Chart)
        equity.mode = ChartMode.AREA
        drawdown.mode = ChartMode.LINE
        unit = "index, first day 100" if self.privacy else "USD"
        equity.border_title = f"Equity ({unit}) · {view.equity_source or 'no history'}"
        for chart, is_drawdown in ((equity, False), (drawdown, True)):
            columns = (chart.size.width - AXIS_W) // ZOOMS[chart.zoom]
            shown = thin(view.equity, columns)
            name = "drawdown" if is_drawdown else "equity"
            series = series_view(shown, name, drawdown=is_drawdown, index=self.privacy)
            chart.show_candles(series, title="%" if is_drawdown else unit.split(",")[0])
        self.query_one("#monthly", MonthlyReturnsGrid).update_months(view.monthly)
        notes = {n.split(":", 1)[0]: n for n in view.notes}
        self.query_one("#attribution", AttributionBars).update_attribution(
            view.attribution, notes.get("attribution", "no attribution")
        )
        self.query_one("#pnl", PnlTable).update_pnl(
            view.pnl, privacy=self.privacy, note=notes.get("P&L", "no P&L")
        )
        self.query_one("#backtests", BacktestPanel).update_backtests(
            view.backtests, notes.get("backtest", "no backtest")
        )
        worst = min((s.drawdown for s in view.equity), default=0.0)
        status = f"{len(view.equity)} days · max drawdown {worst:.1%}"
        if view.notes:
            status += " · " + "; ".join(view.notes)
        self.query_one("#analytics-status", Static).update(
            status + " · Esc close · r recompute · Tab next pane"
        )

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.app.pop_screen()
