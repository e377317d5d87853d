"""The order manager against the loopback Kraken and Binance venues (real HTTP on 127.0.0.1,
recorded markets and books): a lost ack ends with one order; 5xx and 429 are retried with the
same id, no dupes (a 429 waits the venue's Retry-After before any request); a refusal is not
retried; cancels go through a failing venue; ccxt leaves the caller's decimal context alone.

Each test runs on both venues (one Binance-only test checks its recorded book and instrument
reach the gate). The one difference in shape: Kraken's AddOrder reply carries no
order state (the order is ``submitted`` until the next lookup), Binance's reply does (the order
comes back ``open`` or already ``filled``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, getcontext
from pathlib import Path

import pytest

from core.errors import GateRefused
from core.execution.manager import OrderManager
from core.execution.retry import RetryPolicy
from core.models import BookSnapshot, Instrument, OrderRequest, OrderStatus, OrderType, Side
from core.store import Store
from core.venues.loopback.base import LoopbackVenue
from core.venues.rest import CcxtRest
from tests.execution.helpers import FakeSleep, StaticMarket, binance_book, kraken_book


@dataclass(frozen=True)
class Market:
    """What differs per venue: the market traded, its recorded book and the venue's words."""

    symbol: str
    qty: Decimal
    resting: Decimal
    """A buy price under the recorded book's best ask and under the loopback's mark."""
    reply: OrderStatus
    """The state a submit reply reports for a resting order."""
    order_path: str
    cancel_path: str
    post_only_refusal: str


MARKETS = {
    "kraken": Market(
        "BTC/USD",
        Decimal("0.1"),
        Decimal("29400.0"),
        OrderStatus.SUBMITTED,
        "/0/private/AddOrder",
        "/0/private/CancelOrder",
        "Post only",
    ),
    "binance": Market(
        "NKN/USDT",
        Decimal("100"),
        Decimal("0.3500"),
        OrderStatus.OPEN,
        "/api/v3/order",
        "/api/v3/order",
        "Order would immediately match and take",
    ),
}


@dataclass
class Loop:
    """One loopback venue with the manager trading on it."""

    name: str
    market: Market
    server: LoopbackVenue
    manager: OrderManager
    sleep: FakeSleep
    instrument: Instrument

    @property
    def mark(self) -> Decimal:
        assert self.instrument.venue_symbol is not None
        return self.server.marks[self.instrument.venue_symbol]

    def above_mark(self, ticks: int) -> Decimal:
        """A price ``ticks`` ticks above the loopback's mark (a buy there takes liquidity)."""
        tick = self.instrument.price_tick
        return (self.mark / tick).to_integral_value(ROUND_CEILING) * tick + ticks * tick

    def buy(self, coid: str, *, price: Decimal | None = None, **update: object) -> OrderRequest:
        return OrderRequest(
            client_order_id=coid,
            venue=self.name,
            symbol=self.market.symbol,
            side=Side.BUY,
            type=OrderType.LIMIT,
            qty=self.market.qty,
            price=price or self.market.resting,
        ).model_copy(update=update)

    def book_at_mark(self) -> None:
        """Shift the gate's book so its mid is the loopback's mark (the gate's price band
        then admits prices around the mark the loopback fills and checks against)."""
        market = self.manager.market
        assert isinstance(market, StaticMarket)
        book = market.book(self.name, self.market.symbol)
        assert book is not None and book.mid is not None
        delta = self.mark - book.mid
        market.set_book(
            book.model_copy(
                update={
                    side: tuple(lv.model_copy(update={"price": lv.price + delta}) for lv in levels)
                    for side, levels in (("bids", book.bids), ("asks", book.asks))
                }
            )
        )


@pytest.fixture(params=sorted(MARKETS))
def venue(request: pytest.FixtureRequest) -> tuple[str, LoopbackVenue, CcxtRest]:
    name: str = request.param
    server = request.getfixturevalue(f"{name}_server")
    rest = request.getfixturevalue(f"{name}_rest")
    return name, server, rest


@pytest.fixture
async def loop(
    tmp_path: Path,
    shared_data: Path,
    binance_depth: dict[str, str],
    venue: tuple[str, LoopbackVenue, CcxtRest],
) -> AsyncIterator[Loop]:
    name, server, rest = venue
    market = MARKETS[name]
    rest.timeout_s = 0.3  # a held-back reply (timeout_after_accept) gives up this fast
    # The venue's own instrument: tick, step and minimums as its REST API lists them.
    instrument = {i.symbol: i for i in await rest.load_instruments()}[market.symbol]
    assert instrument.venue_symbol is not None
    book: BookSnapshot = (
        kraken_book(shared_data)
        if name == "kraken"
        else binance_book(binance_depth[instrument.venue_symbol], market.symbol)
    )
    store = await Store.open(tmp_path / "loop.db")
    sleep = FakeSleep()
    manager = OrderManager(
        {name: rest},  # type: ignore[dict-item]  # the REST client is the port here
        store,
        StaticMarket(book, instruments=[instrument]),
        policy=RetryPolicy(attempts=4),
        submit_timeout_s=5.0,
        sleep=sleep,
        clock=sleep.clock,
        rate_per_s=1000.0,
    )
    await manager.load()
    await manager.reconcile(startup=True)
    try:
        yield Loop(name, market, server, manager, sleep, instrument)
    finally:
        await store.close()


