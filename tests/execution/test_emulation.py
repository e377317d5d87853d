"""Client-side order types wired to the manager: every child order passes the gate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.execution.emulation import EmulatedSpec, Emulator
from core.execution.manager import OrderManager
from core.models import (
    BookLevel,
    BookSnapshot,
    LogEvent,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from core.store import Store
from tests.execution.helpers import (
    SYMBOL,
    VENUE,
    FakeSleep,
    FaultyVenue,
    StaticMarket,
    kraken_book,
    paper_venue,
)


class Mids:
    def __init__(self, market: StaticMarket) -> None:
        self.market = market

    def mid(self, venue: str, symbol: str) -> Decimal | None:
        book = self.market.book(venue, symbol)
        return book.mid if book else None


def shifted(book: BookSnapshot, delta: Decimal) -> BookSnapshot:
    def move(levels: tuple[BookLevel, ...]) -> tuple[BookLevel, ...]:
        return tuple(BookLevel(price=lv.price + delta, qty=lv.qty) for lv in levels)

    return book.model_copy(update={"bids": move(book.bids), "asks": move(book.asks)})


@pytest.fixture
def market(shared_data: Path) -> StaticMarket:
    return StaticMarket(kraken_book(shared_data))


async def make(
    store: Store, market: StaticMarket, btc: str = "2"
) -> tuple[Emulator, OrderManager, FaultyVenue, list[LogEvent]]:
    venue = FaultyVenue(paper_venue(market, {"USD": Decimal(100_000), "BTC": Decimal(btc)}))
    events: list[LogEvent] = []
    manager = OrderManager(
        {VENUE: venue}, store, market, emit=events.append, sleep=FakeSleep(), rate_per_s=1000.0
    )
    await manager.load()
    await manager.reconcile(startup=True)
    emulator = Emulator(manager, Mids(market), store, events.append, lambda r: Decimal("1e-8"))
    return emulator, manager, venue, events


def sell(coid: str, qty: str = "0.5", price: str | None = None) -> OrderRequest:
    return OrderRequest(
        client_order_id=coid,
        venue=VENUE,
        symbol=SYMBOL,
        side=Side.SELL,
        type=OrderType.LIMIT if price else OrderType.MARKET,
        qty=Decimal(qty),
        price=Decimal(price) if price else None,
    )


async def audit_actions(store: Store) -> list[tuple[str, str]]:
    rows = await store.fetch_all("SELECT kind, actor FROM audit ORDER BY id")
    return [(str(a), str(b)) for a, b in rows]


async def test_stop_fires_only_when_the_mid_crosses_and_its_child_passes_the_gate(
    store: Store, market: StaticMarket
) -> None:
    emulator, manager, venue, events = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    trigger = book.mid - Decimal(50)
    await emulator.add(EmulatedSpec(type="stop", request=sell("s1"), trigger=trigger))
    for _ in range(3):
        await emulator.tick()
    assert venue.submit_calls == [] and "s1" in emulator.working
    # A restart before it fires resumes it from the store.
    again = Emulator(manager, Mids(market), store, events.append)
    assert await again.load() == 1 and "s1" in again.working

    market.set_book(shifted(book, Decimal(-60)))  # the mid falls below the trigger
    await emulator.tick()
    assert venue.submit_calls == ["s1-stop:ok"], [e.message for e in events]
    child = manager.orders["s1-stop"]
    assert child.status is OrderStatus.FILLED and child.type is OrderType.MARKET
    assert ("order.submit", "emulated:s1") in await audit_actions(store)
    assert "s1" in emulator.finished and not emulator.working
    rows = await store.fetch_all("SELECT key FROM exec_flags WHERE key LIKE 'emu:%'")
    assert rows == []  # done: nothing left to resume


async def test_a_child_the_gate_refuses_never_reaches_the_venue(
    store: Store, market: StaticMarket
) -> None:
    emulator, manager, venue, _ = await make(store, market, btc="0.1")
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    # Triggered at once (a sell stop above the mid), but 0.5 BTC is more than the 0.1 held.
    w = await emulator.add(
        EmulatedSpec(type="stop", request=sell("s2"), trigger=book.mid + Decimal(10))
    )
    assert w.done and "refused" in w.outcome and "balance" in w.outcome
    assert venue.submit_calls == [] and "s2-stop" not in manager.orders
    assert ("order.refused", "emulated:s2") in await audit_actions(store)


async def test_oco_stop_firing_cancels_the_limit_leg(store: Store, market: StaticMarket) -> None:
    emulator, manager, venue, _ = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    take_profit = str(book.asks[0].price + Decimal("100.0"))
    spec = EmulatedSpec(
        type="oco", request=sell("o1", price=take_profit), trigger=book.mid - Decimal(50)
    )
    w = await emulator.add(spec)
    assert "o1-lim" in manager.orders, w.outcome
    assert manager.orders["o1-lim"].status is OrderStatus.OPEN
    await emulator.tick()
    assert venue.submit_calls == ["o1-lim:ok"]
    market.set_book(shifted(book, Decimal(-60)))
    await emulator.tick()
    assert manager.orders["o1-lim"].status is OrderStatus.CANCELLED
    assert manager.orders["o1-stop"].status is OrderStatus.FILLED
    assert venue.submit_calls == ["o1-lim:ok", "o1-stop:ok"]
    assert emulator.finished["o1"].outcome == "stop fired; limit cancelled"


async def test_disarming_an_oco_cancels_its_limit_leg_and_forgets_it(
    store: Store, market: StaticMarket
) -> None:
    from core.errors import CockpitError
    from core.execution.armed import armed_orders

    emulator, manager, venue, events = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    take_profit = book.asks[0].price + Decimal("100.0")
    trigger = book.mid - Decimal(50)
    await emulator.add(
        EmulatedSpec(type="oco", request=sell("o9", price=str(take_profit)), trigger=trigger)
    )
    (armed,) = armed_orders(emulator.working.values())
    assert (armed.type, armed.state, armed.trigger, armed.price) == (
        "oco",
        "armed",
        trigger,
        take_profit,
    )
    assert armed.legs[0].startswith("limit o9-lim") and armed.legs[1] == f"stop @ {trigger}"

    await emulator.disarm("o9", actor="tester")
    assert manager.orders["o9-lim"].status is OrderStatus.CANCELLED
    assert emulator.working == {} and emulator.finished["o9"].outcome == "disarmed by tester"
    assert any(e.message == "oco o9 disarmed by tester" for e in events)
    market.set_book(shifted(book, Decimal(-60)))  # through the trigger: nothing fires now
    await emulator.tick()
    assert venue.submit_calls == ["o9-lim:ok"]
    with pytest.raises(CockpitError, match="not an armed order"):
        await emulator.disarm("o9")
    resumed = Emulator(manager, Mids(market), store, events.append)
    assert await resumed.load() == 0  # the saved state went with it


async def test_a_tick_while_an_oco_is_cancelling_its_limit_leaves_the_stop_to_fire(
    store: Store, market: StaticMarket
) -> None:
    """The CLI's wait loop ticks while ``add`` is still working the order: the tick must not
    see the limit it is cancelling and call the OCO "limit cancelled; stop disarmed"."""
    emulator, manager, venue, events = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    take_profit = str(book.asks[0].price + Decimal("100.0"))
    # A sell stop above the mid: fires on the first run, which cancels the limit leg first.
    spec = EmulatedSpec(
        type="oco", request=sell("o4", price=take_profit), trigger=book.mid + Decimal(10)
    )
    ticking = True

    async def ticker() -> None:
        while ticking:
            await emulator.tick()
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        w = await emulator.add(spec)
    finally:
        ticking = False
        await task
    assert w.outcome == "stop fired; limit cancelled"
    assert not [e.message for e in events if "disarmed" in e.message]
    assert manager.orders["o4-lim"].status is OrderStatus.CANCELLED
    assert manager.orders["o4-stop"].status is OrderStatus.FILLED
    assert venue.submit_calls == ["o4-lim:ok", "o4-stop:ok"]


async def test_oco_limit_filling_disarms_the_stop(store: Store, market: StaticMarket) -> None:
    emulator, manager, venue, _ = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    take_profit = book.asks[0].price + Decimal("100.0")
    spec = EmulatedSpec(
        type="oco", request=sell("o2", price=str(take_profit)), trigger=book.mid - Decimal(50)
    )
    await emulator.add(spec)
    # Bids rise through the take-profit: the paper venue fills the resting limit as maker.
    market.set_book(shifted(book, Decimal(200)))
    assert await venue.inner.check_resting() == 1
    async for event in _drain(venue):
        await manager.on_user_event(event)
    await emulator.tick()
    assert manager.orders["o2-lim"].filled_qty > 0
    market.set_book(shifted(book, Decimal(-60)))  # the stop price is hit later: nothing sent
    await emulator.tick()
    assert venue.submit_calls == ["o2-lim:ok"] and "o2-stop" not in manager.orders
    assert emulator.finished["o2"].outcome == "limit filled; stop disarmed"


async def _drain(venue: FaultyVenue) -> AsyncIterator[object]:
    queue = venue.inner._events
    while not queue.empty():
        yield queue.get_nowait()


async def test_iceberg_shows_one_slice_at_a_time_until_all_is_worked(
    store: Store, market: StaticMarket
) -> None:
    emulator, manager, venue, events = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.best_bid is not None
    spec = EmulatedSpec(
        type="iceberg",
        # Marketable down to the fifth bid: each slice fills at once.
        request=sell("i1", qty="0.5", price=str(book.bids[4].price)),
        visible=Decimal("0.2"),
    )
    await emulator.add(spec)
    for _ in range(5):
        await emulator.tick()
    assert venue.submit_calls == ["i1-i1:ok", "i1-i2:ok", "i1-i3:ok"], [e.message for e in events]
    assert [manager.orders[f"i1-i{n}"].qty for n in (1, 2, 3)] == [
        Decimal("0.2"),
        Decimal("0.2"),
        Decimal("0.1"),
    ]
    assert emulator.finished["i1"].outcome == "all 0.5 worked in 3 slices"


async def test_trailing_stop_follows_the_high_then_fires_through_the_gate(
    store: Store, market: StaticMarket
) -> None:
    emulator, manager, venue, _ = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    spec = EmulatedSpec(type="trailing_stop", request=sell("t1"), trail=Decimal("0.002"))
    w = await emulator.add(spec)
    market.set_book(shifted(book, Decimal(100)))  # a new high: the trigger follows it
    await emulator.tick()
    high = book.mid + 100
    assert w.state()["best"] == str(high)
    market.set_book(shifted(book, Decimal(60)))  # 40 off the high: inside the 0.2 % trail
    await emulator.tick()
    assert venue.submit_calls == []
    market.set_book(shifted(book, Decimal(30)))  # 70 off the high (> 58.9): fires
    await emulator.tick()
    assert venue.submit_calls == ["t1-trail:ok"]
    assert manager.orders["t1-trail"].status is OrderStatus.FILLED
    assert high * Decimal("0.002") < 70


async def test_oco_whose_limit_filled_before_a_restart_never_fires_its_stop(
    store: Store, market: StaticMarket
) -> None:
    emulator, manager, venue, events = await make(store, market)
    book = market.book_of(SYMBOL)
    assert book is not None and book.mid is not None
    take_profit = book.asks[0].price + Decimal("100.0")
    spec = EmulatedSpec(
        type="oco", request=sell("o3", price=str(take_profit)), trigger=book.mid - Decimal(50)
    )
    await emulator.add(spec)
    market.set_book(shifted(book, Decimal(200)))
    assert await venue.inner.check_resting() == 1
    async for event in _drain(venue):
        await manager.on_user_event(event)
    # Restart: the manager reloads only open orders (the filled limit is not among them).
    manager.orders.clear()
    resumed = Emulator(manager, Mids(market), store, events.append)
    assert await resumed.load() == 1
    market.set_book(shifted(book, Decimal(-60)))
    await resumed.tick()
    assert venue.submit_calls == ["o3-lim:ok"]
    assert resumed.finished["o3"].outcome == "limit filled; stop disarmed"
