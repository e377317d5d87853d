"""The paper venue: the live venues' port, filled against any market-data source's real books.

Market and marketable orders walk the current L2 book (partial fills when it runs out, taker
fees); limit orders rest, lock their funds and fill as makers when the book trades through
their price; post-only orders that would take are rejected; IOC and market remainders expire.
Each request waits a latency drawn from :class:`LatencyModel` before it reaches the book, as
a real order would.

The paper account behaves like an exchange's: with a store, its orders and balances are
committed to SQLite (``paper_state`` for balances, ``paper_orders`` for each changed order)
before a submit returns, so after a crash the client's
reconciliation finds exactly what the "exchange" accepted, just as it would with a live venue.
The source book is read, never mutated, but the paper account remembers what its own fills took
from each level (:class:`Consumed`): two market orders on an unchanged book do not both take the
same levels, and a resting order that crossed does not fill again every tick on the liquidity it
already took. A level's consumption is forgotten as soon as the book shows a different quantity
there (the book updated).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.errors import ExchangeError
from core.execution.matching import Consumed, crossing_qty, walk, would_take
from core.models import (
    ZERO,
    Balance,
    BookSnapshot,
    Custody,
    Fill,
    Instrument,
    Liquidity,
    Location,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    SubAccount,
    utcnow,
)
from core.ports import UserEvent

BookSource = Callable[[str], BookSnapshot | None]
"""``symbol -> current book`` (a MarketDataPort's ``book``)."""

Persist = Callable[[str, str, Sequence[Order]], Awaitable[None]]
"""``(venue, account JSON, changed orders) -> None``: commits them durably, together."""


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """Delay before a request reaches the book: ``base_ms`` plus uniform jitter."""

    base_ms: float = 0.0
    jitter_ms: float = 0.0
    seed: int = 1

    def sampler(self) -> Callable[[], float]:
        rng = random.Random(self.seed)
        return lambda: (self.base_ms + rng.uniform(0.0, self.jitter_ms)) / 1000.0


class PaperVenue:
    """A paper account on ``venue``: ExecutionPort and AccountPort over a book source."""

    def __init__(
        self,
        venue: str,
        books: BookSource,
        instruments: Mapping[str, Instrument],
        balances: Mapping[str, Decimal],
        *,
        latency: LatencyModel | None = None,
        persist: Persist | None = None,
        state: str | None = None,
        orders: Sequence[Order] = (),
    ) -> None:
        self.venue = venue
        self._books = books
        self._instruments = dict(instruments)
        self._balances: dict[str, Decimal] = dict(balances)
        self._orders: dict[str, Order] = {}
        self._resting: set[str] = set()
        self._fill_seq = 0
        self.consumed = Consumed()
        self._delay = (latency or LatencyModel()).sampler()
        self._persist = persist
        self._events: asyncio.Queue[UserEvent] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self.location = Location(
            id=f"{venue}:spot",
            venue=venue,
            sub_account=SubAccount.SPOT,
            custody=Custody.EXCHANGE,
            tradable=True,
            label=f"{venue} spot (paper)",
        )
        if state is not None:
            self._restore(state, orders)

    # ------------------------------------------------------------------ persistence

    def dump(self) -> str:
        """The account as JSON: balances and the fill counter (orders are stored per row)."""
        return json.dumps(
            {
                "balances": {a: str(q) for a, q in sorted(self._balances.items())},
                "fill_seq": self._fill_seq,
            },
            sort_keys=True,
        )

    def _restore(self, state: str, orders: Sequence[Order]) -> None:
        data = json.loads(state)
        self._balances = {a: Decimal(q) for a, q in data["balances"].items()}
        self._fill_seq = int(data["fill_seq"])
        for order in sorted(orders, key=lambda o: o.created_ts):
            self._put(order)

    async def seed(self, balances: Mapping[str, Decimal]) -> None:
        """Set a new account's starting balances and commit them (before any order)."""
        async with self._lock:
            if self._orders:
                raise ExchangeError(f"paper {self.venue}: cannot seed an account with orders")
            self._balances = {a: q for a, q in balances.items() if q}
            await self._commit(())

    def _put(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        if order.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            self._resting.add(order.client_order_id)
        else:
            self._resting.discard(order.client_order_id)

    async def _commit(self, changed: Sequence[Order]) -> None:
        if self._persist is not None:
            await self._persist(self.venue, self.dump(), changed)

    # ------------------------------------------------------------------ account

    def locations(self) -> Sequence[Location]:
        return [self.location]

    def _locked(self) -> dict[str, Decimal]:
        locked: dict[str, Decimal] = {}
        for coid in self._resting:
            asset, amount = self._lock_of(self._orders[coid])
            locked[asset] = locked.get(asset, ZERO) + amount
        return locked

    def _lock_of(self, order: Order) -> tuple[str, Decimal]:
        inst = self._instruments[order.symbol]
        if order.side is Side.BUY:
            return inst.quote, order.remaining * (order.price or ZERO) * (1 + inst.maker_fee)
        return inst.base, order.remaining

    def _free(self, asset: str) -> Decimal:
        return self._balances.get(asset, ZERO) - self._locked().get(asset, ZERO)

    async def fetch_balances(self) -> Sequence[Balance]:
        now = utcnow()
        locked = self._locked()
        return [
            Balance(
                location_id=self.location.id,
                asset=asset,
                total=total,
                free=total - locked.get(asset, ZERO),
                ts=now,
                source=f"paper:{self.venue}",
            )
            for asset, total in sorted(self._balances.items())
            if total != 0
        ]

    # ------------------------------------------------------------------ execution

    async def submit(self, request: OrderRequest) -> Order:
        existing = self._orders.get(request.client_order_id)
        if existing is not None:
            return existing  # idempotent: a retried submit never makes a second order
        await asyncio.sleep(self._delay())
        async with self._lock:
            existing = self._orders.get(request.client_order_id)
            if existing is not None:
                return existing
            order, fills = self._accept(request)
            self._put(order)
            await self._commit([order])
        for fill in fills:
            self._events.put_nowait(fill)
        self._events.put_nowait(order)
        return order

    def _accept(self, request: OrderRequest) -> tuple[Order, list[Fill]]:
        order = Order.from_request(
            request,
            OrderStatus.OPEN,
            venue=self.venue,
            exchange_order_id=f"paper-{self.venue}-{len(self._orders) + 1}",
        )
        inst = self._instruments.get(request.symbol)
        book = self._books(request.symbol)
        problem = self._precheck(request, inst, book)
        if problem is not None or inst is None or book is None:
            return order.model_copy(update={"status": OrderStatus.REJECTED, "reason": problem}), []
        fills: list[Fill] = []
        if request.type is not OrderType.POST_ONLY:
            side = "asks" if request.side is Side.BUY else "bids"
            levels = book.asks if request.side is Side.BUY else book.bids
            free = self.consumed.available(request.symbol, side, levels)
            limit = None if request.type is OrderType.MARKET else request.price
            for price, qty in walk(free, request.qty, limit, request.side):
                order, fill = self._fill(order, inst, qty, price, Liquidity.TAKER)
                self.consumed.take(request.symbol, side, levels, price, qty)
                fills.append(fill)
        if order.remaining > 0 and request.type in (OrderType.MARKET, OrderType.IOC):
            order = order.model_copy(update={"status": OrderStatus.EXPIRED})
        return order, fills

    def _precheck(
        self, request: OrderRequest, inst: Instrument | None, book: BookSnapshot | None
    ) -> str | None:
        if inst is None:
            return f"unknown market {request.symbol}"
        if book is None or book.mid is None:
            return f"no book for {request.symbol}"
        if request.qty % inst.qty_step != 0:
            return f"quantity {request.qty} is not a multiple of the step {inst.qty_step}"
        if request.type is not OrderType.MARKET:
            if request.price is None:
                return f"{request.type.value} order without a price"
            if request.price % inst.price_tick != 0:
                return f"price {request.price} is not on the tick {inst.price_tick}"
            if request.type is OrderType.POST_ONLY and would_take(
                book, request.side, request.price
            ):
                return "post-only order would take liquidity"
        if request.side is Side.BUY:
            if request.type is OrderType.MARKET:
                asks = self.consumed.available(request.symbol, "asks", book.asks)
                cost = sum((p * q for p, q in walk(asks, request.qty, None, Side.BUY)), ZERO)
            else:
                cost = request.qty * (request.price or ZERO)
            need = cost * (1 + max(inst.taker_fee, inst.maker_fee))
            if self._free(inst.quote) < need:
                return f"insufficient {inst.quote}: need {need}, free {self._free(inst.quote)}"
        elif self._free(inst.base) < request.qty:
            return f"insufficient {inst.base}: need {request.qty}, free {self._free(inst.base)}"
        return None

    def _fill(
        self, order: Order, inst: Instrument, qty: Decimal, price: Decimal, liq: Liquidity
    ) -> tuple[Order, Fill]:
        rate = inst.taker_fee if liq is Liquidity.TAKER else inst.maker_fee
        fee = qty * price * rate
        sign = order.side.sign
        self._balances[inst.base] = self._balances.get(inst.base, ZERO) + sign * qty
        self._balances[inst.quote] = self._balances.get(inst.quote, ZERO) - sign * qty * price - fee
        self._fill_seq += 1
        now = utcnow()
        fill = Fill(
            client_order_id=order.client_order_id,
            venue=self.venue,
            symbol=order.symbol,
            side=order.side,
            qty=qty,
            price=price,
            fee=fee,
            fee_asset=inst.quote,
            liquidity=liq,
            ts=now,
            trade_id=f"paper-{self.venue}-f{self._fill_seq}",
        )
        filled = order.filled_qty + qty
        avg = ((order.avg_price or ZERO) * order.filled_qty + price * qty) / filled
        status = OrderStatus.FILLED if filled >= order.qty else OrderStatus.PARTIALLY_FILLED
        updated = order.model_copy(
            update={
                "filled_qty": filled,
                "avg_price": avg,
                "fee_paid": order.fee_paid + fee,
                "status": status,
                "updated_ts": now,
            }
        )
        return updated, fill

    async def check_resting(self) -> int:
        """Fill resting limit orders the book now trades through (as makers); returns fills."""
        changed: list[Order] = []
        async with self._lock:
            events: list[UserEvent] = []
            for coid in sorted(self._resting, key=lambda c: self._orders[c].created_ts):
                order = self._orders[coid]
                book = self._books(order.symbol)
                if book is None or order.price is None:
                    continue
                side = "asks" if order.side is Side.BUY else "bids"
                levels = book.asks if order.side is Side.BUY else book.bids
                free = self.consumed.available(order.symbol, side, levels)
                view = book.model_copy(update={side: tuple(free)})
                qty = min(order.remaining, crossing_qty(view, order.side, order.price))
                if qty <= 0:
                    continue
                self.consumed.take_through(order.symbol, side, levels, qty)
                inst = self._instruments[order.symbol]
                updated, fill = self._fill(order, inst, qty, order.price, Liquidity.MAKER)
                self._put(updated)
                events += [fill, updated]
                changed.append(updated)
            if changed:
                await self._commit(changed)
        for event in events:
            self._events.put_nowait(event)
        return len(changed)

    async def cancel(self, client_order_id: str, symbol: str) -> Order:
        await asyncio.sleep(self._delay())
        async with self._lock:
            order = self._orders.get(client_order_id)
            if order is None:
                raise ExchangeError(f"{self.venue}: unknown order {client_order_id}")
            if order.status.is_final:
                return order
            order = order.model_copy(
                update={"status": OrderStatus.CANCELLED, "updated_ts": utcnow()}
            )
            self._put(order)
            await self._commit([order])
        self._events.put_nowait(order)
        return order

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        return self._orders.get(client_order_id)

    async def fetch_open_orders(self) -> Sequence[Order]:
        return [self._orders[c] for c in sorted(self._resting)]

    async def user_stream(self) -> AsyncIterator[UserEvent]:
        while True:
            yield await self._events.get()

    async def close(self) -> None:
        return None
