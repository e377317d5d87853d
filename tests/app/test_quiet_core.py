"""Screens opened on a core that publishes no further state (a paused replay, a quiet daemon)."""

from __future__ import annotations

from cockpit.app import CockpitApp, make_app
from cockpit.screens.chart import ChartScreen
from core.config import Settings
from core.views import ChartHistory
from tests.app.conftest import press, wait_until
from tests.app.fixed_core import FixedCore


async def test_the_chart_loads_the_selected_market_without_a_next_state(
    settings: Settings,
) -> None:
    """``c`` shows the market's history at once: the screen applied the latest state in its
    on_mount, where Textual does not count it mounted yet, so it waited for a next state."""
    core = FixedCore()
    app = make_app(settings, core)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app, CockpitApp)
        await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
        await press(pilot, "c")
        await wait_until(pilot, lambda: isinstance(app.screen, ChartScreen), "the chart")
        screen = app.screen
        assert isinstance(screen, ChartScreen)
        await wait_until(pilot, lambda: screen.loads >= 1, "the chart's history")
        assert screen.market == core.state.market
        assert [c for c in core.sent if isinstance(c, ChartHistory)] == [
            ChartHistory(venue="sim-a", symbol="BTC/USDT")
        ]
        assert screen.view is not None and screen.view.candles
