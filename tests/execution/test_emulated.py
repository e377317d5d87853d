"""Client-side order types over the real Kraken book's prices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.execution.emulated import Iceberg, OneCancelsOther, StopOrder, TrailingStop, twap_slices
from core.models import BookSnapshot, OrderRequest, OrderType, Side
from tests.execution.helpers import BTC_USD, SYMBOL, VENUE, kraken_book


@pytest.fixture
def book(shared_data: Path) -> BookSnapshot:
    return kraken_book(shared_data)


def request(side: Side, qty: str, coid: str = "e1", price: str | None = None) -> OrderRequest:
    return OrderRequest(
        client_order_id=coid,
        venue=VENUE,
        symbol=SYMBOL,
        side=side,
        type=OrderType.LIMIT if price else OrderType.MARKET,
        qty=Decimal(qty),
        price=Decimal(price) if price else None,
    )


def test_stop_fires_once_when_the_price_crosses(book: BookSnapshot) -> None:
    mid = book.mid
    assert mid is not None
    stop = StopOrder(request(Side.SELL, "1"), trigger=book.bids[3].price)
    assert stop.on_price(mid) is None
    fired = stop.on_price(book.bids[4].price)  # below the trigger
    assert fired is not None and fired.client_order_id == "e1-stop" and fired.qty == 1
    assert stop.on_price(book.bids[9].price) is None  # never twice


def test_trailing_stop_follows_the_high_then_fires() -> None:
    trail = TrailingStop(request(Side.SELL, "0.5"), trail=Decimal("0.01"))
    prices = [Decimal(p) for p in ("29430", "29800", "30100", "29900")]
    assert [trail.on_price(p) for p in prices] == [None] * 4
    assert trail.trigger == Decimal("30100") * Decimal("0.99")
    fired = trail.on_price(Decimal("29799"))
    assert fired is not None and fired.qty == Decimal("0.5")
    buy = TrailingStop(request(Side.BUY, "1", "b1"), trail=Decimal("0.02"))
    assert buy.on_price(Decimal(100)) is None and buy.on_price(Decimal(90)) is None
    assert buy.on_price(Decimal("91.79")) is None
    assert buy.on_price(Decimal("91.81")) is not None


def test_oco_cancels_the_other_leg_once() -> None:
    take = request(Side.SELL, "1", "tp", "31000.0")
    stop = request(Side.SELL, "1", "sl", "28000.0")
    oco = OneCancelsOther(take, stop)
    assert oco.on_fill("other") is None
    assert oco.on_fill("sl") == "tp"
    assert oco.on_fill("tp") is None


def test_iceberg_shows_slices_and_returns_unfilled_quantity() -> None:
    ice = Iceberg(
        request(Side.BUY, "1", "ice", "29430.0"), visible=Decimal("0.3"), step=BTC_USD.qty_step
    )
    first = ice.next_slice()
    assert first is not None and first.qty == Decimal("0.3") and ice.next_slice() is None
    ice.on_done(first.client_order_id, filled=Decimal("0.3"), qty=first.qty)
    second = ice.next_slice()
    assert second is not None and second.client_order_id == "ice-i2"
    ice.on_done(second.client_order_id, filled=Decimal("0.1"), qty=second.qty)  # cancelled
    sizes = []
    while (s := ice.next_slice()) is not None:
        sizes.append(s.qty)
        ice.on_done(s.client_order_id, filled=s.qty, qty=s.qty)
    assert sizes == [Decimal("0.3"), Decimal("0.3")]  # 0.4 filled so far, 0.6 left
    assert ice.sent == Decimal(1)


def test_twap_slices_add_up_exactly_on_the_step_grid(book: BookSnapshot) -> None:
    mid = book.mid
    assert mid is not None
    order = request(Side.BUY, "3.33333333")
    notional = order.qty * mid
    slices = twap_slices(order, BTC_USD, notional, Decimal(25_000), interval_s=30.0)
    assert len(slices) == 4  # ~98k USD in slices of at most 25k
    assert sum(s.qty for _, s in slices) == order.qty
    assert all(s.qty % BTC_USD.qty_step == 0 for _, s in slices)
    assert [t for t, _ in slices] == [0.0, 30.0, 60.0, 90.0]
    assert [s.client_order_id for _, s in slices] == ["e1-t1", "e1-t2", "e1-t3", "e1-t4"]
    small = twap_slices(
        request(Side.BUY, "0.1"), BTC_USD, Decimal("0.1") * mid, Decimal(25_000), 30
    )
    assert len(small) == 1 and small[0][1].client_order_id == "e1"
