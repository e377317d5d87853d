"""A simulated venue: the exchange port implemented over the shared :class:`SimWorld`.

It streams book changes and trades, holds an account with the demo portfolio, and executes
orders against its own books: market and marketable limit orders walk the book (consuming the
liquidity they take), resting limit orders fill as makers when the market trades through them.
Nothing above the port can tell it from a real venue.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from core.errors import ExchangeError
from core.models import (
    ZERO,
    Balance,
    BookSnapshot,
    Custody,
    FeedHealth,
    FeedState,
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
from core.ports import BookChanged, MarketEvent, UserEvent
from core.sim.world import SimMarket, SimWorld

TIMEFRAME_S = {"1m": 60, "5m": 300, "1h": 3600, "1d": 86_400}


class SimVenue:
    """One simulated exchange: market data, a spot account and order execution."""

    def __init__(self, world: SimWorld, name: str, balances: dict[str, Decimal]) -> None:
        self.venue = name
        self.world = world
        self._state = world.venues[name]
        self._balances = dict(balances)
        self._locked: dict[str, Decimal] = {}
        self._orders: dict[str, Order] = {}
        self._user_events: asyncio.Queue[UserEvent] = asyncio.Queue()
        self._fill_seq = 0
        self._msg_times: deque[float] = deque(maxlen=2_000)
        self._health = FeedHealth(venue=name, state=FeedState.CONNECTING)
        self.location = Location(
            id=f"{name}:spot",
            venue=name,
            sub_account=SubAccount.SPOT,
            custody=Custody.EXCHANGE,
            tradable=True,
            label=f"{name} spot",
        )

    # ------------------------------------------------------------------ candles

    cache_bars = False
    """Its history is generated afresh each session (ending at that session's start)."""

    async def ohlcv(
        self, symbol: str, timeframe: str, since_ms: int, limit: int
    ) -> list[list[Any]]:
        """Candles before the session from the world's generated intraday path (the chart's
        history on a fresh database; the stored prints take over from the session's start)."""
        market = self._state.markets.get(symbol)
        seconds = TIMEFRAME_S.get(timeframe)
        if market is None or seconds is None:
            raise ExchangeError(f"{self.venue}: no {timeframe} candles of {symbol}")
        basis = self._state.spec.basis_bps
        return self.world.ohlcv(market, basis, seconds, since_ms, limit)

    # ------------------------------------------------------------------ instruments

    async def load_instruments(self) -> Sequence[Instrument]:
        return [m.instrument for m in self._state.markets.values()]

    # ------------------------------------------------------------------ market data

    async def stream(self, symbols: Sequence[str]) -> AsyncIterator[MarketEvent]:
        wanted = set(symbols) or set(self._state.markets)
        self._health = self._health.model_copy(update={"state": FeedState.LIVE})
        yield self._health
        world = self.world
        while True:
            world.catch_up()
            changed, trades = world.drain(self.venue)
            self._check_resting()
            now = utcnow()
            count = 0
            for trade in trades:
                if trade.symbol in wanted:
                    count += 1
                    yield trade
            for symbol in sorted(changed & wanted):
                count += 1
                yield BookChanged(self.venue, symbol, now)
            if count:
                mono = time.monotonic()
                self._msg_times.extend([mono] * count)
                self._health = self._health.model_copy(
                    update={"last_message_ts": now, "messages_per_s": self._rate(mono)}
                )
            await asyncio.sleep(world.seconds_to_next_step())

    def _rate(self, now: float) -> float:
        times = self._msg_times
        while times and now - times[0] > 5.0:
            times.popleft()
        return len(times) / 5.0

    def book(self, symbol: str, depth: int = 25) -> BookSnapshot | None:
        market = self._state.markets.get(symbol)
        if market is None:
            return None
        return market.book.snapshot(depth, market.instrument.qty_step)

    def health(self) -> FeedHealth:
        return self._health

    # ------------------------------------------------------------------ account

    def locations(self) -> Sequence[Location]:
        return [self.location]

    async def fetch_balances(self) -> Sequence[Balance]:
        now = utcnow()
        return [
            Balance(
                location_id=self.location.id,
                asset=asset,
                total=total,
                free=total - self._locked.get(asset, ZERO),
                ts=now,
                source=self.venue,
            )
            for asset, total in sorted(self._balances.items())
            if total != 0
        ]

    # ------------------------------------------------------------------ execution

    async def submit(self, request: OrderRequest) -> Order:
        existing = self._orders.get(request.client_order_id)
        if existing is not None:
            return existing  # idempotent: a retried submit never makes a second order
        market = self._state.markets.get(request.symbol)
        order = Order.from_request(
            request,
            OrderStatus.OPEN,
            venue=self.venue,
            exchange_order_id=f"{self.venue}-{len(self._orders) + 1}",
        )
        problem = self._precheck(request, market)
        if problem is not None or market is None:
            order = order.model_copy(update={"status": OrderStatus.REJECTED, "reason": problem})
            self._orders[order.client_order_id] = order
            self._emit(order)
            return order
        self._orders[order.client_order_id] = order
        order = self._execute_taker(order, market)
        if order.status is OrderStatus.OPEN or order.status is OrderStatus.PARTIALLY_FILLED:
            if request.type in (OrderType.MARKET, OrderType.IOC):
                order = self._finish(order, OrderStatus.CANCELLED)
            else:
                self._lock(order, market)
        self._orders[order.client_order_id] = order
        self._emit(order)
        return order

    def _precheck(self, request: OrderRequest, market: SimMarket | None) -> str | None:
        if market is None:
            return f"unknown market {request.symbol}"
        inst = market.instrument
        if request.type is not OrderType.MARKET and request.price is None:
            return "limit order without a price"
        if request.qty % inst.qty_step != 0:
            return f"quantity {request.qty} is not a multiple of the step {inst.qty_step}"
        if request.price is not None and request.price % inst.price_tick != 0:
            return f"price {request.price} is not on the tick {inst.price_tick}"
        if request.type is OrderType.POST_ONLY:
            touch = market.book.best_ask() if request.side is Side.BUY else market.book.best_bid()
            if touch is not None and request.price is not None:
                touch_price = market.book.to_decimal(touch)
                crosses = (
                    request.price >= touch_price
                    if request.side is Side.BUY
                    else request.price <= touch_price
                )
                if crosses:
                    return "post-only order would take liquidity"
        ref = request.price
        if ref is None:
            snap = market.book.snapshot(1, inst.qty_step)
            ref = snap.best_ask if request.side is Side.BUY else snap.best_bid
        if ref is None:
            return "no liquidity"
        if request.side is Side.BUY:
            # A market buy pays every level it walks, not just the touch.
            cost = request.qty * ref if request.price else self._walk_cost(market, request.qty)
            need = cost * (1 + inst.taker_fee)
            if self._free(inst.quote) < need:
                return f"insufficient {inst.quote}: need {need:.2f}"
        elif self._free(inst.base) < request.qty:
            return f"insufficient {inst.base}: need {request.qty}"
        return None

    def _walk_cost(self, market: SimMarket, qty: Decimal) -> Decimal:
        """Quote a market buy of ``qty`` would pay walking the asks (the rest at the last)."""
        book, step = market.book, market.instrument.qty_step
        cost, remaining, price = ZERO, qty, ZERO
        for ticks in sorted(book.asks):
            if remaining <= 0:
                break
            price = book.to_decimal(ticks)
            take = min(book.step_qty(book.asks[ticks], step), remaining)
            cost += take * price
            remaining -= take
        return cost + remaining * price

    def _free(self, asset: str) -> Decimal:
        return self._balances.get(asset, ZERO) - self._locked.get(asset, ZERO)

    def _execute_taker(self, order: Order, market: SimMarket) -> Order:
        if order.type is OrderType.POST_ONLY:
            return order
        book = market.book
        limit = order.price
        levels = sorted(book.asks) if order.side is Side.BUY else sorted(book.bids, reverse=True)
        remaining = order.remaining
        for ticks in levels:
            if remaining <= 0:
                break
            price = book.to_decimal(ticks)
            if limit is not None and (
                (order.side is Side.BUY and price > limit)
                or (order.side is Side.SELL and price < limit)
            ):
                break
            side_book = book.asks if order.side is Side.BUY else book.bids
            resting = side_book[ticks]
            # Never fill more than the level holds: round down to the step, and take from this
            # level only (a whole level goes with its sub-step dust).
            available = book.step_qty(resting, market.instrument.qty_step)
            qty = min(available, remaining)
            if qty <= 0:
                continue
            if qty == available:
                del side_book[ticks]
            else:
                side_book[ticks] = resting - float(qty)
            book.version += 1
            order = self._apply_fill(order, market, qty, price, Liquidity.TAKER)
            remaining = order.remaining
        return order

    def _apply_fill(
        self, order: Order, market: SimMarket, qty: Decimal, price: Decimal, liq: Liquidity
    ) -> Order:
        inst = market.instrument
        rate = inst.taker_fee if liq is Liquidity.TAKER else inst.maker_fee
        fee = (qty * price * rate).quantize(Decimal("0.00000001"))
        sign = order.side.sign
        self._balances[inst.base] = self._balances.get(inst.base, ZERO) + sign * qty
        quote_delta = -sign * qty * price - fee
        self._balances[inst.quote] = self._balances.get(inst.quote, ZERO) + quote_delta
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
            trade_id=f"{self.venue}-f{self._fill_seq}",
        )
        self._user_events.put_nowait(fill)
        filled = order.filled_qty + qty
        avg = ((order.avg_price or ZERO) * order.filled_qty + price * qty) / filled
        status = OrderStatus.FILLED if filled >= order.qty else OrderStatus.PARTIALLY_FILLED
        return order.model_copy(
            update={
                "filled_qty": filled,
                "avg_price": avg,
                "fee_paid": order.fee_paid + fee,
                "status": status,
                "updated_ts": now,
            }
        )

    def _lock(self, order: Order, market: SimMarket) -> None:
        inst = market.instrument
        if order.side is Side.BUY:
            amount = order.remaining * (order.price or ZERO) * (1 + inst.maker_fee)
            self._locked[inst.quote] = self._locked.get(inst.quote, ZERO) + amount
        else:
            self._locked[inst.base] = self._locked.get(inst.base, ZERO) + order.remaining

    def _unlock(self, order: Order) -> None:
        market = self._state.markets[order.symbol]
        inst = market.instrument
        if order.side is Side.BUY:
            amount = order.remaining * (order.price or ZERO) * (1 + inst.maker_fee)
            self._locked[inst.quote] = max(ZERO, self._locked.get(inst.quote, ZERO) - amount)
        else:
            self._locked[inst.base] = max(ZERO, self._locked.get(inst.base, ZERO) - order.remaining)

    def _check_resting(self) -> None:
        """Resting limit orders fill as makers when the touch trades through their price."""
        for order in list(self._orders.values()):
            if order.status not in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
                continue
            market = self._state.markets[order.symbol]
            snap_touch = (
                market.book.best_ask() if order.side is Side.BUY else market.book.best_bid()
            )
            if snap_touch is None or order.price is None:
                continue
            touch = market.book.to_decimal(snap_touch)
            through = touch <= order.price if order.side is Side.BUY else touch >= order.price
            if not through:
                continue
            self._unlock(order)
            updated = self._apply_fill(order, market, order.remaining, order.price, Liquidity.MAKER)
            self._orders[order.client_order_id] = updated
            self._emit(updated)

    def _finish(self, order: Order, status: OrderStatus) -> Order:
        return order.model_copy(update={"status": status, "updated_ts": utcnow()})

    def _emit(self, order: Order) -> None:
        self._user_events.put_nowait(order)

    async def cancel(self, client_order_id: str, symbol: str) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise ExchangeError(f"{self.venue}: unknown order {client_order_id}")
        if order.status.is_final:
            return order
        self._unlock(order)
        order = self._finish(order, OrderStatus.CANCELLED)
        self._orders[client_order_id] = order
        self._emit(order)
        return order

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        return self._orders.get(client_order_id)

    async def fetch_open_orders(self) -> Sequence[Order]:
        return [o for o in self._orders.values() if not o.status.is_final]

    async def user_stream(self) -> AsyncIterator[UserEvent]:
        while True:
            yield await self._user_events.get()

    async def close(self) -> None:
        self._health = self._health.model_copy(update={"state": FeedState.STOPPED})


class SimWallet:
    """A cold hardware wallet holding part of the demo portfolio: visible, never tradable."""

    def __init__(self, name: str, balances: dict[str, Decimal]) -> None:
        self.venue = name
        self._balances = dict(balances)
        self.location = Location(
            id=f"{name}:cold",
            venue=name,
            sub_account=SubAccount.WALLET,
            custody=Custody.COLD,
            tradable=False,
            label="Ledger (cold)",
        )

    def locations(self) -> Sequence[Location]:
        return [self.location]

    async def fetch_balances(self) -> Sequence[Balance]:
        now = utcnow()
        return [
            Balance(
                location_id=self.location.id, asset=a, total=q, free=q, ts=now, source=self.venue
            )
            for a, q in sorted(self._balances.items())
        ]
