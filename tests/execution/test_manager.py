"""The order manager: write-ahead, retries without duplicates, rejections, reconciliation."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import GateRefused
from core.execution.audit import verify_rows
from core.execution.manager import OrderManager
from core.execution.retry import RetryPolicy
from core.models import LogEvent, OrderRequest, OrderStatus, OrderType, Side
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


@pytest.fixture
def market(shared_data: Path) -> StaticMarket:
    return StaticMarket(kraken_book(shared_data))


def buy(coid: str, qty: str = "0.5", price: str | None = "29430.3") -> OrderRequest:
    return OrderRequest(
        client_order_id=coid,
        venue=VENUE,
        symbol=SYMBOL,
        side=Side.BUY,
        type=OrderType.LIMIT if price else OrderType.MARKET,
        qty=Decimal(qty),
        price=Decimal(price) if price else None,
    )


async def make(
    store: Store, market: StaticMarket, faults: list[str], *, timeout_s: float = 5.0
) -> tuple[OrderManager, FaultyVenue, FakeSleep, list[LogEvent]]:
    venue = FaultyVenue(paper_venue(market, {"USD": Decimal(100_000), "BTC": Decimal(2)}), faults)
    sleep = FakeSleep()
    events: list[LogEvent] = []
    manager = OrderManager(
        {VENUE: venue},
        store,
        market,
        policy=RetryPolicy(attempts=4),
        submit_timeout_s=timeout_s,
        emit=events.append,
        sleep=sleep,
        clock=sleep.clock,
        rate_per_s=1000.0,
        # Seeded: an unseeded jitter under 1 ms left the fake clock short of the next token,
        # so the rate limiter slept too and the retry-delay counts below were off (1 in ~250).
        rng=random.Random(7),
    )
    await manager.load()
    await manager.reconcile(startup=True)
    return manager, venue, sleep, events


async def venue_orders(venue: FaultyVenue) -> int:
    return len(venue.inner._orders)


async def test_timeout_after_accept_ends_with_exactly_one_order(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, _sleep, events = await make(store, market, ["timeout_after_accept"])
    order = await manager.place(buy("t1"))
    assert order.status is OrderStatus.FILLED
    assert venue.submit_calls == ["t1:timeout_after_accept"]  # resolved by lookup, not resent
    assert await venue_orders(venue) == 1
    statuses = [e.message.split()[0] for e in events if e.client_order_id == "t1"]
    assert statuses[0] == "submit" and "unresolved" in " ".join(e.message for e in events)


async def test_hung_submit_times_out_goes_unknown_and_is_resolved(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, _sleep, _ = await make(store, market, ["hang_after_accept"], timeout_s=0.05)
    order = await manager.place(buy("h1"))
    assert order.status is OrderStatus.FILLED and await venue_orders(venue) == 1
    assert len(venue.submit_calls) == 1


async def test_5xx_and_429_are_retried_with_the_same_id_without_duplicates(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, sleep, _ = await make(store, market, ["5xx", "429", "ok"])
    order = await manager.place(buy("r1"))
    assert order.status is OrderStatus.FILLED
    assert venue.submit_calls == ["r1:5xx", "r1:429", "r1:ok"]
    assert await venue_orders(venue) == 1
    assert len(sleep.delays) == 2
    assert sleep.delays[1] >= manager.policy.rate_limit_floor_s  # a 429 waits at least the floor
    assert sleep.delays[0] <= manager.policy.base_s


async def test_rejection_is_not_retried(store: Store, market: StaticMarket) -> None:
    manager, venue, sleep, _events = await make(store, market, ["reject"])
    order = await manager.place(buy("x1"))
    assert order.status is OrderStatus.REJECTED and "Insufficient" in (order.reason or "")
    assert venue.submit_calls == ["x1:reject"] and sleep.delays == []
    assert await venue_orders(venue) == 0


async def test_retries_exhausted_leave_unknown_then_reconcile_expires_it(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, _sleep, _ = await make(store, market, ["5xx"] * 4)
    order = await manager.place(buy("u1"))
    assert order.status is OrderStatus.UNKNOWN and len(venue.submit_calls) == 4
    counts = await manager.reconcile(startup=True)
    assert counts["expired"] == 1
    assert manager.orders["u1"].status is OrderStatus.EXPIRED
    assert await venue_orders(venue) == 0


async def test_order_is_durable_and_audited_before_the_venue_sees_it(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, _sleep, _ = await make(store, market, [])
    seen: list[tuple[str, int]] = []

    async def check(request: OrderRequest) -> None:
        rows = await store.fetch_all(
            "SELECT status FROM orders WHERE client_order_id = ?", (request.client_order_id,)
        )
        audit = await store.fetch_all(
            "SELECT COUNT(*) FROM audit WHERE kind = 'order.submit' AND payload LIKE ?",
            (f'%"{request.client_order_id}"%',),
        )
        seen.append((rows[0][0], audit[0][0]))

    venue.before_submit.append(check)
    await manager.place(buy("w1"))
    assert seen == [("submitted", 1)]
    assert verify_rows(await manager.audit.rows()) >= 3


async def test_a_re_placed_id_is_the_same_order(store: Store, market: StaticMarket) -> None:
    manager, venue, _sleep, _ = await make(store, market, [])
    first = await manager.place(buy("d1"))
    second = await manager.place(buy("d1"))
    assert second == first and len(venue.submit_calls) == 1


async def test_trading_is_refused_until_reconciled(store: Store, market: StaticMarket) -> None:
    venue = FaultyVenue(paper_venue(market, {"USD": Decimal(100_000)}))
    manager = OrderManager({VENUE: venue}, store, market, sleep=FakeSleep())
    await manager.load()
    with pytest.raises(GateRefused) as info:
        await manager.place(buy("early"))
    assert info.value.rule == "trading_disabled" and venue.submit_calls == []
    await manager.reconcile(startup=True)
    assert (await manager.place(buy("later"))).status is OrderStatus.FILLED


async def test_restart_reconciles_orders_left_open(
    tmp_path: Path, store: Store, market: StaticMarket
) -> None:
    manager, venue, _sleep, _ = await make(store, market, [])
    resting = await manager.place(buy("rest1", "0.25", "29000.0"))
    assert resting.status is OrderStatus.OPEN
    # The venue fills it while the cockpit is "down": a fresh manager must learn it.
    market.set_book(
        market.books[(VENUE, SYMBOL)].model_copy(
            update={
                "asks": tuple(
                    lv.model_copy(update={"price": Decimal("28999.0")})
                    for lv in market.books[(VENUE, SYMBOL)].asks[:1]
                )
            }
        )
    )
    await venue.inner.check_resting()
    fresh = OrderManager({VENUE: venue}, store, market, sleep=FakeSleep())
    await fresh.load()
    assert fresh.orders["rest1"].status is OrderStatus.OPEN
    counts = await fresh.reconcile(startup=True)
    assert counts["updated"] == 1 and fresh.orders["rest1"].status is OrderStatus.FILLED
    assert fresh.trading_enabled


async def test_periodic_reconcile_settles_an_unknown_order_once_its_submit_gave_up(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, _sleep, _ = await make(store, market, ["timeout_after_accept"] + ["5xx"] * 3)
    venue.fetch_faults = ["5xx"] * 4  # the lookups fail too: the submit ends unresolved
    order = await manager.place(buy("p1"))
    assert order.status is OrderStatus.UNKNOWN and await venue_orders(venue) == 1
    counts = await manager.reconcile()  # the periodic pass, not a restart
    assert counts["updated"] == 1 and manager.orders["p1"].status is OrderStatus.FILLED
    assert len([c for c in venue.submit_calls if c.startswith("p1")]) == 1


async def test_an_unreachable_venue_keeps_trading_disabled_until_a_pass_completes(
    store: Store, market: StaticMarket
) -> None:
    manager, venue, _sleep, _ = await make(store, market, [])
    assert (await manager.place(buy("o1", "0.25", "29000.0"))).status is OrderStatus.OPEN
    fresh = OrderManager(
        {VENUE: venue}, store, market, sleep=FakeSleep(), policy=RetryPolicy(attempts=2)
    )
    await fresh.load()
    venue.fetch_faults = ["5xx", "5xx"]  # both tries of the one lookup fail
    counts = await fresh.reconcile(startup=True)
    assert counts["unreachable"] == 1 and not fresh.trading_enabled
    assert "incomplete" in (fresh.disabled_reason or "")
    with pytest.raises(GateRefused):
        await fresh.place(buy("o2"))
    counts = await fresh.reconcile(startup=not fresh.reconciled)
    assert counts["unreachable"] == 0 and fresh.trading_enabled and fresh.reconciled
