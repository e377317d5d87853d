"""Each attached client's own market: which book, chart and instrument its states carry.

The core publishes one state, whose ``market`` is the core's selected market (what the flight
recorder journals). Over the control socket, ``select_market`` and ``cycle_market`` choose the
market of *that connection*: its state frames then carry the chosen market's book, candles
and instrument in place of the core's, so an observer switching markets changes nothing
another client sees, and may do so (issue 11). An operator's choice also moves the core's
selected market, as in process (a client that never chose follows it).

Sans-I/O: :class:`MarketChoice` decides and rewrites states; the sections of a market come
from a :class:`MarketSource` (the core's venues, candles and instruments).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.candles import CandleTail
from core.models import BookSnapshot, Instrument
from core.views import CockpitState, CommandResult, CycleMarket, MarketRef, SelectMarket


class MarketSource(Protocol):
    """What a client's market shows, read from the running core."""

    def book(self, market: MarketRef) -> BookSnapshot | None: ...

    def chart(self, market: MarketRef) -> CandleTail | None: ...

    def instrument(self, market: MarketRef) -> Instrument | None: ...


class MarketChoice:
    """One connection's chosen market; None while it follows the core's."""

    def __init__(self) -> None:
        self.market: MarketRef | None = None

    def choose(
        self,
        command: SelectMarket | CycleMarket,
        markets: Sequence[MarketRef],
        following: MarketRef | None,
    ) -> CommandResult:
        """Select a market, or step through ``markets`` from the one shown now (this
        connection's, else ``following``, the core's)."""
        if isinstance(command, SelectMarket):
            wanted = MarketRef(venue=command.venue, symbol=command.symbol)
            if wanted not in markets:
                return CommandResult(ok=False, message=f"unknown market {wanted.key}")
            self.market = wanted
            return CommandResult(ok=True)
        if not markets:
            return CommandResult(ok=False, message="no markets")
        current = self.market or following
        index = markets.index(current) if current in markets else -1
        self.market = markets[(index + command.step) % len(markets)]
        return CommandResult(ok=True)

    def view(self, state: CockpitState, source: MarketSource) -> CockpitState:
        """``state`` as this connection sees it: its own market's sections when it chose one
        other than the core's; ``state`` itself otherwise."""
        market = self.market
        if market is None or market == state.market:
            return state
        return state.model_copy(
            update={
                "market": market,
                "book": source.book(market),
                "chart": source.chart(market),
                "instrument": source.instrument(market),
            }
        )
