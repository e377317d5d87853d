"""The simulated venue's execution: book walking, fees, balances, idempotency, makers, cancels."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from decimal import Decimal

import pytest

from core.config import SimConfig
from core.errors import ExchangeError
from core.models import (
    FeedHealth,
    Fill,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from core.sim.venue import SimVenue
from core.sim.world import SimWorld

SYMBOL = "BTC/USDT"


def make_venue(balances: dict[str, Decimal]) -> SimVenue:
    # A very slow wall-clock tick: only the test advances this world.
    config = SimConfig(seed=21, history_days=30, tick_hz=0.01, time_scale=0.01)
    world = SimWorld(config, ["sim-a", "sim-b"])
    return SimVenue(world, "sim-a", balances)


def drain_events(venue: SimVenue) -> tuple[list[Order], list[Fill]]:
    orders: list[Order] = []
    fills: list[Fill] = []
    queue = venue._user_events
    while not queue.empty():
        event = queue.get_nowait()
        if isinstance(event, Fill):
            fills.append(event)
        elif isinstance(event, Order):
            orders.append(event)
    return orders, fills


async def balances_of(venue: SimVenue) -> dict[str, tuple[Decimal, Decimal]]:
    return {b.asset: (b.total, b.free) for b in await venue.fetch_balances()}


def request(
    cid: str,
    side: Side,
    qty: str,
    type_: OrderType = OrderType.MARKET,
    price: Decimal | None = None,
) -> OrderRequest:
    return OrderRequest(
        client_order_id=cid,
        venue="sim-a",
        symbol=SYMBOL,
        side=side,
        type=type_,
        qty=Decimal(qty),
        price=price,
    )


async def test_market_buy_walks_the_book_at_level_prices_and_pays_taker_fee() -> None:
    venue = make_venue({"USDT": Decimal(10_000_000)})
    inst = next(i for i in await venue.load_instruments() if i.symbol == SYMBOL)
    before = venue.book(SYMBOL, 10)
    assert before is not None
    # Take the first three ask levels whole and half of the fourth.
    levels = before.asks[:4]
    qty = sum((lv.qty for lv in levels[:3]), Decimal(0)) + inst.round_qty(levels[3].qty / 2)
    order = await venue.submit(request("m1", Side.BUY, str(qty)))

    assert order.status is OrderStatus.FILLED and order.filled_qty == qty
    _, fills = drain_events(venue)
    assert [f.price for f in fills] == [lv.price for lv in levels]
    assert [f.qty for f in fills[:3]] == [lv.qty for lv in levels[:3]]
    assert fills[3].qty == inst.round_qty(levels[3].qty / 2)
    assert all(f.liquidity is Liquidity.TAKER and f.fee_asset == "USDT" for f in fills)

    notional = sum((f.qty * f.price for f in fills), Decimal(0))
    expected_vwap = (
        sum((lv.qty * lv.price for lv in levels[:3]), Decimal(0)) + fills[3].qty * levels[3].price
    ) / qty
    assert order.avg_price == pytest.approx(expected_vwap, rel=Decimal("1e-20"))
    assert notional == expected_vwap * qty
    for f in fills:
        assert f.fee == (f.qty * f.price * inst.taker_fee).quantize(Decimal("1e-8"))
    assert order.fee_paid == sum((f.fee for f in fills), Decimal(0))
    assert abs(order.fee_paid - notional * inst.taker_fee) <= Decimal("1e-7")

    balances = await balances_of(venue)
    assert balances["BTC"] == (qty, qty)
    assert balances["USDT"][0] == Decimal(10_000_000) - notional - order.fee_paid

    after = venue.book(SYMBOL, 10)
    assert after is not None
    # The levels it consumed are gone; the half-taken one remains, smaller.
    assert after.asks[0].price == levels[3].price
    assert after.asks[0].qty == levels[3].qty - fills[3].qty


async def test_market_sell_pays_out_quote_less_fee() -> None:
    venue = make_venue({"BTC": Decimal("2")})
    snap = venue.book(SYMBOL, 5)
    assert snap is not None
    qty = snap.bids[0].qty
    order = await venue.submit(request("s1", Side.SELL, str(qty)))
    _, fills = drain_events(venue)
    assert order.status is OrderStatus.FILLED
    assert [(f.price, f.qty) for f in fills] == [(snap.bids[0].price, qty)]
    balances = await balances_of(venue)
    assert balances["BTC"][0] == Decimal(2) - qty
    assert balances["USDT"][0] == qty * snap.bids[0].price - fills[0].fee


async def test_retried_submit_returns_the_same_order() -> None:
    venue = make_venue({"USDT": Decimal(1_000_000)})
    req = request("dup", Side.BUY, "0.01")
    first = await venue.submit(req)
    balances = await balances_of(venue)
    _, fills = drain_events(venue)
    second = await venue.submit(req)
    assert second == first
    assert await balances_of(venue) == balances
    assert drain_events(venue) == ([], [])
    assert len(fills) >= 1
    assert await venue.fetch_order("dup", SYMBOL) == first


async def test_insufficient_balance_is_rejected_with_reason() -> None:
    venue = make_venue({"USDT": Decimal(100), "BTC": Decimal("0.001")})
    buy = await venue.submit(request("b", Side.BUY, "1"))
    assert buy.status is OrderStatus.REJECTED
    assert buy.reason is not None and "insufficient USDT" in buy.reason
    sell = await venue.submit(request("s", Side.SELL, "0.5"))
    assert sell.status is OrderStatus.REJECTED
    assert sell.reason is not None and "insufficient BTC" in sell.reason
    odd = await venue.submit(request("o", Side.SELL, "0.0000001"))
    assert odd.status is OrderStatus.REJECTED and odd.reason and "step" in odd.reason
    assert await balances_of(venue) == {
        "BTC": (Decimal("0.001"), Decimal("0.001")),
        "USDT": (Decimal(100), Decimal(100)),
    }
    orders, fills = drain_events(venue)
    assert [o.status for o in orders] == [OrderStatus.REJECTED] * 3 and fills == []


async def test_resting_limit_fills_as_maker_when_traded_through() -> None:
    venue = make_venue({"USDT": Decimal(100_000)})
    inst = next(i for i in await venue.load_instruments() if i.symbol == SYMBOL)
    snap = venue.book(SYMBOL, 5)
    assert snap is not None and snap.best_bid is not None
    price = snap.best_bid - 50 * inst.price_tick
    qty = Decimal("0.5")
    order = await venue.submit(request("r1", Side.BUY, "0.5", OrderType.LIMIT, price))
    assert order.status is OrderStatus.OPEN and order.filled_qty == 0
    locked = qty * price * (1 + inst.maker_fee)
    assert (await balances_of(venue))["USDT"] == (Decimal(100_000), Decimal(100_000) - locked)
    assert await venue.fetch_open_orders() == [order]
    drain_events(venue)

    # The market sells down through the order's price: a new step, then an ask at the limit.
    world = venue.world
    world.step()
    book = world.markets("sim-a")[SYMBOL].book
    limit_ticks = int(price / inst.price_tick)
    for ticks in [t for t in book.bids if t >= limit_ticks]:
        del book.bids[ticks]
    book.asks[limit_ticks] = 3.0
    stream = venue.stream([SYMBOL])
    assert isinstance(stream, AsyncGenerator)  # so it can be closed
    assert isinstance(await anext(stream), FeedHealth)
    await anext(stream)  # the first market event comes after resting orders were checked
    await stream.aclose()

    orders, fills = drain_events(venue)
    (fill,) = fills
    assert fill.liquidity is Liquidity.MAKER
    assert (fill.price, fill.qty) == (price, qty)
    assert fill.fee == (qty * price * inst.maker_fee).quantize(Decimal("1e-8"))
    assert orders[-1].status is OrderStatus.FILLED and orders[-1].avg_price == price
    balances = await balances_of(venue)
    assert balances["BTC"] == (qty, qty)
    expected_usdt = Decimal(100_000) - qty * price - fill.fee
    assert balances["USDT"] == (expected_usdt, expected_usdt)
    assert await venue.fetch_open_orders() == []


async def test_cancel_unlocks_and_is_final() -> None:
    venue = make_venue({"BTC": Decimal(1)})
    snap = venue.book(SYMBOL, 5)
    assert snap is not None and snap.best_ask is not None
    price = snap.best_ask * 2
    order = await venue.submit(request("c1", Side.SELL, "0.4", OrderType.LIMIT, price))
    assert order.status is OrderStatus.OPEN
    assert (await balances_of(venue))["BTC"] == (Decimal(1), Decimal("0.6"))
    # A second sell beyond what is free is refused while the first one rests.
    over = await venue.submit(request("c2", Side.SELL, "0.7", OrderType.LIMIT, price))
    assert over.status is OrderStatus.REJECTED

    cancelled = await venue.cancel("c1", SYMBOL)
    assert cancelled.status is OrderStatus.CANCELLED
    assert (await balances_of(venue))["BTC"] == (Decimal(1), Decimal(1))
    assert await venue.cancel("c1", SYMBOL) == cancelled
    assert (await balances_of(venue))["BTC"] == (Decimal(1), Decimal(1))
    assert await venue.fetch_open_orders() == []
    with pytest.raises(ExchangeError):
        await venue.cancel("nope", SYMBOL)


async def test_post_only_that_would_cross_is_rejected() -> None:
    venue = make_venue({"USDT": Decimal(1_000_000)})
    snap = venue.book(SYMBOL, 1)
    assert snap is not None and snap.best_ask is not None
    order = await venue.submit(request("p1", Side.BUY, "0.01", OrderType.POST_ONLY, snap.best_ask))
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "post-only order would take liquidity"


async def test_market_buy_cannot_overdraw_by_walking_the_book() -> None:
    venue = make_venue({"USDT": Decimal(1)})
    inst = next(i for i in await venue.load_instruments() if i.symbol == SYMBOL)
    snap = venue.book(SYMBOL, 10)
    assert snap is not None and snap.best_ask is not None
    levels = snap.asks[:5]
    qty = sum((lv.qty for lv in levels), Decimal(0))
    walked = sum((lv.qty * lv.price for lv in levels), Decimal(0))
    # Enough for the whole quantity at the touch, not for the five levels it walks.
    venue._balances["USDT"] = qty * snap.best_ask * (1 + inst.taker_fee)
    assert walked > qty * snap.best_ask
    short = await venue.submit(request("w1", Side.BUY, str(qty)))
    assert short.status is OrderStatus.REJECTED and short.reason
    assert "insufficient USDT" in short.reason
    venue._balances["USDT"] = walked * (1 + inst.taker_fee)
    ok = await venue.submit(request("w2", Side.BUY, str(qty)))
    assert ok.status is OrderStatus.FILLED
    usdt = (await balances_of(venue))["USDT"][0]
    assert Decimal(0) <= usdt < Decimal("0.0001")
