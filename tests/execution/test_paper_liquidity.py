"""Paper fills consume liquidity: the account's own fills are not taken twice from one book."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.execution.matching import vwap, walk
from core.models import BookLevel, OrderStatus, OrderType, Side
from tests.execution.helpers import BTC_USD, SYMBOL, StaticMarket, kraken_book, paper_venue
from tests.execution.test_paper import req


@pytest.fixture
def market(shared_data: Path) -> StaticMarket:
    return StaticMarket(kraken_book(shared_data))


async def test_two_market_buys_on_an_unchanged_book_take_successive_levels(
    market: StaticMarket,
) -> None:
    book = market.book_of(SYMBOL)
    assert book is not None
    paper = paper_venue(market, {"USD": Decimal(1_000_000)})
    first = await paper.submit(req("a", Side.BUY, "5"))
    second = await paper.submit(req("b", Side.BUY, "5"))
    # Together they walk the book as one 10 BTC order would: the second starts where the
    # first stopped (3.25215653 left at the best ask, then the next level).
    together = walk(book.asks, Decimal(10), None, Side.BUY)
    assert first.avg_price == book.asks[0].price
    rest = [(p, q) for p, q in together]
    rest[0] = (rest[0][0], rest[0][1] - Decimal(5))
    assert second.avg_price == vwap(rest)
    assert second.avg_price is not None and second.avg_price > book.asks[0].price
    cost = sum(p * q for p, q in together)
    assert first.avg_price * 5 + second.avg_price * 5 == cost
    assert first.fee_paid + second.fee_paid == cost * BTC_USD.taker_fee


async def test_an_updated_level_is_available_again(market: StaticMarket) -> None:
    book = market.book_of(SYMBOL)
    assert book is not None
    paper = paper_venue(market, {"USD": Decimal(1_000_000)})
    best = book.asks[0]
    await paper.submit(req("a", Side.BUY, str(best.qty)))
    # The venue refreshes the best level (a new quantity): all of it can be taken again.
    fresh = BookLevel(price=best.price, qty=best.qty + Decimal(1))
    market.set_book(book.model_copy(update={"asks": (fresh, *book.asks[1:])}))
    again = await paper.submit(req("b", Side.BUY, str(fresh.qty)))
    assert again.avg_price == best.price and again.status is OrderStatus.FILLED


async def test_a_crossed_resting_order_does_not_refill_on_the_same_liquidity(
    market: StaticMarket,
) -> None:
    book = market.book_of(SYMBOL)
    assert book is not None
    paper = paper_venue(market, {"USD": Decimal(1_000_000)})
    order = await paper.submit(req("l", Side.BUY, "2", OrderType.POST_ONLY, "29425.0"))
    assert order.status is OrderStatus.OPEN
    crossed = book.model_copy(
        update={"asks": (BookLevel(price=Decimal("29424.9"), qty=Decimal("0.4")), *book.asks)}
    )
    market.set_book(crossed)
    assert await paper.check_resting() == 1
    # Same book, many ticks: the 0.4 BTC was taken once; no fill repeats on it.
    for _ in range(5):
        assert await paper.check_resting() == 0
    filled = await paper.fetch_order("l", SYMBOL)
    assert filled is not None and filled.filled_qty == Decimal("0.4")
    # A market buy on the same book does not get that 0.4 BTC level either.
    taker = await paper.submit(req("m", Side.BUY, "0.1"))
    assert taker.avg_price == book.asks[0].price
    # The level is refreshed with 0.5 BTC: the resting order takes it (1.6 left, 0.5 there).
    refreshed = crossed.model_copy(
        update={"asks": (BookLevel(price=Decimal("29424.9"), qty=Decimal("0.5")), *book.asks)}
    )
    market.set_book(refreshed)
    assert await paper.check_resting() == 1
    filled = await paper.fetch_order("l", SYMBOL)
    assert filled is not None and filled.filled_qty == Decimal("0.9")
