"""The order manager against the loopback Kraken venue (real HTTP on 127.0.0.1, recorded
markets): a lost ack ends with one order; 5xx and 429 are retried with the same id, no dupes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.execution.manager import OrderManager
from core.execution.retry import RetryPolicy
from core.models import OrderRequest, OrderStatus, OrderType, Side
from core.store import Store
from core.venues.loopback import KrakenLoopback
from core.venues.rest import CcxtRest
from tests.execution.helpers import FakeSleep, StaticMarket, kraken_book


@pytest.fixture
async def manager(
    tmp_path: Path, shared_data: Path, kraken_rest: CcxtRest
) -> AsyncIterator[OrderManager]:
    kraken_rest.timeout_s = 0.3
    await kraken_rest.load_instruments()
    store = await Store.open(tmp_path / "loop.db")
    sleep = FakeSleep()
    m = OrderManager(
        {"kraken": kraken_rest},  # type: ignore[dict-item]  # the REST client is the port here
        store,
        StaticMarket(kraken_book(shared_data)),
        policy=RetryPolicy(attempts=4),
        submit_timeout_s=5.0,
        sleep=sleep,
        clock=sleep.clock,
        rate_per_s=1000.0,
    )
    await m.load()
    await m.reconcile(startup=True)
    try:
        yield m
    finally:
        await store.close()


def buy(coid: str) -> OrderRequest:
    # A resting limit under the recorded book's best ask (inside the gate's price band).
    return OrderRequest(
        client_order_id=coid,
        venue="kraken",
        symbol="BTC/USD",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal("0.1"),
        price=Decimal("29400.0"),
    )


async def test_lost_ack_ends_with_exactly_one_order(
    manager: OrderManager, kraken_server: KrakenLoopback
) -> None:
    kraken_server.faults.arm("timeout_after_accept", "order")
    order = await manager.place(buy("mgr-lost-1"))
    assert order.status is OrderStatus.OPEN and order.exchange_order_id
    assert kraken_server.accepted == ["mgr-lost-1"]
    assert len(kraken_server.by_client_id("mgr-lost-1")) == 1


@pytest.mark.parametrize("fault", ["5xx", "429"])
async def test_5xx_and_429_are_retried_with_the_same_id_without_duplicates(
    manager: OrderManager, kraken_server: KrakenLoopback, fault: str
) -> None:
    kraken_server.faults.arm(fault, "order", count=2)
    order = await manager.place(buy(f"mgr-{fault}"))
    # Kraken's AddOrder reply carries no state: the order is "submitted" until the next
    # lookup; a reconciliation pass finds it open.
    assert order.status is OrderStatus.SUBMITTED and order.exchange_order_id
    await manager.reconcile()
    assert manager.orders[f"mgr-{fault}"].status is OrderStatus.OPEN
    assert kraken_server.faults.fired[fault] == 2
    assert kraken_server.accepted == [f"mgr-{fault}"]
    assert [o.client_order_id for o in await manager.retrying("kraken", _open(manager))] == [
        f"mgr-{fault}"
    ]


async def test_a_venue_rejection_is_not_retried(
    manager: OrderManager, kraken_server: KrakenLoopback
) -> None:
    # The gate's book is moved to the loopback's mark, so the gate approves; the loopback
    # then refuses a post-only buy above its mark (it would take liquidity).
    market = manager.market
    assert isinstance(market, StaticMarket)
    book = market.book("kraken", "BTC/USD")
    assert book is not None and book.mid is not None
    delta = kraken_server.marks["XXBTZUSD"] - book.mid
    market.set_book(
        book.model_copy(
            update={
                side: tuple(lv.model_copy(update={"price": lv.price + delta}) for lv in levels)
                for side, levels in (("bids", book.bids), ("asks", book.asks))
            }
        )
    )
    request = buy("mgr-po").model_copy(
        update={"type": OrderType.POST_ONLY, "price": Decimal("61300.0")}
    )
    calls = manager.calls
    order = await manager.place(request)
    assert order.status is OrderStatus.REJECTED and "Post only" in (order.reason or "")
    assert manager.calls - calls == 2  # one balance refresh for the gate, one submit
    assert kraken_server.accepted == []


def _open(manager: OrderManager):  # type: ignore[no-untyped-def]
    venue = manager._OrderManager__venues["kraken"]  # type: ignore[attr-defined]
    return venue.fetch_open_orders
