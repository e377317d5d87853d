"""The execution-history table: one block per plan, totals first, fills with slippage."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.execution.history import build_history
from core.models import Fill, Liquidity, Order, OrderStatus, OrderType, Side
from tests.app import samples
from tests.app.harness import Harness
from widgets.execution_history import ExecutionHistoryTable


def order(coid: str, side: Side, mid: str, plan: str | None) -> Order:
    return Order(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=side,
        type=OrderType.MARKET,
        qty=Decimal("0.2"),
        price=None,
        status=OrderStatus.FILLED,
        created_ts=samples.AT,
        updated_ts=samples.AT,
        arrival_mid=Decimal(mid),
        plan_id=plan,
    )


def fill(coid: str, side: Side, qty: str, price: str, sec: int) -> Fill:
    q, p = Decimal(qty), Decimal(price)
    return Fill(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=side,
        qty=q,
        price=p,
        fee=q * p * Decimal("0.001"),
        fee_asset="USDT",
        liquidity=Liquidity.TAKER,
        ts=samples.AT + timedelta(seconds=sec),
        trade_id=f"t{sec}",
    )


def test_per_plan_totals_and_slippage_against_the_arrival_mid() -> None:
    orders = {
        "b": order("b", Side.BUY, "60000", "plan-1"),
        "s": order("s", Side.SELL, "60000", "plan-1"),
        "m": order("m", Side.BUY, "60000", None),
    }
    fills = [
        fill("b", Side.BUY, "0.1", "60006", 1),  # +1 bp worse
        fill("b", Side.BUY, "0.1", "60012", 2),  # +2 bp worse
        fill("s", Side.SELL, "0.2", "59994", 3),  # sold 1 bp below mid: +1 bp worse
        fill("m", Side.BUY, "0.2", "59997", 9),  # bought 0.5 bp under mid: improvement
    ]
    view = build_history(orders, fills, samples.AT)
    assert [p.plan_id for p in view.plans] == ["manual", "plan-1"]
    plan = view.plans[1]
    assert plan.orders == 2 and len(plan.fills) == 3
    assert plan.notional == Decimal("6000.6") + Decimal("6001.2") + Decimal("11998.8")
    assert plan.fees == plan.notional * Decimal("0.001")
    assert plan.slippage_cost == Decimal("0.6") + Decimal("1.2") + Decimal("1.2")
    expected = (6000.6 * 1 + 6001.2 * 2 + 11998.8 * 1) / float(plan.notional)
    assert plan.slippage_bps is not None and abs(plan.slippage_bps - expected) < 1e-9
    assert view.plans[0].slippage_bps is not None and view.plans[0].slippage_bps < 0


async def test_table_shows_plans_then_their_fills_and_masks_amounts() -> None:
    orders = {"b": order("b", Side.BUY, "60000", "plan-1")}
    view = build_history(orders, [fill("b", Side.BUY, "0.2", "60006", 1)], samples.AT)
    table = ExecutionHistoryTable(id="subject")
    async with Harness(table).run_test(size=(120, 20)) as pilot:
        table.update_view(view)
        await pilot.pause()
        text = [table.line_text(i) for i in range(table.line_count)]
        assert text[0].startswith("time")
        assert text[1].startswith("plan plan-1: 1 orders, 1 fills, notional 12,001.20 USDT")
        assert "slippage +1.0bp (1.20 USDT)" in text[1]
        assert text[2].startswith("12:30:01 ▲ buy") and text[2].rstrip().endswith("+1.0  taker")
        assert table.border_subtitle == "1 fills · 1 plans"
        table.update_view(view, privacy=True)
        assert "12,001" not in table.line_text(1) and "0.2" not in table.line_text(2)


async def test_quantities_and_prices_print_exactly_never_in_exponent_form() -> None:
    orders = {"m": order("m", Side.BUY, "0.0000012", None)}
    view = build_history(orders, [fill("m", Side.BUY, "224946000", "0.00000120", 1)], samples.AT)
    table = ExecutionHistoryTable(id="subject")
    async with Harness(table).run_test(size=(120, 20)) as pilot:
        table.update_view(view)
        await pilot.pause()
        line = table.line_text(2)
        assert " 224946000 " in line and " 0.0000012 " in line, line
        assert "e+" not in line and "e-" not in line
