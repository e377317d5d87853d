"""The paper venue fills against a real recorded Kraken BTC/USD book."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from core.models import BookLevel, Liquidity, Order, OrderRequest, OrderStatus, OrderType, Side
from core.store import Store
from tests.execution.helpers import BTC_USD, SYMBOL, VENUE, StaticMarket, kraken_book, paper_venue


def req(
    coid: str, side: Side, qty: str, type_: OrderType = OrderType.MARKET, price: str | None = None
) -> OrderRequest:
    return OrderRequest(
        client_order_id=coid,
        venue=VENUE,
        symbol=SYMBOL,
        side=side,
        type=type_,
        qty=Decimal(qty),
        price=Decimal(price) if price else None,
    )


@pytest.fixture
def market(shared_data: Path) -> StaticMarket:
    return StaticMarket(kraken_book(shared_data))


async def test_market_buy_fills_at_the_quantity_weighted_price_of_consumed_levels(
    market: StaticMarket,
) -> None:
    book = market.book_of(SYMBOL)
    assert book is not None
    # 11 BTC walks the first two asks (8.25215653 + 2.55637606) and part of the third.
    qty = Decimal(11)
    levels: list[tuple[Decimal, Decimal]] = []
    left = qty
    for lv in book.asks:
        take = min(lv.qty, left)
        levels.append((lv.price, take))
        left -= take
        if left == 0:
            break
    assert len(levels) == 3 and levels[2][1] == Decimal("0.19146741")
    cost = sum(p * q for p, q in levels)
    expected_avg = cost / qty
    expected_fee = cost * BTC_USD.taker_fee

    paper = paper_venue(market, {"USD": Decimal(1_000_000)})
    order = await paper.submit(req("m1", Side.BUY, "11"))

    assert order.status is OrderStatus.FILLED
    assert order.filled_qty == qty
    assert order.avg_price == expected_avg
    assert order.fee_paid == expected_fee
    balances = {b.asset: b.total for b in await paper.fetch_balances()}
    assert balances["BTC"] == qty
    assert balances["USD"] == Decimal(1_000_000) - cost - expected_fee
    fills = [paper._events.get_nowait() for _ in range(4)]
    assert [(f.price, f.qty) for f in fills[:3]] == levels  # type: ignore[union-attr]
    assert all(f.liquidity is Liquidity.TAKER for f in fills[:3])  # type: ignore[union-attr]


async def test_market_order_larger_than_the_book_fills_partially_then_expires(
    market: StaticMarket,
) -> None:
    book = market.book_of(SYMBOL)
    assert book is not None
    depth = sum(lv.qty for lv in book.bids)
    paper = paper_venue(market, {"BTC": Decimal(100)})
    order = await paper.submit(req("m2", Side.SELL, "50"))
    assert order.status is OrderStatus.EXPIRED
    assert order.filled_qty == depth
    assert order.avg_price == sum(lv.price * lv.qty for lv in book.bids) / depth


async def test_limit_rests_then_fills_as_maker_when_the_book_crosses(market: StaticMarket) -> None:
    book = market.book_of(SYMBOL)
    assert book is not None
    paper = paper_venue(market, {"USD": Decimal(100_000)})
    price = Decimal("29425.0")  # below the best ask 29430.3: rests
    order = await paper.submit(req("l1", Side.BUY, "1", OrderType.LIMIT, "29425.0"))
    assert order.status is OrderStatus.OPEN and order.filled_qty == 0
    free = {b.asset: b.free for b in await paper.fetch_balances()}
    assert free["USD"] == Decimal(100_000) - price * (1 + BTC_USD.maker_fee)
    assert await paper.check_resting() == 0
    # The asks come down: 0.4 BTC offered at 29424.9, the rest higher.
    moved = book.model_copy(
        update={
            "asks": (BookLevel(price=Decimal("29424.9"), qty=Decimal("0.4")), *book.asks),
            "bids": tuple(lv for lv in book.bids if lv.price < Decimal("29424.9")),
        }
    )
    market.set_book(moved)
    assert await paper.check_resting() == 1
    order2 = await paper.fetch_order("l1", SYMBOL)
    assert order2 is not None and order2.status is OrderStatus.PARTIALLY_FILLED
    assert order2.filled_qty == Decimal("0.4") and order2.avg_price == price
    assert order2.fee_paid == Decimal("0.4") * price * BTC_USD.maker_fee
    cancelled = await paper.cancel("l1", SYMBOL)
    assert cancelled.status is OrderStatus.CANCELLED
    free = {b.asset: b.free for b in await paper.fetch_balances()}
    assert free["USD"] == Decimal(100_000) - Decimal("0.4") * price * (1 + BTC_USD.maker_fee)


async def test_post_only_that_would_take_is_rejected_and_ioc_remainder_expires(
    market: StaticMarket,
) -> None:
    paper = paper_venue(market, {"USD": Decimal(1_000_000)})
    post = await paper.submit(req("p1", Side.BUY, "1", OrderType.POST_ONLY, "29430.3"))
    assert post.status is OrderStatus.REJECTED and "post-only" in (post.reason or "")
    ok = await paper.submit(req("p2", Side.BUY, "1", OrderType.POST_ONLY, "29430.2"))
    assert ok.status is OrderStatus.OPEN
    ioc = await paper.submit(req("i1", Side.BUY, "10", OrderType.IOC, "29430.3"))
    assert ioc.status is OrderStatus.EXPIRED and ioc.filled_qty == Decimal("8.25215653")


async def test_submit_is_idempotent_and_state_survives_a_restart(market: StaticMarket) -> None:
    saved: dict[str, str] = {}
    rows: dict[str, Order] = {}

    async def persist(venue: str, state: str, changed: Sequence[Order]) -> None:
        saved[venue] = state
        rows.update({o.client_order_id: o for o in changed})

    paper = paper_venue(market, {"USD": Decimal(100_000)}, persist=persist)
    first = await paper.submit(req("r1", Side.BUY, "0.5"))
    again = await paper.submit(req("r1", Side.BUY, "0.5"))
    assert again == first and len(await paper.fetch_balances()) == 2
    reborn = paper_venue(
        market, {"USD": Decimal(5)}, state=saved[VENUE], orders=list(rows.values())
    )
    assert await reborn.fetch_order("r1", SYMBOL) == first
    assert await reborn.fetch_balances() != [] and {
        b.asset: b.total for b in await reborn.fetch_balances()
    } == {b.asset: b.total for b in await paper.fetch_balances()}


async def test_insufficient_balance_is_rejected(market: StaticMarket) -> None:
    paper = paper_venue(market, {"USD": Decimal(100)})
    order = await paper.submit(req("x1", Side.BUY, "1"))
    assert order.status is OrderStatus.REJECTED and "insufficient USD" in (order.reason or "")


async def test_a_late_answer_from_the_venue_never_wipes_a_hand_seeded_paper_account(
    store: Store,
) -> None:
    """A paper tick asks a keyless live venue for starting balances; while it waits, the
    account is seeded by hand. The venue's late (empty) answer is dropped."""
    import random

    from core.execution.paper_accounts import PaperAccounts
    from core.execution.settings import PaperConfig
    from core.models import Balance

    answer = asyncio.Event()

    class SlowVenue:
        def book(self, symbol: str, depth: int) -> None:
            return None

        async def fetch_balances(self) -> list[Balance]:
            await answer.wait()
            return []

    accounts = PaperAccounts(store, PaperConfig(), rng=random.Random(1), emit=lambda e: None)
    paper = await accounts.open("bn", SlowVenue(), [], sim=False)
    assert "bn" in accounts.unseeded
    tick = asyncio.create_task(accounts.tick())
    await asyncio.sleep(0)  # the tick is now waiting on the venue
    accounts.unseeded.pop("bn")
    await paper.seed({"USDT": Decimal(1000)})
    answer.set()
    await tick
    assert {b.asset: b.total for b in await paper.fetch_balances()} == {"USDT": Decimal(1000)}