@pytest.mark.parametrize("venue", ["binance"], indirect=True)
async def test_binance_gate_uses_the_recorded_book_and_the_venues_instrument(
    loop: Loop, binance_depth: dict[str, str]
) -> None:
    recorded = json.loads(binance_depth["NKNUSDT"])
    book = loop.manager.market.book("binance", "NKN/USDT")
    assert book is not None and book.sequence == recorded["lastUpdateId"]
    for levels, rows in ((book.bids, recorded["bids"]), (book.asks, recorded["asks"])):
        assert [(lv.price, lv.qty) for lv in levels] == [(Decimal(p), Decimal(q)) for p, q in rows]
    assert book.mid == loop.mark  # the loopback's mark is the same snapshot's mid
    # NKN/USDT as Binance's recorded exchangeInfo lists it: whole coins, 4 decimals, and a
    # 10 USDT minimum that refuses 20 NKN at 0.35 before the venue hears of it.
    inst = loop.instrument
    assert (inst.qty_step, inst.price_tick, inst.min_notional) == (
        Decimal(1),
        Decimal("0.0001"),
        Decimal(10),
    )
    requests = len(loop.server.requests)
    with pytest.raises(GateRefused) as refused:
        await loop.manager.place(loop.buy("mgr-small", qty=Decimal(20)))
    assert refused.value.rule == "min_notional"
    # Only the gate's balance refresh reached the venue.
    assert loop.server.requests[requests:] == [("GET", "/api/v3/account")]
    assert loop.server.accepted == []


async def test_lost_ack_ends_with_exactly_one_order(loop: Loop) -> None:
    loop.server.faults.arm("timeout_after_accept", "order")
    order = await loop.manager.place(loop.buy("mgr-lost-1"))
    assert order.status is OrderStatus.OPEN and order.exchange_order_id
    assert loop.server.faults.fired["timeout_after_accept"] == 1
    assert loop.server.accepted == ["mgr-lost-1"]
    assert len(loop.server.by_client_id("mgr-lost-1")) == 1


@pytest.mark.parametrize(("fault", "count"), [("timeout_after_accept", 1), ("5xx", 2)])
async def test_a_marketable_order_fills_exactly_once_through_a_lost_ack_or_5xx(
    loop: Loop, fault: str, count: int
) -> None:
    # Venues refuse a duplicate client id only among *open* orders: a filled first attempt
    # sent again would buy twice. The lookup finds it filled, and nothing is resent.
    loop.book_at_mark()
    base, _ = loop.server.assets_of(loop.instrument.venue_symbol or "")
    before = loop.server.balances.get(base, Decimal(0))
    loop.server.faults.arm(fault, "order", count=count)
    order = await loop.manager.place(loop.buy("mgr-fill", price=loop.above_mark(3)))
    if (loop.name, fault) == ("kraken", "5xx"):
        # AddOrder's reply carries no state: the next lookup finds the order filled.
        assert order.status is OrderStatus.SUBMITTED
        await loop.manager.reconcile()
        order = loop.manager.orders["mgr-fill"]
    assert order.status is OrderStatus.FILLED
    assert (order.filled_qty, order.avg_price) == (loop.market.qty, loop.mark)
    assert loop.server.faults.fired[fault] == count
    assert loop.server.accepted == ["mgr-fill"]
    assert loop.server.balances[base] == before + loop.market.qty


async def test_lost_ack_of_an_ioc_that_expired_is_not_resent(loop: Loop) -> None:
    # An IOC under the mark expires at once; a resend would not be refused as a duplicate
    # (the first is no longer open), so the lookup must settle it.
    loop.book_at_mark()
    loop.server.faults.arm("timeout_after_accept", "order")
    request = loop.buy("mgr-lost-ioc", price=loop.above_mark(-20), type=OrderType.IOC)
    order = await loop.manager.place(request)
    assert order.status is OrderStatus.EXPIRED and order.filled_qty == 0
    assert loop.server.accepted == ["mgr-lost-ioc"]
    assert [o.status for o in loop.server.by_client_id("mgr-lost-ioc")] == ["expired"]


