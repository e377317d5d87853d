"""Shared machinery of the loopback REST venues: an aiohttp server on 127.0.0.1, an in-memory
account (balances, orders keyed by client order id) and fault injection.

Test infrastructure (also usable for a demo): it serves recorded public bodies handed to it and
implements the documented private order endpoints well enough for ccxt's unified API. Faults are
armed per endpoint group and fire once per arming:

* ``timeout_after_accept`` - the order is accepted and kept, but the response never comes;
* ``5xx`` - HTTP 503 with an HTML body;
* ``429`` - HTTP 429 with ``Retry-After``;
* ``malformed`` - HTTP 200 with a truncated JSON body.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

FAULTS = ("timeout_after_accept", "5xx", "429", "malformed")


@dataclass(frozen=True, slots=True)
class Candle:
    """One daily candle to serve: UTC open time (epoch seconds) and its prices and volume."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


DAY_S = 86_400


def served(venue: LoopbackVenue, market: str, interval_s: int) -> list[Candle] | None:
    """The candles the venue serves for ``market`` at ``interval_s``, or None when it serves
    none at that interval (daily candles are served for every market)."""
    if interval_s == DAY_S:
        return venue.candles.get(market, [])
    return venue.bars.get((market, interval_s))


@dataclass
class LoopOrder:
    """One order the loopback venue accepted."""

    client_id: str
    exchange_id: str
    symbol: str
    """The venue's own market id (``XXBTZUSD``, ``BTCUSDT``)."""
    side: str
    type: str
    """``limit`` or ``market``."""
    qty: Decimal
    price: Decimal | None
    post_only: bool = False
    ioc: bool = False
    status: str = "open"
    """``open``, ``closed`` (filled), ``canceled``, ``expired``."""
    filled: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    created: float = 0.0
    closed: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Faults:
    """Armed faults per endpoint group (``order`` for order placement, ``other`` for the rest,
    ``*`` for any) or per exact path (``/api/v3/account``)."""

    def __init__(self) -> None:
        self.armed: Counter[tuple[str, str]] = Counter()
        self.fired: Counter[str] = Counter()

    def arm(self, kind: str, group: str = "*", count: int = 1) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; faults are {FAULTS}")
        self.armed[(kind, group)] += count

    def take(self, kind: str, group: str, path: str = "") -> bool:
        """Fire an armed fault for a request in ``group`` (or armed for its exact ``path``)."""
        for key in ((kind, path), (kind, group), (kind, "*")):
            if self.armed[key] > 0:
                self.armed[key] -= 1
                self.fired[kind] += 1
                return True
        return False


class LoopbackVenue:
    """Base of the loopback REST venues; subclasses add their routes and body formats."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        balances: dict[str, Decimal] | None = None,
        retry_after: int = 2,
    ) -> None:
        self.api_key = api_key
        self.balances: dict[str, Decimal] = dict(balances or {})
        self.candles: dict[str, list[Candle]] = {}
        """Venue market id -> daily candles (oldest first) the OHLC endpoint serves in the
        venue's documented shape (recorded real candles, e.g. the shared FTX daily files)."""
        self.bars: dict[tuple[str, int], list[Candle]] = {}
        """(venue market id, interval in seconds) -> intraday candles (oldest first) the OHLC
        endpoint serves for that interval (e.g. the shared Yahoo hourly files)."""
        self.marks: dict[str, Decimal] = {}
        """Venue market id -> the price market orders fill at and limit orders are checked
        against (post-only, IOC)."""
        self.retry_after = retry_after
        self.faults = Faults()
        self.orders: dict[str, LoopOrder] = {}
        """Every accepted order by exchange id."""
        self.accepted: list[str] = []
        """Client ids in the order the venue accepted them (one entry per accepted order)."""
        self.requests: list[tuple[str, str]] = []
        """(method, path) of every request received."""
        self.seen_keys: set[str] = set()
        self.seen_signatures: set[str] = set()
        """Every request signature received (tests check none of them reaches a log)."""
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._hold = asyncio.Event()
        self._ids = 0
        self.app = web.Application(middlewares=[self._record])
        self._routes(self.app)

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.app, handle_signals=False, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self._hold.set()  # release any response held back by timeout_after_accept
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackVenue:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        group = "order" if self._is_order_path(request) else "other"
        if self.faults.take("5xx", group, request.path):
            return web.Response(status=503, text="<html>503 Service Unavailable</html>")
        if self.faults.take("429", group, request.path):
            return web.Response(
                status=429,
                headers={"Retry-After": str(self.retry_after)},
                text=self._rate_limit_body(),
                content_type="application/json",
            )
        if self.faults.take("malformed", group, request.path):
            return web.Response(status=200, text='{"result": {"tx', content_type="application/json")
        response: web.StreamResponse = await handler(request)
        return response

    def _is_order_path(self, request: web.Request) -> bool:
        raise NotImplementedError

    def _rate_limit_body(self) -> str:
        raise NotImplementedError

    async def _after_accept(self) -> None:
        """Hold the response forever if ``timeout_after_accept`` is armed (the order stays)."""
        if self.faults.take("timeout_after_accept", "order"):
            await self._hold.wait()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0)

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    # ------------------------------------------------------------------ the account

    def open_orders(self) -> list[LoopOrder]:
        return [o for o in self.orders.values() if o.status == "open"]

    def by_client_id(self, client_id: str) -> list[LoopOrder]:
        return [o for o in self.orders.values() if o.client_id == client_id]

    def refusal(self, order: LoopOrder, base: str, quote: str) -> str | None:
        """Why the venue refuses ``order`` (``None`` if it accepts it): funds and post-only."""
        mark = self.marks.get(order.symbol)
        price = order.price if order.price is not None else mark
        if order.type == "market" and price is None:
            return "no market price"
        if order.post_only and mark is not None and order.price is not None:
            crosses = order.price >= mark if order.side == "buy" else order.price <= mark
            if crosses:
                return "post only"
        if order.side == "buy":
            assert price is not None
            need, have = order.qty * price, self.free(quote)
        else:
            need, have = order.qty, self.free(base)
        return "insufficient funds" if need > have else None

    def free(self, asset: str) -> Decimal:
        locked = Decimal(0)
        for o in self.open_orders():
            base, quote = self.assets_of(o.symbol)
            if o.side == "buy" and quote == asset and o.price is not None:
                locked += (o.qty - o.filled) * o.price
            elif o.side == "sell" and base == asset:
                locked += o.qty - o.filled
        return self.balances.get(asset, Decimal(0)) - locked

    def assets_of(self, symbol: str) -> tuple[str, str]:
        raise NotImplementedError

    def execute(self, order: LoopOrder, now: float) -> None:
        """Fill market orders and marketable IOCs at the mark; expire the rest of an IOC."""
        mark = self.marks.get(order.symbol)
        marketable = mark is not None and (
            order.type == "market"
            or (
                order.price is not None
                and (mark <= order.price if order.side == "buy" else mark >= order.price)
            )
        )
        if marketable and not order.post_only:
            assert mark is not None
            base, quote = self.assets_of(order.symbol)
            sign = 1 if order.side == "buy" else -1
            self.balances[base] = self.balances.get(base, Decimal(0)) + sign * order.qty
            self.balances[quote] = self.balances.get(quote, Decimal(0)) - sign * order.qty * mark
            order.filled, order.avg_price = order.qty, mark
            order.status, order.closed = "closed", now
        elif order.ioc or order.type == "market":
            order.status, order.closed = "expired", now
