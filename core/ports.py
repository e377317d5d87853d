"""The exchange port: the small typed surface every venue implements.

The simulator, the paper venue and the ccxt/WebSocket-backed live venues all implement these
protocols, so nothing above them knows which one it talks to. A venue is split into the four
concerns a trading system needs (market data, account, execution, instruments) and combined in
:class:`Venue`.

Market data is "latest value" state: the stream tells the core *that* a book changed
(:class:`BookChanged`), and the core reads the book at the rate it needs it. A feed handler can
then apply thousands of updates a second without building a snapshot for each one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from core.models import (
    Balance,
    BookSnapshot,
    FeedHealth,
    Fill,
    Instrument,
    Location,
    Order,
    OrderRequest,
    Trade,
)


@dataclass(frozen=True, slots=True)
class BookChanged:
    """A book moved; read it with :meth:`MarketDataPort.book` when you need it."""

    venue: str
    symbol: str
    ts: datetime


MarketEvent = BookChanged | Trade | FeedHealth
"""What a market-data stream yields."""

UserEvent = Order | Fill | Balance
"""What a venue's private stream yields: order updates, fills and balance changes."""


@runtime_checkable
class InstrumentsPort(Protocol):
    venue: str

    async def load_instruments(self) -> Sequence[Instrument]:
        """Every market this venue trades, with its increments and minimums."""
        ...


@runtime_checkable
class MarketDataPort(Protocol):
    venue: str

    def stream(self, symbols: Sequence[str]) -> AsyncIterator[MarketEvent]:
        """Run the feed for ``symbols`` until cancelled, yielding what changed."""
        ...

    def book(self, symbol: str, depth: int = 25) -> BookSnapshot | None:
        """The current book for ``symbol`` (``None`` before the first snapshot)."""
        ...

    def health(self) -> FeedHealth:
        """The feed's current health."""
        ...


@runtime_checkable
class AccountPort(Protocol):
    venue: str

    def locations(self) -> Sequence[Location]:
        """The sub-accounts and wallets this venue reports balances for."""
        ...

    async def fetch_balances(self) -> Sequence[Balance]:
        """Every non-zero balance, per location."""
        ...


@runtime_checkable
class ExecutionPort(Protocol):
    venue: str

    async def submit(self, request: OrderRequest) -> Order:
        """Send an order. Idempotent on ``client_order_id``: a retry never makes a second order."""
        ...

    async def cancel(self, client_order_id: str, symbol: str) -> Order:
        """Cancel an open order and return its resulting state."""
        ...

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        """The venue's view of one order, or ``None`` if the venue never saw it."""
        ...

    async def fetch_open_orders(self) -> Sequence[Order]:
        """Every order the venue considers open."""
        ...

    def user_stream(self) -> AsyncIterator[UserEvent]:
        """Order updates, fills and balance changes as the venue reports them."""
        ...


@runtime_checkable
class Venue(InstrumentsPort, MarketDataPort, AccountPort, ExecutionPort, Protocol):
    """A whole venue: what the core needs from the simulator and from a real exchange alike."""

    venue: str

    async def close(self) -> None:
        """Release connections and tasks."""
        ...
