"""Market selection: which of the loaded markets the book pane and the chart follow.

:class:`MarketSelection` holds the ordered list of markets (every loaded instrument), the
selected one and the ones attached clients chose, picks the default at start
(``ui.default_market``, else the first BTC market), and carries out
:class:`~core.views.SelectMarket` and :class:`~core.views.CycleMarket`.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.models import Instrument
from core.views import CommandResult, CycleMarket, MarketRef, SelectMarket


class MarketSelection:
    """The loaded markets, in order, and the selected one."""

    def __init__(self, instruments: Mapping[str, Instrument]) -> None:
        self._instruments = instruments
        self.markets: tuple[MarketRef, ...] = ()
        self.market: MarketRef | None = None
        self.watched: frozenset[str] = frozenset()
        """Markets (``venue:symbol``) attached clients chose besides the selected one: a
        change of their books publishes too (``core.daemon.market_choice``)."""

    def load(self, default_market: str | None) -> None:
        """List every loaded instrument's market and select the default one."""
        self.markets = tuple(
            MarketRef(venue=i.venue, symbol=i.symbol)
            for i in sorted(self._instruments.values(), key=lambda i: (i.venue, i.symbol))
        )
        self.market = self._default(default_market)

    def _default(self, wanted: str | None) -> MarketRef | None:
        if wanted:
            venue, _, symbol = wanted.partition(":")
            if f"{venue}:{symbol}" in self._instruments:
                return MarketRef(venue=venue, symbol=symbol)
        for ref in self.markets:
            if ref.symbol.startswith("BTC/"):
                return ref
        return self.markets[0] if self.markets else None

    def is_selected(self, venue: str, symbol: str) -> bool:
        market = self.market
        return market is not None and market.venue == venue and market.symbol == symbol

    def is_watched(self, venue: str, symbol: str) -> bool:
        return f"{venue}:{symbol}" in self.watched

    def instrument(self) -> Instrument | None:
        """The selected market's instrument."""
        return self._instruments.get(self.market.key) if self.market else None

    def select(self, command: SelectMarket) -> CommandResult:
        key = f"{command.venue}:{command.symbol}"
        if key not in self._instruments:
            return CommandResult(ok=False, message=f"unknown market {key}")
        self.market = MarketRef(venue=command.venue, symbol=command.symbol)
        return CommandResult(ok=True)

    def cycle(self, command: CycleMarket) -> CommandResult:
        if not self.markets:
            return CommandResult(ok=False, message="no markets")
        index = self.markets.index(self.market) if self.market in self.markets else -1
        self.market = self.markets[(index + command.step) % len(self.markets)]
        return CommandResult(ok=True)
