"""A slow venue never holds a chart's request (nor the commands queued behind it) for long:
the request comes back ``pending`` with the cached candles, the fetch goes on in the background,
and its outcome is there for the chart's next request. Driven by events, never by time."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from textual.app import App

from cockpit.screens.chart import ChartScreen
from core.candles import Candle, ChartView, Timeframe
from core.chart_history import load_chart
from core.client import CoreClient
from core.errors import ExchangeError
from core.models import TradingMode
from core.store import Store
from core.store.bars import stored_bars
from core.venue_candles import VenueBars, Window
from core.views import ChartHistory, CockpitState, CommandResult, MarketRef
from tests.app.conftest import wait_until

UNTIL = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(minutes=30)


class SlowVenue:
    """A venue that answers when the test says so (or fails)."""

    venue = "slow"
    cache_bars = True

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.fail = False
        self.calls = 0

    async def ohlcv(
        self, symbol: str, timeframe: str, since_ms: int, limit: int
    ) -> list[list[Any]]:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise ExchangeError("slow: 503 Service Unavailable")
        start = int(SINCE.timestamp() * 1000)
        return [[start + i * 60_000, 100 + i, 101 + i, 99 + i, 100.5 + i, 2] for i in range(30)]


class Spawner:
    """The core's ``spawn``: tracked tasks the test can wait for."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Any]] = []

    def __call__(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self.tasks.append(task)
        return task


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    store = await Store.open(tmp_path / "bars.db")
    yield store
    await store.close()


async def test_a_slow_venue_answers_pending_then_the_next_ask_has_its_candles(store: Store) -> None:
    venue, spawn, done = SlowVenue(), Spawner(), asyncio.Event()
    fetcher = VenueBars(spawn, done.set, wait_s=0.0)
    window = Window(venue, "BTC/USD", Timeframe.M1, SINCE, UNTIL)
    assert await fetcher.get(store, window) == ((), True)
    assert await fetcher.get(store, window) == ((), True)  # still the one fetch
    assert venue.calls == 1 and len(spawn.tasks) == 1 and fetcher.fetched == 0

    venue.release.set()
    await done.wait()
    assert fetcher.fetched == 1
    candles, pending = await fetcher.get(store, window)  # the outcome kept for this ask
    assert not pending and len(candles) == 30 and venue.calls == 1
    assert await stored_bars(store, "slow", "BTC/USD", Timeframe.M1, SINCE, UNTIL) == candles

    # Through the chart's history: pending first (nothing cached for 5m), then the candles.
    view = await load_chart(store, "slow", "BTC/USD", Timeframe.M5, 6, UNTIL, (), venue, fetcher)
    assert view.candles == () and view.pending and not view.note
    await asyncio.gather(*spawn.tasks)
    view = await load_chart(store, "slow", "BTC/USD", Timeframe.M5, 6, UNTIL, (), venue, fetcher)
    assert not view.pending and len(view.candles) == 6 and view.source == "venue"


async def test_a_slow_venue_that_fails_says_so_on_the_next_ask(store: Store) -> None:
    venue, spawn, done = SlowVenue(), Spawner(), asyncio.Event()
    fetcher = VenueBars(spawn, done.set, wait_s=0.0)
    window = Window(venue, "BTC/USD", Timeframe.M1, SINCE, UNTIL)
    assert await fetcher.get(store, window) == ((), True)
    venue.fail = True
    venue.release.set()
    await done.wait()
    assert fetcher.fetched == 1
    with pytest.raises(ExchangeError, match="503"):
        await fetcher.get(store, window)
    # The failure was for that ask: the next one tries the venue again (now answering).
    venue.fail = False
    assert await fetcher.get(store, window) == ((), True)
    await asyncio.gather(*spawn.tasks)
    candles, pending = await fetcher.get(store, window)
    assert not pending and len(candles) == 30 and venue.calls == 2


class ChartClient:
    """Just what the chart screen asks of a core: the latest state and ``ChartHistory``."""

    def __init__(self, state: CockpitState, answers: list[ChartView]) -> None:
        self.state = state
        self.answers = answers
        self.asked = 0

    def latest(self) -> CockpitState:
        return self.state

    async def send(self, command: object) -> CommandResult:
        assert isinstance(command, ChartHistory)
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        return CommandResult(ok=True, data=answer)


class ChartApp(App[None]):
    def __init__(self, screen: ChartScreen) -> None:
        super().__init__()
        self.chart = screen

    def on_mount(self) -> None:
        self.push_screen(self.chart)


async def test_a_chart_whose_history_came_back_pending_asks_again_once_candles_came_in() -> None:
    market = MarketRef(venue="slow", symbol="BTC/USD")
    state = CockpitState(
        version=1, ts=UNTIL, mode=TradingMode.PAPER, venues=("slow",), market=market
    )
    candle = Candle(ts=SINCE, open=1, high=2, low=1, close=2)  # type: ignore[arg-type]
    pending = ChartView(
        venue="slow", symbol="BTC/USD", timeframe=Timeframe.M1, until=UNTIL, pending=True
    )
    full = pending.model_copy(update={"pending": False, "candles": (candle,), "source": "venue"})
    client = ChartClient(state, [pending, full])
    screen = ChartScreen(cast(CoreClient, client))
    async with ChartApp(screen).run_test() as pilot:
        await pilot.pause()
        screen.apply_state(state)  # the bridge hands the screen each state
        await wait_until(pilot, lambda: screen.loads >= 1, "the first history")
        assert screen.history is pending and "loading venue candles" in str(
            screen.price.border_title
        )
        # Later states with nothing new from the venue: no second request.
        screen.apply_state(state.model_copy(update={"version": 2}))
        await pilot.pause()
        assert client.asked == 1
        # A background fetch finished: the chart asks again and shows the venue's candles.
        screen.apply_state(state.model_copy(update={"version": 3, "candle_fetches": 1}))
        await wait_until(pilot, lambda: screen.loads >= 2, "the history asked again")
        assert client.asked == 2 and screen.history is full
        assert screen.view is not None and screen.view.candles == (candle,)
        screen.apply_state(state.model_copy(update={"version": 4, "candle_fetches": 2}))
        await pilot.pause()
        assert client.asked == 2  # a full history is never asked for again
