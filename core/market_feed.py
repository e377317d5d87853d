"""The venues' public feeds in a running core: books marked changed, prints recorded and logged.

:class:`MarketFeed` consumes one venue's market-data stream. A change to the selected
market's book (or one an attached client chose) asks for a new published state; each
public print goes to the listeners that price from it (the portfolio's last trades, the
live candles), is stored (thinned on simulated venues,
:class:`~core.store.prints.PrintSampler`) in batches, and a large one is logged with its USD
notional.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from core.config import Settings
from core.event_log import EventLog
from core.market_selection import MarketSelection
from core.models import EventKind, EventLevel, FeedHealth, Instrument, Trade
from core.ports import BookChanged, Venue
from core.store import Store
from core.store.prints import PrintSampler
from core.views import HoldingsView

TRADE_BATCH = 256
"""Prints stored together at most (a quiet moment in the stream stores fewer)."""


class MarketFeed:
    """Runs the venues' public streams for one core."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        selection: MarketSelection,
        events: EventLog,
        settings: Callable[[], Settings],
        *,
        on_trade: Sequence[Callable[[Trade], None]],
        holdings: Callable[[], HoldingsView | None],
        book_changed: Callable[[], None],
        changed: Callable[[], None],
    ) -> None:
        self.store: Store | None = None
        """Where prints are recorded, once the session has opened it."""
        self._instruments = instruments
        self._selection = selection
        self._events = events
        self._settings = settings
        venues = settings().venues  # a restart-only section: read once
        self._configured = {v.name: v.symbols for v in venues}
        sims = {v.name for v in venues if v.kind == "sim"}
        self._prints = PrintSampler(sims, settings().store.sim_print_interval_s)
        self._on_trade = on_trade
        self._holdings = holdings
        self._book_changed = book_changed
        self._changed = changed

    def symbols(self, venue: str) -> list[str]:
        """The configured symbols of ``venue``, else every market it loaded."""
        configured = self._configured.get(venue, ())
        if configured:
            return list(configured)
        return [i.symbol for i in self._instruments.values() if i.venue == venue]

    async def run(self, venue: Venue) -> None:
        """Consume ``venue``'s public stream until cancelled."""
        batch: list[Trade] = []
        async for event in venue.stream(self.symbols(venue.venue)):
            if isinstance(event, BookChanged):
                if self._selection.is_selected(event.venue, event.symbol):
                    self._book_changed()
                elif self._selection.is_watched(event.venue, event.symbol):
                    self._changed()
            elif isinstance(event, Trade):
                batch.append(event)
                self._on_print(event)
                if len(batch) >= TRADE_BATCH:
                    self._flush(batch)
                    batch = []
            elif isinstance(event, FeedHealth):
                self._changed()
            if batch and not isinstance(event, Trade):
                self._flush(batch)
                batch = []

    def _flush(self, trades: list[Trade]) -> None:
        if self.store is not None:
            self.store.record_trades(self._prints.keep(trades))

    def _on_print(self, trade: Trade) -> None:
        for listener in self._on_trade:
            listener(trade)
        inst = self._instruments.get(f"{trade.venue}:{trade.symbol}")
        holdings = self._holdings()
        if inst is None or holdings is None:
            return
        quote_price = next(
            (r.price.value for r in holdings.rows if r.asset == inst.quote and r.price.value),
            Decimal(1) if inst.quote == "USD" else None,
        )
        if quote_price is None:
            return
        notional = trade.qty * trade.price * quote_price
        if notional >= self._settings().ui.print_log_usd:
            arrow = "▲" if trade.side.value == "buy" else "▼"
            self._events.log(
                EventKind.MARKET,
                f"{arrow} print {trade.side.value} {trade.qty} {inst.base} @ {trade.price} "
                f"(${notional:,.0f})",
                level=EventLevel.DEBUG,
                venue=trade.venue,
                symbol=trade.symbol,
                side=trade.side,
                qty=trade.qty,
                price=trade.price,
            )
