"""The pre-trade gate's view of markets and the portfolio in a running core.

:class:`GateMarketView` is the :class:`~core.execution.ports.MarketView` the order manager,
the plan executor and the emulated orders read: instruments and books from the running
venues, USD prices from the one price resolver over the live portfolio's inputs, and the
portfolio's total from the last published holdings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from core.config import PortfolioConfig
from core.market_books import MarketBooks
from core.models import BookSnapshot, Instrument, utcnow
from core.portfolio.live import LivePortfolio, live_inputs, policy_of
from core.portfolio.pricing import PriceResolver


class GateMarketView:
    """Markets and the portfolio as the gate sees them."""

    def __init__(
        self,
        books: MarketBooks,
        instruments: Mapping[str, Instrument],
        portfolio: LivePortfolio,
        config: Callable[[], PortfolioConfig],
        total_usd: Callable[[], Decimal],
    ) -> None:
        self._books = books
        self._instruments = instruments
        self._portfolio = portfolio
        self._config = config
        self._total_usd = total_usd

    def instrument(self, venue: str, symbol: str) -> Instrument | None:
        return self._instruments.get(f"{venue}:{symbol}")

    def book(self, venue: str, symbol: str) -> BookSnapshot | None:
        return self._books.book(venue, symbol)

    def usd_price(self, asset: str) -> Decimal | None:
        """The one price resolver's USD price: live mids (stablecoins through their own
        markets), last trades, the cache, configured prices; None when nothing prices it."""
        config = self._config()  # read each time: a config reload may change it
        inputs = live_inputs(
            self._books.for_pricing(),
            self._portfolio.last_trades.values(),
            self._portfolio.cached,
            config,
        )
        value: Decimal | None = (
            PriceResolver(inputs, utcnow(), policy_of(config)).price(asset).value
        )
        return value

    def portfolio_usd(self) -> Decimal:
        """The total of the last published holdings (zero before the first)."""
        return self._total_usd()