@pytest.mark.parametrize("fault", ["5xx", "429"])
async def test_5xx_and_429_are_retried_with_the_same_id_without_duplicates(
    loop: Loop, fault: str
) -> None:
    manager, coid = loop.manager, f"mgr-{fault}"
    before_wait: list[tuple[str, str]] = []
    loop.sleep.on_sleep.append(lambda _s: before_wait.append(loop.server.requests[-1]))
    loop.server.faults.arm(fault, "order", count=2)
    order = await manager.place(loop.buy(coid))
    assert order.status is loop.market.reply and order.exchange_order_id
    await manager.reconcile()
    assert manager.orders[coid].status is OrderStatus.OPEN
    assert loop.server.faults.fired[fault] == 2
    assert loop.server.accepted == [coid]
    assert [o.client_id for o in loop.server.open_orders()] == [coid]
    if fault == "429":
        # The venue asked to slow down (``Retry-After``): each retry waited at least that
        # long, and longer than the policy's own floor for a 429.
        assert loop.server.retry_after > manager.policy.rate_limit_floor_s
        assert len(loop.sleep.delays) == 2
        assert min(loop.sleep.delays) >= loop.server.retry_after
        # ... and heard nothing in between, not even the lookup of the refused order.
        assert before_wait == [("POST", loop.market.order_path)] * 2


async def test_a_venue_rejection_is_not_retried(loop: Loop) -> None:
    # The gate's book sits at the loopback's mark, so the gate approves; the loopback then
    # refuses a post-only buy above its mark (it would take liquidity).
    loop.book_at_mark()
    request = loop.buy("mgr-po", price=loop.above_mark(5), type=OrderType.POST_ONLY)
    calls = loop.manager.calls
    order = await loop.manager.place(request)
    assert order.status is OrderStatus.REJECTED
    assert loop.market.post_only_refusal in (order.reason or "")
    assert loop.manager.calls - calls == 2  # one balance refresh for the gate, one submit
    assert loop.server.accepted == []
    assert loop.sleep.delays == []


async def test_cancel_survives_a_5xx_and_cancel_all_sweeps_the_rest(loop: Loop) -> None:
    manager = loop.manager
    for coid in ("mgr-c1", "mgr-c2"):
        await manager.place(loop.buy(coid))
    await manager.reconcile()
    assert {o.client_id for o in loop.server.open_orders()} == {"mgr-c1", "mgr-c2"}
    loop.server.faults.arm("5xx", loop.market.cancel_path)
    cancelled = await manager.cancel(loop.name, loop.market.symbol, "mgr-c1")
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.filled_qty == 0
    assert loop.server.faults.fired["5xx"] == 1
    assert [o.status for o in loop.server.by_client_id("mgr-c1")] == ["canceled"]
    assert await manager.cancel_all(loop.name) == 1
    assert loop.server.open_orders() == []
    assert manager.open_orders() == []
    stored = {o.client_order_id: o.status for o in await manager.store.open_orders()}
    assert stored == {}


async def test_placing_through_ccxt_leaves_the_callers_decimal_context_alone(loop: Loop) -> None:
    # ccxt's amount/price rounding sets HALF_UP and traps Underflow on the current context;
    # leaked, every later Decimal rounding in the core changes (half-even 0.125 -> 0.12).
    context = getcontext()
    before = (context.rounding, context.prec, dict(context.traps))
    await loop.manager.place(loop.buy("mgr-ctx"))
    assert loop.server.accepted == ["mgr-ctx"]
    context = getcontext()
    assert (context.rounding, context.prec, dict(context.traps)) == before
    assert Decimal("0.125").quantize(Decimal("0.01")) == Decimal("0.12")


async def test_a_cancel_that_arrives_after_the_fill_reports_the_fill(loop: Loop) -> None:
    # The venue refuses to cancel an order it no longer holds open (Binance -2011, Kraken
    # "EOrder:Unknown order"); the manager learns the fill instead of an error.
    manager = loop.manager
    await manager.place(loop.buy("mgr-race"))
    await manager.reconcile()
    (held,) = loop.server.by_client_id("mgr-race")
    loop.server.marks[held.symbol] = loop.market.resting  # the market comes down to it
    loop.server.execute(held, held.created + 1.0)
    assert held.status == "closed"
    ended = await manager.cancel(loop.name, loop.market.symbol, "mgr-race")
    assert ended.status is OrderStatus.FILLED
    assert (ended.filled_qty, ended.avg_price) == (loop.market.qty, loop.market.resting)
    assert manager.orders["mgr-race"] == ended and manager.open_orders() == []
    await manager.place(loop.buy("mgr-race-2"))
    await manager.reconcile()
    loop.server.execute(loop.server.by_client_id("mgr-race-2")[0], held.created + 2.0)
    # A sweep counts what it cancelled, not what filled first.
    assert await manager.cancel_all(loop.name) == 0
    assert manager.orders["mgr-race-2"].status is OrderStatus.FILLED
