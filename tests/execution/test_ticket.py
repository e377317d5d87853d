"""The order ticket's arithmetic (core.execution.ticket) on the recorded Kraken BTC/USD book."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.execution.ticket import TICKET_TYPES, estimate, round_to_step, round_to_tick, walk
from core.models import BookSnapshot, Side
from tests.execution.helpers import BTC_USD, kraken_book

D = Decimal


@pytest.fixture
def book(shared_data: Path) -> BookSnapshot:
    return kraken_book(shared_data)


def test_rounding_never_exceeds_the_typed_quantity_or_worsens_the_price() -> None:
    assert round_to_step(D("0.123456789"), D("0.00001")) == D("0.12345")
    assert round_to_step(D("0.000009"), D("0.00001")) == 0
    assert round_to_tick(D("42000.19"), D("0.1"), Side.BUY) == D("42000.1")
    assert round_to_tick(D("42000.11"), D("0.1"), Side.SELL) == D("42000.2")
    assert round_to_tick(D("42000.1"), D("0.1"), Side.SELL) == D("42000.1")


def test_a_market_buy_walks_the_asks_and_pays_the_taker_fee(book: BookSnapshot) -> None:
    qty = book.asks[0].qty + book.asks[1].qty / 2
    filled, quote = walk(book.asks, qty, None, Side.BUY)
    expected_quote = (
        book.asks[0].qty * book.asks[0].price + book.asks[1].qty / 2 * book.asks[1].price
    )
    assert filled == qty and quote == expected_quote
    est = estimate(BTC_USD, book, Side.BUY, "market", qty)
    assert est.liquidity == "taker" and est.fee_rate == BTC_USD.taker_fee
    assert est.avg_price == expected_quote / qty
    assert est.notional == qty * est.avg_price
    assert est.fee == est.notional * BTC_USD.taker_fee
    assert book.asks[0].price < est.avg_price < book.asks[1].price
    assert est.problems == ()


def test_a_resting_limit_is_maker_at_its_price_and_a_marketable_one_is_taker(
    book: BookSnapshot,
) -> None:
    bid, ask = book.bids[0].price, book.asks[0].price
    resting = estimate(BTC_USD, book, Side.BUY, "limit", D("0.01"), bid - 10)
    assert resting.liquidity == "maker" and resting.avg_price == bid - 10
    assert resting.fee == D("0.01") * (bid - 10) * BTC_USD.maker_fee
    crossing = estimate(BTC_USD, book, Side.BUY, "limit", book.asks[0].qty, ask)
    assert crossing.liquidity == "taker" and crossing.avg_price == ask


def test_problems_are_named_before_the_gate_sees_the_order(book: BookSnapshot) -> None:
    ask = book.asks[0].price
    post = estimate(BTC_USD, book, Side.BUY, "post_only", D("0.01"), ask)
    assert post.problems == ("post-only would cross the book (the venue rejects it)",)
    tiny = estimate(BTC_USD, book, Side.BUY, "limit", D("0.00001"), D("10"))
    assert "quantity below the minimum 0.0001" in tiny.problems
    assert "notional below the minimum 0.5" in tiny.problems
    no_price = estimate(BTC_USD, book, Side.SELL, "oco", D("0.01"))
    assert no_price.problems == ("oco needs a price", "oco needs a trigger price")
    huge = estimate(BTC_USD, book, Side.SELL, "market", D("1000"))
    assert any(p.startswith("the book shows only") for p in huge.problems)
    assert estimate(BTC_USD, None, Side.BUY, "market", D("1")).problems == (
        "no book to price against",
    )


def test_every_ticket_type_has_an_estimate(book: BookSnapshot) -> None:
    bid = book.bids[0].price
    for kind in TICKET_TYPES:
        est = estimate(BTC_USD, book, Side.SELL, kind, D("0.01"), bid - 50, bid - 100)
        assert est.qty == D("0.01") and est.notional is not None and est.fee is not None, kind
    stop = estimate(BTC_USD, book, Side.SELL, "stop", D("0.01"), None, bid - 50)
    assert stop.liquidity == "taker" and stop.avg_price == bid - 50
    resting_ioc = estimate(BTC_USD, book, Side.SELL, "ioc", D("0.01"), bid + 50)
    assert resting_ioc.problems == ("IOC: only 0 would fill at this price now",)
