"""Plan runs: sells before buys, bounded concurrency, progress, abort."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from core.errors import GateRefused
from core.execution.planrun import PlanProgress, PlanRun
from core.models import Order, OrderRequest, OrderStatus, OrderType, Side, utcnow


def req(n: int, side: Side) -> OrderRequest:
    return OrderRequest(
        client_order_id=f"p-{n}",
        venue="v",
        symbol="BTC/USDT",
        side=side,
        type=OrderType.LIMIT,
        qty=Decimal(1),
        price=Decimal(100),
    )


def filled(r: OrderRequest) -> Order:
    now = utcnow()
    return Order(
        client_order_id=r.client_order_id,
        venue=r.venue,
        symbol=r.symbol,
        side=r.side,
        type=r.type,
        qty=r.qty,
        price=r.price,
        status=OrderStatus.FILLED,
        filled_qty=r.qty,
        created_ts=now,
        updated_ts=now,
    )


async def test_sells_first_bounded_concurrency_and_progress() -> None:
    requests = [
        req(1, Side.BUY),
        req(2, Side.SELL),
        req(3, Side.BUY),
        req(4, Side.SELL),
        req(5, Side.SELL),
    ]
    order_seen: list[str] = []
    running = 0
    peak = 0
    progress: list[PlanProgress] = []

    async def place(r: OrderRequest) -> Order:
        nonlocal running, peak
        order_seen.append(r.client_order_id)
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        if r.client_order_id == "p-3":
            raise GateRefused("balance", "needs more USDT")
        return filled(r)

    run = PlanRun("p", requests, place, concurrency=2, on_progress=progress.append)
    final = await run.run()
    sells = {"p-2", "p-4", "p-5"}
    assert set(order_seen[:3]) == sells and set(order_seen[3:]) == {"p-1", "p-3"}
    assert peak == 2
    assert (final.done, final.failed, final.total, final.phase) == (4, 1, 5, "done")
    assert [p.done + p.failed for p in progress[:-1]] == [1, 2, 3, 4, 5]
    assert "[balance]" in str(run.results["p-3"])


async def test_abort_stops_new_orders_and_lets_the_one_in_flight_finish() -> None:
    requests = [req(n, Side.SELL) for n in range(4)]
    release = asyncio.Event()
    first_sent = asyncio.Event()
    placed: list[str] = []

    async def place(r: OrderRequest) -> Order:
        placed.append(r.client_order_id)
        first_sent.set()
        await release.wait()
        return filled(r)

    run = PlanRun("p", requests, place, concurrency=1)
    task = asyncio.create_task(run.run())
    await first_sent.wait()
    run.abort()
    release.set()
    final = await task
    assert placed == ["p-0"] and final.aborted and final.phase == "aborted" and final.done == 1
