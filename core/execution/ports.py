"""What the execution layer needs of the rest of the core, as small typed ports.

The order manager and the modules around it depend on these protocols, not on the core: a
trading venue (the execution and account ports of :mod:`core.ports`), the gate's view of
markets and the portfolio (:class:`~core.execution.plans.CoreMarket` over the running core,
a static one in tests), and a sink for execution log events.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from core.models import BookSnapshot, Instrument, LogEvent
from core.ports import AccountPort, ExecutionPort


class TradingVenue(ExecutionPort, AccountPort, Protocol):
    """What the manager needs of a venue: execution and its account."""


class MarketView(Protocol):
    """What the gate reads about markets and the portfolio (the core provides it)."""

    def instrument(self, venue: str, symbol: str) -> Instrument | None: ...

    def book(self, venue: str, symbol: str) -> BookSnapshot | None: ...

    def usd_price(self, asset: str) -> Decimal | None: ...

    def portfolio_usd(self) -> Decimal: ...


EventSink = Callable[[LogEvent], None]
