"""Holds between approval and the venue's answer: never counted beside the venue's own lock.

Issue 11: a plan's buys placed two at a time were refused "needs 1401 USD, -994 free on
sim-b": an order the venue had already answered (its cash locked there) was still held back
by the manager until its reply was recorded, so the next approval counted that cash twice.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import GateRefused
from core.execution.reservations import Reservations, free_after
from core.models import Order, OrderRequest, OrderStatus
from core.store import Store
from tests.execution.helpers import VENUE, StaticMarket, kraken_book
from tests.execution.test_manager import buy, make


@pytest.fixture
def market(shared_data: Path) -> StaticMarket:
    return StaticMarket(kraken_book(shared_data))


def test_free_after_counts_each_hold_once_across_snapshots() -> None:
    holds = Reservations()
    holds.hold("a", VENUE, "USD", Decimal(100))
    before = holds.held()
    holds.release("a")  # answered while the balances were read
    holds.hold("b", VENUE, "USD", Decimal(5))
    holds.hold("c", "binance", "USD", Decimal(7))
    free = free_after({"USD": Decimal(1000), "BTC": Decimal(1)}, VENUE, before, holds.held())
    assert free == {"USD": Decimal(895), "BTC": Decimal(1)}
    holds.release("a")  # again: a no-op
    assert set(holds.held()) == {"b", "c"}


async def test_an_answered_order_is_not_held_beside_the_venues_lock(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, _, _ = await make(store, market, [])  # 100,000 USD
    answered, sent = asyncio.Event(), asyncio.Event()
    submit = venue.inner.submit

    async def answering(request: OrderRequest) -> Order:
        reply = await submit(request)
        answered.set()
        return reply

    async def sending(request: OrderRequest) -> None:
        if answered.is_set():
            sent.set()

    venue.inner.submit = answering  # type: ignore[method-assign]
    venue.before_submit.append(sending)
    # The first buy takes ~44,250 USD at the venue (resting or filled); its reply is kept
    # from being recorded, as a slow store or a busy loop would keep it.
    async with manager._apply_lock:
        first = asyncio.create_task(manager.place(buy("first", qty="1.5")))
        await until(answered, first)
        assert manager.reservations.held() == {}
        # ~44,250 USD more fits in what is free: the gate must not count the first twice.
        second = asyncio.create_task(manager.place(buy("second", qty="1.5")))
        await until(sent, second)
        if second.done():
            second.result()  # a refusal raises here, with the gate's reason
    placed = [await first, await second]
    assert all(o.status in (OrderStatus.OPEN, OrderStatus.FILLED) for o in placed), placed
    # And what is really spent is still refused: the rest of the cash is less than this.
    with pytest.raises(GateRefused, match=r"needs [0-9.]+ USD"):
        await manager.place(buy("third", qty="0.5"))


async def until(event: asyncio.Event, task: asyncio.Task[Order]) -> None:
    """Wait for ``event``, or for ``task`` to end first (its outcome is then the answer)."""
    waiter = asyncio.create_task(event.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
