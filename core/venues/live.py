"""A live venue: the venue's WebSocket feed for market data plus ccxt REST for everything else.

:class:`LiveVenue` implements :class:`~core.ports.Venue` by composition: ``stream``/``book``/
``health`` come from the feed (:class:`~core.feeds.kraken_client.KrakenFeed` or
:class:`~core.feeds.binance_client.BinanceFeed`), instruments, balances and orders from
:class:`~core.venues.rest.CcxtRest`. Without API keys it still streams public market data;
balances come back empty and trading raises :class:`~core.errors.TradingDisabled`, and both
the log and :meth:`health` say why.

The venue's private stream is REST polling (``poll_s``): balances and the orders this venue
placed or sees open are re-read and yielded when they change, the reconciliation the port asks
for beside any stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from core.errors import ExchangeError, NetworkError
from core.feeds.stream import FeedClient
from core.models import (
    ZERO,
    Balance,
    BookSnapshot,
    FeedHealth,
    Fill,
    Instrument,
    Liquidity,
    Location,
    Order,
    OrderRequest,
    OrderType,
)
from core.ports import BookChanged, MarketEvent, UserEvent
from core.venues.rest import CcxtRest

log = logging.getLogger(__name__)

NO_KEYS = "public market data only: no API keys, so balances and trading are unavailable"


class LiveVenue:
    """A real exchange behind the same port as the simulator."""

    def __init__(
        self,
        name: str,
        feed: FeedClient,
        rest: CcxtRest,
        *,
        symbols: Sequence[str] = (),
        poll_s: float = 5.0,
    ) -> None:
        self.venue = name
        self.feed = feed
        self.rest = rest
        self.symbols = tuple(symbols)
        self.poll_s = poll_s
        self.all_instruments: dict[str, Instrument] = {}
        """Every market the venue lists, by symbol (after :meth:`load_instruments`)."""
        self._orders: dict[str, Order] = {}
        self._filled: dict[str, Order] = {}
        """Each order as of the last fill reported for it (see :func:`fill_between`)."""
        self._balances: dict[tuple[str, str], Balance] = {}
        if not rest.can_trade:
            log.warning("%s: %s", name, NO_KEYS)

    def __repr__(self) -> str:
        return f"LiveVenue({self.venue!r}, {self.rest!r})"

    @property
    def detail(self) -> str | None:
        """What the operator should know about this venue (missing keys), or ``None``."""
        return None if self.rest.can_trade else NO_KEYS

    # ------------------------------------------------------------------ naming

    def _rename(self, event: Any) -> Any:
        """Events stamped with the configured venue name (the feed knows only its exchange)."""
        if getattr(event, "venue", self.venue) == self.venue:
            return event
        if isinstance(event, BookChanged):
            return BookChanged(self.venue, event.symbol, event.ts)
        return event.model_copy(update={"venue": self.venue})

    # ------------------------------------------------------------------ instruments

    async def load_instruments(self) -> Sequence[Instrument]:
        """The markets this venue streams (its configured symbols; all when none are set).

        Only a streamed market has a book the gate can verify, so only those are offered to
        the core; every market the venue lists stays in :attr:`all_instruments`. Markets come
        from REST; if REST is unreachable, from the feed (Kraken's instrument channel,
        Binance's exchangeInfo), said in the log.
        """
        try:
            found: Sequence[Instrument] = await self.rest.load_instruments()
        except ExchangeError as exc:
            log.warning("%s: REST markets unavailable (%s); using the feed's", self.venue, exc)
            found = await self.feed.load_instruments()  # type: ignore[attr-defined]
        self.all_instruments = {i.symbol: self._rename(i) for i in found}
        if not self.symbols:
            return list(self.all_instruments.values())
        missing = [s for s in self.symbols if s not in self.all_instruments]
        if missing:
            log.warning("%s: the venue lists no market %s", self.venue, ", ".join(missing))
        return [self.all_instruments[s] for s in self.symbols if s in self.all_instruments]

    # ------------------------------------------------------------------ market data

    async def stream(self, symbols: Sequence[str]) -> AsyncIterator[MarketEvent]:
        """The feed for the configured symbols (or ``symbols`` when none are configured)."""
        wanted = list(self.symbols or symbols)
        async for event in self.feed.stream(wanted):
            yield self._rename(event)

    def book(self, symbol: str, depth: int = 25) -> BookSnapshot | None:
        snap = self.feed.book(symbol, depth)
        return None if snap is None else self._rename(snap)

    def health(self) -> FeedHealth:
        health: FeedHealth = self._rename(self.feed.health())
        detail = self.detail
        return health if detail is None else health.model_copy(update={"detail": detail})

    # ------------------------------------------------------------------ account

    def locations(self) -> Sequence[Location]:
        return self.rest.locations()

    async def fetch_balances(self) -> Sequence[Balance]:
        """Every non-zero balance with its read time; empty (not an error) without keys."""
        if not self.rest.can_trade:
            return []
        return await self.rest.fetch_balances()

    # ------------------------------------------------------------------ execution

    async def submit(self, request: OrderRequest) -> Order:
        order = await self.rest.submit(request)
        self._orders[order.client_order_id] = order
        if order.filled_qty == 0:
            # Resting: what fills later is a maker fill against this baseline. (Fills in the
            # reply itself are reported by the next poll, as taker fills.)
            self._filled[order.client_order_id] = order
        return order

    async def cancel(self, client_order_id: str, symbol: str) -> Order:
        order = await self.rest.cancel(client_order_id, symbol)
        self._orders[client_order_id] = order
        return order

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        return await self.rest.fetch_order(client_order_id, symbol)

    async def fetch_open_orders(self) -> Sequence[Order]:
        return await self.rest.fetch_open_orders()

    async def fetch_fees(self, symbol: str) -> tuple[Decimal, Decimal]:
        """``(maker, taker)`` rates: the account's tier with keys, the base schedule without."""
        return await self.rest.fetch_fees(symbol)

    async def user_stream(self) -> AsyncIterator[UserEvent]:
        """Order and balance changes found by polling REST every ``poll_s`` seconds."""
        if not self.rest.can_trade:
            await asyncio.Event().wait()  # nothing private to report, ever
        while True:
            try:
                for event in await self.poll():
                    yield event
            except NetworkError as exc:
                log.warning("%s: account poll: %s", self.venue, exc)
            except ExchangeError as exc:
                log.error("%s: account poll: %s", self.venue, exc)
            await asyncio.sleep(self.poll_s)

    async def poll(self) -> list[UserEvent]:
        """One reconciliation pass: what changed since the previous one (orders, the fills
        that moved them, balances)."""
        out: list[UserEvent] = []
        open_now = {o.client_order_id: o for o in await self.rest.fetch_open_orders()}
        for client_id, known in list(self._orders.items()):
            if client_id not in open_now and not known.status.is_final:
                current = await self.rest.fetch_order(client_id, known.symbol)
                if current is not None:
                    open_now[client_id] = current
        for client_id, order in open_now.items():
            before = self._orders.get(client_id)
            if before is None or (before.status, before.filled_qty) != (
                order.status,
                order.filled_qty,
            ):
                out.append(order)
            self._orders[client_id] = order
        for client_id, order in self._orders.items():
            # Including orders that filled in their submit reply and were never open.
            fill = fill_between(self._filled.get(client_id), order)
            if fill is not None:
                out.append(fill)
                self._filled[client_id] = order
        for balance in await self.rest.fetch_balances():
            key = (balance.location_id, balance.asset)
            before_b = self._balances.get(key)
            if before_b is None or (before_b.total, before_b.free) != (balance.total, balance.free):
                out.append(balance)
            self._balances[key] = balance
        return out

    async def close(self) -> None:
        await self.feed.close()
        await self.rest.close()


PRICE_PLACES = Decimal("1e-12")


def fill_between(before: Order | None, after: Order) -> Fill | None:
    """The execution that took an order from ``before`` to ``after``, from its own totals.

    The REST order reports carry the filled quantity, the average price and the fee paid, not
    the trades: the fill between two reports is their difference (quantity, fee), at the price
    that moves the average (a VWAP when several trades happened in between). Its id is the
    order's client id and filled quantity, so a fill reported twice is recorded once. Liquidity
    is a best guess: a fill with no earlier report (in the submit reply) or of a market/IOC
    order took liquidity; a later fill of a resting order was a maker's.
    """
    done = before.filled_qty if before is not None else ZERO
    qty = after.filled_qty - done
    if qty <= 0 or after.avg_price is None:
        return None
    spent = (before.avg_price or ZERO) * done if before is not None else ZERO
    price = ((after.avg_price * after.filled_qty - spent) / qty).quantize(PRICE_PLACES)
    taker = before is None or after.type in (OrderType.MARKET, OrderType.IOC)
    return Fill(
        client_order_id=after.client_order_id,
        venue=after.venue,
        symbol=after.symbol,
        side=after.side,
        qty=qty,
        price=price.normalize(),
        fee=after.fee_paid - (before.fee_paid if before is not None else ZERO),
        fee_asset=after.symbol.partition("/")[2],
        liquidity=Liquidity.TAKER if taker else Liquidity.MAKER,
        ts=after.updated_ts,
        trade_id=f"{after.client_order_id}:{after.filled_qty}",
    )
