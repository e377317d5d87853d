"""The chart screen in the real app on the sim: ``c`` opens it, it moves with the market, and
its live end crosses the daemon's state codec as a small section."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cockpit.screens.chart import ChartScreen
from cockpit.screens.main import MainScreen
from core.candles import Candle, CandleTail
from core.config import Settings
from core.models import TradingMode
from core.statecodec import StateDecoder, StateEncoder
from core.views import CockpitState
from tests.app.conftest import press, running_app, wait_until
from widgets.chart import Chart


async def test_c_opens_the_chart_of_the_book_market_and_it_moves_with_the_market(
    tmp_path: Path,
) -> None:
    settings = Settings.model_validate({"store": {"path": str(tmp_path / "cockpit.db")}})
    async with running_app(settings) as (app, pilot):
        await wait_until(pilot, lambda: app.main.state is not None, "a state")
        market = app.main.state.market  # type: ignore[union-attr]
        await press(pilot, "c")
        await wait_until(pilot, lambda: isinstance(app.screen, ChartScreen), "the chart screen")
        screen = app.screen
        assert isinstance(screen, ChartScreen)
        await wait_until(pilot, lambda: screen.loads >= 1, "the chart's history")
        assert screen.market == market
        # A fresh database: the sim's own candles before the session fill the chart (asked
        # again if the first answer came back pending on a very busy machine).
        await wait_until(pilot, lambda: bool(screen.history and not screen.history.pending), "all")
        assert screen.history is not None and screen.history.source.startswith("venue")
        assert len(screen.history.candles) >= 390
        price = screen.query_one("#price", Chart)
        depth = screen.query_one("#depth", Chart)
        # The live minutes arrive with the states: the newest candle changes as prints land.
        await wait_until(pilot, lambda: bool(screen.view and screen.view.candles), "a candle")
        first = screen.view.candles[-1]  # type: ignore[union-attr]
        await wait_until(
            pilot,
            lambda: screen.view is not None and screen.view.candles[-1] != first,
            "the newest candle to move",
        )
        assert price.view is screen.view and price.frames >= 1
        assert depth.bids and depth.asks and "Depth" in str(depth.border_title)
        # f: the next timeframe, fetched again.
        loads = screen.loads
        await press(pilot, "f")
        await wait_until(pilot, lambda: screen.loads > loads, "the 5m history")
        assert screen.view is not None and screen.view.timeframe.value == "5m"
        await wait_until(pilot, lambda: bool(screen.history and not screen.history.pending), "5m")
        assert screen.history is not None and len(screen.history.candles) >= 390
        # ]: the next market; the chart follows the order book's market.
        await press(pilot, "right_square_bracket")
        await wait_until(
            pilot, lambda: screen.market is not None and screen.market != market, "next market"
        )
        await wait_until(
            pilot,
            lambda: screen.view is not None and screen.view.symbol == screen.market.symbol,  # type: ignore[union-attr]
            "the next market's chart",
        )
        await press(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")


def test_the_live_candles_cross_the_codec_only_when_they_change() -> None:
    at = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    candle = Candle(ts=at, open=1, high=2, low=1, close=2, volume=3, trades=2)  # type: ignore[arg-type]
    tail = CandleTail(venue="sim-a", symbol="BTC/USDT", candles=(candle,))
    state = CockpitState(version=1, ts=at, mode=TradingMode.PAPER, venues=("sim-a",), chart=tail)
    encoder, decoder = StateEncoder(events_max=10), StateDecoder()
    assert decoder.apply(encoder.encode(state)).chart == tail
    same = encoder.encode(state.model_copy(update={"version": 2}))
    assert b"chart" not in same  # unchanged: not sent again
    moved = tail.model_copy(update={"candles": (candle.add(candle.close + 1, candle.volume),)})
    frame = encoder.encode(state.model_copy(update={"version": 3, "chart": moved}))
    assert b'"chart"' in frame and len(frame) < 600
    assert decoder.apply(same).chart == tail
    assert decoder.apply(frame).chart == moved
