"""The analytics screen (``6`` and ``:analytics``) on the simulator and on an imported portfolio:
equity and drawdown charts, the monthly returns grid, attribution bars per group, the P&L table,
all computed by the core in a worker."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cockpit.screens.analytics import AnalyticsScreen
from core.config import Settings
from tests.app.conftest import press, running_app, wait_until
from tests.app.test_imported_portfolio import imported_db, lines, still_market
from widgets.chart import Chart
from widgets.performance_panes import (
    AttributionBars,
    BacktestPanel,
    MonthlyReturnsGrid,
    PnlTable,
)

__all__ = ["imported_db", "still_market"]  # fixtures shared with the imported-portfolio tests


async def _open(app: object, pilot: object) -> AnalyticsScreen:
    await press(pilot, "6")  # type: ignore[arg-type]
    await wait_until(
        pilot,  # type: ignore[arg-type]
        lambda: isinstance(app.screen, AnalyticsScreen) and app.screen.loads >= 1,  # type: ignore[attr-defined]
        "the analytics screen and its figures",
    )
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, AnalyticsScreen)
    return screen


async def test_analytics_screen_on_the_sim(settings: Settings) -> None:
    async with running_app(settings, size=(160, 48)) as (app, pilot):
        screen = await _open(app, pilot)
        view = screen.view
        assert view is not None
        # A fresh database has no day-by-day record yet: the curve is today's holdings over
        # the simulator's stored closes, and says so.
        assert len(view.equity) > 30
        assert "holdings over stored closes" in view.equity_source
        equity = screen.query_one("#equity", Chart)
        # The whole curve, thinned to one point a column, ending on the last day.
        assert equity.view is not None
        shown = equity.view.candles
        assert 20 <= len(shown) <= equity.size.width
        start, end = equity._window(equity._plot_width())
        assert (start, end) == (0, len(shown))  # all of it in view
        assert shown[-1].ts.date() == view.equity[-1].day
        assert shown[0].ts.date() == view.equity[0].day
        assert equity.frames >= 1
        assert all(s.drawdown <= 0 for s in view.equity)
        grid = lines(screen.query_one(MonthlyReturnsGrid))
        assert grid[0].startswith("year") and "Dec" in grid[0]
        assert len(grid) >= 2
        assert view.attribution is not None
        bars = lines(screen.query_one(AttributionBars))
        linked = view.attribution.linked
        assert len(bars) == 1 + len(linked.segments) + 1
        total = linked.total
        assert math.isclose(
            total.allocation + total.selection + total.interaction, total.active, abs_tol=1e-12
        )
        assert lines(screen.query_one(PnlTable))[0].startswith("asset")
        # The backtest panel: today's weights monthly, then the engine's benchmarks.
        names = [c.name for c in view.backtests]
        assert names[0] == "monthly" and {"hold", "equal_weight"} <= set(names)
        panel = lines(screen.query_one(BacktestPanel))
        assert [row.split()[0] for row in panel[1:]] == names
        await press(pilot, "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AnalyticsScreen), "closed")


async def test_analytics_from_the_command_line_in_privacy_mode(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        await press(pilot, "p")
        app.run_line(":analytics")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, AnalyticsScreen) and app.screen.loads >= 1,
            "the analytics screen from :analytics",
        )
        screen = app.screen
        assert isinstance(screen, AnalyticsScreen) and screen.view is not None
        # No amount on screen: the equity is an index starting at 100.
        chart = screen.query_one("#equity", Chart)
        assert chart.view is not None and chart.view.candles[0].close == 100
        assert "index" in str(chart.border_title)


@pytest.mark.slow
async def test_analytics_screen_on_an_imported_portfolio(
    imported_db: Path, still_market: None
) -> None:
    settings = Settings.model_validate({"store": {"path": str(imported_db)}})
    async with running_app(settings, size=(160, 48)) as (app, pilot):
        screen = await _open(app, pilot)
        view = screen.view
        assert view is not None and view.attribution is not None
        assert len(view.equity) > 365  # years of real closes behind the imported holdings
        months = {(m.year, m.month) for m in view.monthly}
        assert len(months) >= 12
        groups = {s.segment for s in view.attribution.linked.segments}
        held_groups = {h.group for h in app.client.latest().holdings.rows}  # type: ignore[union-attr]
        assert groups & held_groups
        svg = app.export_screenshot()
        (Path(imported_db).parent / "analytics.svg").write_text(svg)
        text = svg.replace("&#160;", " ")
        assert "Attribution by group" in text and "Monthly returns" in text
