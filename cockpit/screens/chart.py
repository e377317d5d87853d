"""ChartScreen: the order book market's price chart beside the depth chart of its book; ``c``.

History comes once per market and timeframe from the core (the ``ChartHistory`` command, in a
worker; asked again when it came back ``pending`` and the state's ``candle_fetches`` says the
venue's candles have come in since); the live end comes with every state the bridge renders
(``CockpitState.chart``: the newest 1-minute candles) and is joined to the history by
:func:`core.candles.merge`, so the chart moves with the market at the UI rate while only a few
candles cross the socket.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen

from core.candles import TIMEFRAMES, Candle, ChartView, Timeframe, depth_curve, merge
from core.client import CoreClient
from core.models import BookIntegrity, utcnow
from core.views import ChartHistory, CockpitState, MarketRef
from widgets.chart import Chart
from widgets.key_hints import KeyHints


class ChartScreen(Screen[None]):
    """Candles (with volume) of the selected market and the cumulative depth of its book."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c,q", "close", "Close", id="chart.close"),
        Binding("f", "timeframe(1)", "Timeframe", id="chart.timeframe"),
        Binding("F", "timeframe(-1)", "Prev timeframe", show=False, id="chart.timeframe_prev"),
        Binding("tab", "switch", "Price/depth", id="chart.switch"),
        Binding(
            "right_square_bracket", "market(1)", "Next market", show=False, id="chart.market_next"
        ),
        Binding(
            "left_square_bracket", "market(-1)", "Prev market", show=False, id="chart.market_prev"
        ),
    ]
    DEFAULT_CSS = """
    ChartScreen { layout: vertical; }
    ChartScreen #chart-panes { height: 1fr; }
    ChartScreen Chart { border: round $foreground 30%; border-title-color: $text-muted; }
    ChartScreen Chart:focus { border: round $primary; border-title-color: $primary; }
    ChartScreen #price { width: 2fr; }
    ChartScreen #depth { width: 1fr; }
    ChartScreen #chart-help { height: 1; color: $text-muted; }
    """

    def __init__(self, client: CoreClient, *, timeframe: Timeframe = Timeframe.M1) -> None:
        super().__init__()
        self.client = client
        self.timeframe = timeframe
        self.market: MarketRef | None = None
        self.history: ChartView | None = None
        """Candles before ``history.until`` for ``market`` at ``timeframe``; None while loading."""
        self.live: dict[datetime, Candle] = {}
        """1-minute candles from the states, by start time (a later state's version wins)."""
        self.view: ChartView | None = None
        """What the price chart shows now (history joined with the live minutes)."""
        self.loads = 0
        """Histories received (for tests)."""
        self._book_ts: datetime | None = None
        self._fetches_asked = -1
        """The state's ``candle_fetches`` when the history was last asked for."""
        self.price = Chart(id="price")
        self.depth = Chart(id="depth", depth=True)

    def compose(self) -> ComposeResult:
        with Horizontal(id="chart-panes"):
            yield self.price
            yield self.depth
        yield KeyHints(id="chart-help")

    def on_mount(self) -> None:
        self.price.focus()
        state = self.client.latest()
        if state is not None:
            # After the mount (is_mounted is still False in on_mount): a quiet core sends no
            # next state, and the chart would stay empty until it did.
            self.call_after_refresh(self.apply_state, state)

    # ------------------------------------------------------------------ data

    def apply_state(self, state: CockpitState) -> None:
        """Follow the selected market: reload history when it changes, extend the live end."""
        if not self.is_mounted:
            return  # on_mount applies the latest state
        if state.market != self.market:
            self.market = state.market
            self.live = {}
            self.reload()
        elif (
            self.history is not None
            and self.history.pending
            and state.candle_fetches != self._fetches_asked
        ):
            self.reload()  # the venue's candles have come in since this history was made
        tail = state.chart
        market = self.market
        if (
            tail is not None
            and market is not None
            and (tail.venue, tail.symbol)
            == (
                market.venue,
                market.symbol,
            )
        ):
            for candle in tail.candles:
                self.live[candle.ts] = candle
        self._show_price()
        book = state.book
        if book is not None and book.ts != self._book_ts:
            self._book_ts = book.ts
            bids, asks = depth_curve(book)
            badge = "" if book.integrity is BookIntegrity.VERIFIED else f" ({book.integrity})"
            depth = self.depth
            depth.border_title = f"Depth · {book.symbol}@{book.venue}{badge}"
            depth.show_depth(bids, asks, title="cum size")

    def _show_price(self) -> None:
        market = self.market
        chart = self.price
        if market is None:
            chart.show_candles(None, title="no market")
            return
        history = self.history
        until = history.until if history is not None else None
        if until is not None:
            for ts in [ts for ts in self.live if ts < until]:
                del self.live[ts]  # already in the history
        live = [self.live[ts] for ts in sorted(self.live)]
        base = history.candles if history is not None else ()
        # Built per state: model_construct skips re-validating hundreds of candles that are
        # validated models already.
        self.view = ChartView.model_construct(
            venue=market.venue,
            symbol=market.symbol,
            timeframe=self.timeframe,
            candles=merge(base, live, self.timeframe),
            until=until or (live[0].ts if live else utcnow()),
            close_only=history.close_only if history is not None else False,
            source=history.source if history is not None else "live",
        )
        loading = (
            " (loading history)"
            if history is None
            else " (loading venue candles)"
            if history.pending
            else ""
        )
        chart.border_title = f"{market.symbol}@{market.venue} · {self.timeframe.value}{loading}"
        chart.show_candles(self.view, title=f"{market.symbol}")

    @work(group="chart", exclusive=True, exit_on_error=False, description="load chart history")
    async def reload(self) -> None:
        self.history = None
        market, timeframe = self.market, self.timeframe
        if market is None:
            return
        state = self.client.latest()
        self._fetches_asked = state.candle_fetches if state is not None else -1
        result = await self.client.send(
            ChartHistory(venue=market.venue, symbol=market.symbol, timeframe=timeframe)
        )
        if market != self.market or timeframe != self.timeframe:
            return  # the user moved on meanwhile; that load is on its way
        if not result.ok or not isinstance(result.data, ChartView):
            self.notify(f"chart: {result.message}", severity="warning", timeout=4)
            return
        self.history = result.data
        self.loads += 1
        if result.data.note:
            self.notify(f"chart: {result.data.note}", severity="warning", timeout=4)
        self._show_price()

    # ------------------------------------------------------------------ keys

    def action_timeframe(self, step: int) -> None:
        index = TIMEFRAMES.index(self.timeframe)
        self.timeframe = TIMEFRAMES[(index + step) % len(TIMEFRAMES)]
        self.notify(f"timeframe {self.timeframe.value}", timeout=1.5)
        self._show_price()
        self.reload()

    def action_switch(self) -> None:
        (self.depth if self.focused is self.price else self.price).focus()

    async def action_market(self, step: int) -> None:
        from core.views import CycleMarket

        await self.client.send(CycleMarket(step=step))

    def action_close(self) -> None:
        self.app.pop_screen()
