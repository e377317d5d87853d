"""Execution history: fills with fees and slippage vs the arrival mid, per plan, via the core."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from core.execution.history import MANUAL, ExecutionHistoryView
from core.models import Fill, Order, OrderRequest, OrderType, Side
from core.service import Core
from core.views import ExecutionHistory, PlaceOrder
from tests.app.conftest import press, running_app, wait_until
from tests.execution.test_core_execution import btc_request, core  # noqa: F401
from tests.execution.test_tui import settings as tui_settings


async def history_of(core: Core, coids: tuple[str, ...]) -> ExecutionHistoryView:  # noqa: F811
    """The history once every fill of the final orders ``coids`` has been stored."""
    assert core.execution is not None and core.execution.manager is not None
    orders = core.execution.manager.orders
    async with asyncio.timeout(30):
        while True:
            result = await core.execute(ExecutionHistory())
            assert result.ok and isinstance(result.data, ExecutionHistoryView)
            view = result.data
            stored = {
                c: sum(f.qty for p in view.plans for f in p.fills if f.client_order_id == c)
                for c in coids
            }
            if all(
                c in orders and orders[c].status.is_final and stored[c] == orders[c].filled_qty > 0
                for c in coids
            ):
                return view
            await asyncio.sleep(0.02)


async def test_history_groups_fills_per_plan_with_fees_and_slippage(core: Core) -> None:  # noqa: F811
    buy = btc_request(core, "h-1", type_=OrderType.MARKET).model_copy(update={"plan_id": "p-1"})
    sell = btc_request(core, "h-2", side=Side.SELL, type_=OrderType.MARKET)
    for request in (buy, sell):
        result = await core.execute(PlaceOrder(request=request))
        assert result.ok, result.message
    assert core.store is not None
    view = await history_of(core, ("h-1", "h-2"))
    stored = {
        o.client_order_id: o
        for (p,) in await core.store.fetch_all("SELECT payload FROM orders")
        if (o := Order.model_validate_json(p))
    }
    fills = [
        Fill.model_validate_json(p)
        for (p,) in await core.store.fetch_all("SELECT payload FROM fills")
    ]
    plans = {p.plan_id: p for p in view.plans}
    assert set(plans) == {"p-1", MANUAL}
    for plan_id, coid in (("p-1", "h-1"), (MANUAL, "h-2")):
        plan = plans[plan_id]
        mine = [f for f in fills if f.client_order_id == coid]
        order = stored[coid]
        assert order.arrival_mid is not None
        assert plan.orders == 1 and len(plan.fills) == len(mine)
        assert plan.fees == sum(f.fee for f in mine) and plan.fees > 0
        notional = sum(f.qty * f.price for f in mine)
        assert plan.notional == notional
        # The sim's book may move between arrival and fill: the sign is not assumed.
        expected = float(
            sum(
                f.qty * f.price * (f.price / order.arrival_mid - 1) * 10_000 * f.side.sign
                for f in mine
            )
            / notional
        )
        assert plan.slippage_bps is not None
        assert abs(plan.slippage_bps - expected) < 1e-6
        assert plan.slippage_cost == sum(
            f.side.sign * (f.price - order.arrival_mid) * f.qty for f in mine
        )
        assert plan.quotes == ("USDT",)


async def test_h_in_the_log_opens_the_history_screen_and_escape_closes_it(
    tmp_path: Path,
) -> None:
    from cockpit.screens.history import ExecutionHistoryScreen
    from widgets.execution_history import ExecutionHistoryTable

    async with running_app(tui_settings(tmp_path)) as (app, pilot):
        request = OrderRequest(
            client_order_id="tui-h1",
            venue="sim-a",
            symbol="BTC/USDT",
            side=Side.BUY,
            type=OrderType.MARKET,
            qty=Decimal("0.01"),
        )
        placed = await app.client.send(PlaceOrder(request=request))
        assert placed.ok, placed.message
        await press(pilot, "5", "h")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, ExecutionHistoryScreen)
                and bool(app.screen.query(ExecutionHistoryTable))
            ),
            "history screen mounted",
        )
        table = app.screen.query_one(ExecutionHistoryTable)
        await wait_until(pilot, lambda: table.view is not None, "history loaded")
        assert table.line_text(0).startswith("time")
        # The fill is stored by the core's user stream; r reloads until it shows.
        for _ in range(100):
            if table.view is not None and table.view.fills:
                break
            await press(pilot, "r")
            await pilot.pause(0.05)
        assert table.line_text(1).startswith("plan manual: 1 orders")
        assert " ▲ buy " in table.line_text(2) and "sim-a BTC/USDT" in table.line_text(2)
        await press(pilot, "escape")
        await wait_until(
            pilot, lambda: not isinstance(app.screen, ExecutionHistoryScreen), "closed"
        )
