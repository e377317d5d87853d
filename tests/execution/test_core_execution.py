"""Execution through the running core on the simulator, in paper mode (the default)."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from core.answers import PlanPreview
from core.bootstrap import build_core
from core.config import Settings
from core.execution import gate
from core.execution.paper_venue import PaperVenue
from core.models import EventKind, OrderRequest, OrderStatus, OrderType, Side, TradingMode
from core.service import Core
from core.views import (
    AbortPlan,
    CancelAll,
    CancelOrder,
    ExecutePlan,
    KillSwitch,
    PlaceOrder,
    PreviewPlan,
)
from tests.conftest import PROJECT_ROOT

TIMEOUT_S = 30


def settings(db: Path, **execution: object) -> Settings:
    return Settings.model_validate(
        {
            "store": {"path": str(db)},
            "sim": {"history_days": 60},
            "execution": {"paper": {"latency_ms": 0, "jitter_ms": 0}, **execution},
        }
    )


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    c = build_core(settings(tmp_path / "c.db"))
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


async def until(condition: object, what: str) -> None:
    async with asyncio.timeout(TIMEOUT_S):
        # Balances change on another task's schedule (paper fills re-poll the account).
        while not condition():  # type: ignore[operator]  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def mid(core: Core, venue: str, symbol: str) -> Decimal:
    book = core.venues[venue].book(symbol, 5)
    assert book is not None and book.mid is not None
    return book.mid


def btc_request(
    core: Core,
    coid: str,
    *,
    side: Side = Side.BUY,
    qty: str = "0.01",
    price: Decimal | None = None,
    type_: OrderType = OrderType.LIMIT,
) -> OrderRequest:
    inst = core.instruments["sim-a:BTC/USDT"]
    if price is None and type_ is not OrderType.MARKET:
        book = core.venues["sim-a"].book("BTC/USDT", 5)
        assert book is not None
        price = book.best_ask if side is Side.BUY else book.best_bid
    return OrderRequest(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=side,
        type=type_,
        qty=Decimal(qty),
        price=inst.round_price(price) if price is not None else None,
    )


async def test_place_order_fills_on_paper_and_logs_its_lifecycle(core: Core) -> None:
    state = core.publish()
    assert state.trading_enabled and state.kill_level == 0
    before = {a: b.total for (loc, a), b in core.balances.latest.items() if loc == "sim-a:spot"}
    result = await core.execute(PlaceOrder(request=btc_request(core, "ui-1")))
    assert result.ok, result.message
    await until(
        lambda: (
            ("sim-a:spot", "BTC") in core.balances.latest
            and core.balances.latest[("sim-a:spot", "BTC")].total != before["BTC"]
        ),
        "paper balance",
    )
    assert core.balances.latest[("sim-a:spot", "BTC")].total == before["BTC"] + Decimal("0.01")
    sim = core.venues["sim-a"]
    assert await sim.fetch_order("ui-1", "BTC/USDT") is None  # paper: the sim exchange never saw it
    events = [e for e in core.events if e.client_order_id == "ui-1"]
    kinds = [e.kind for e in events]
    assert kinds[0] is EventKind.ORDER_SUBMITTED and EventKind.ORDER_FILLED in kinds
    assert all(e.latency_ms is not None and e.latency_ms >= 0 for e in events)
    rows = await core.store.fetch_all("SELECT status FROM orders WHERE client_order_id = 'ui-1'")  # type: ignore[union-attr]
    assert rows == [("filled",)]


async def test_gate_refusal_through_the_core_names_the_rule(core: Core) -> None:
    far = mid(core, "sim-a", "BTC/USDT") * Decimal("1.5")
    result = await core.execute(PlaceOrder(request=btc_request(core, "fat", price=far)))
    assert not result.ok and "[price_band]" in result.message
    assert "fat" not in core.execution.manager.orders  # type: ignore[union-attr]


async def test_kill_switch_is_graduated_and_rearmed_manually(core: Core) -> None:
    resting = btc_request(core, "rest-1", price=mid(core, "sim-a", "BTC/USDT") * Decimal("0.97"))
    assert (await core.execute(PlaceOrder(request=resting))).ok
    assert (await core.execute(KillSwitch(reason="test"))).message == "kill switch paused"
    state = core.publish()
    assert (
        not state.trading_enabled
        and state.kill_level == 1
        and "paused" in (state.trading_reason or "")
    )
    refused = await core.execute(PlaceOrder(request=btc_request(core, "after-kill")))
    assert not refused.ok and "[trading_disabled]" in refused.message
    manager = core.execution.manager  # type: ignore[union-attr]
    assert manager is not None and manager.orders["rest-1"].status is OrderStatus.OPEN
    assert (await core.execute(KillSwitch(reason="test"))).message == "kill switch cancelled"
    assert manager.orders["rest-1"].status is OrderStatus.CANCELLED
    assert (await core.execute(KillSwitch(engage=False))).ok
    assert core.publish().trading_enabled
    assert (await core.execute(PlaceOrder(request=btc_request(core, "rearmed")))).ok


async def test_flatten_sells_non_stables_into_the_stablecoin_through_the_gate(
    tmp_path: Path,
) -> None:
    cfg = settings(
        tmp_path / "f.db",
        gate={
            "max_order_usd": 10**9,
            "max_portfolio_pct": 100,
            "daily_turnover_usd": 10**10,
            "price_band_pct": 50,
        },
    )
    core = build_core(cfg)
    await core.start()
    try:
        result = await core.execute(KillSwitch(reason="flatten test", level=3))
        assert result.message == "kill switch flattened"
        manager = core.execution.manager  # type: ignore[union-attr]
        assert manager is not None
        flats = [o for o in manager.orders.values() if o.reason == "kill switch: flatten"]
        assert flats and all(o.side is Side.SELL and o.symbol.endswith("/USDT") for o in flats)
        await manager.refresh_balances("sim-a")
        left = {a: b.total for a, b in manager.balances["sim-a"].items()}
        sold = {
            o.symbol.split("/")[0]
            for o in flats
            if o.venue == "sim-a" and o.status is OrderStatus.FILLED
        }
        assert sold and all(
            left.get(a, Decimal(0)) < Decimal("0.01") * 10 for a in sold if a != "PEPE"
        )
    finally:
        await core.stop()


async def test_cancel_and_cancel_all(core: Core) -> None:
    price = mid(core, "sim-a", "BTC/USDT") * Decimal("0.97")
    for coid in ("c1", "c2"):
        assert (await core.execute(PlaceOrder(request=btc_request(core, coid, price=price)))).ok
    one = await core.execute(CancelOrder(venue="sim-a", symbol="BTC/USDT", client_order_id="c1"))
    assert one.ok and one.message == "c1 cancelled"
    rest = await core.execute(CancelAll())
    assert rest.ok and rest.message == "cancelled 1 order(s)"


async def test_execute_plan_runs_sells_first_and_refuses_a_plan_twice(core: Core) -> None:
    preview = await core.execute(PreviewPlan())
    assert preview.ok and isinstance(preview.data, PlanPreview)
    plan_id = preview.message
    assert preview.data.plan_id == plan_id
    assert preview.data.mode is TradingMode.PAPER and preview.data.orders
    sides = [o.side for o in preview.data.orders]
    assert sides == sorted(sides, key=lambda s: s is not Side.SELL)
    assert not (await core.execute(ExecutePlan(plan_id="plan-nope"))).ok
    started = await core.execute(ExecutePlan(plan_id=plan_id))
    assert started.ok, started.message
    again = await core.execute(ExecutePlan(plan_id=plan_id))
    assert not again.ok and "already executed" in again.message
    service = core.execution
    assert service is not None
    await service.plan_tasks[plan_id]
    placed = [o for o in service.manager.orders.values() if o.plan_id == plan_id]  # type: ignore[union-attr]
    progress = service.progress
    assert progress is not None and progress.total == len(preview.data.orders)
    assert progress.done + progress.failed == progress.total and progress.done > progress.total // 2
    assert len(placed) >= progress.done
    first_buy = min((o.created_ts for o in placed if o.side is Side.BUY), default=None)
    last_sell = max((o.created_ts for o in placed if o.side is Side.SELL), default=None)
    if first_buy and last_sell:
        assert last_sell <= first_buy
    assert any(e.kind is EventKind.PLAN for e in core.events)
    assert (await core.execute(AbortPlan())).ok


async def test_every_venue_submit_is_preceded_by_a_gate_approval(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    approved: list[OrderRequest] = []  # the objects themselves: ids of freed ones get reused
    submitted: list[OrderRequest] = []
    real_check, real_submit = gate.check, PaperVenue.submit

    def check(
        request: OrderRequest, ctx: gate.GateContext, limits: gate.GateLimits
    ) -> gate.Approval:
        approval = real_check(request, ctx, limits)
        approved.append(request)
        return approval

    async def submit(self: PaperVenue, request: OrderRequest):  # type: ignore[no-untyped-def]
        submitted.append(request)
        return await real_submit(self, request)

    monkeypatch.setattr(gate, "check", check)
    monkeypatch.setattr(PaperVenue, "submit", submit)
    await core.execute(PlaceOrder(request=btc_request(core, "g1")))
    await core.execute(
        PlaceOrder(request=btc_request(core, "g2", price=mid(core, "sim-a", "BTC/USDT") * 2))
    )
    preview = await core.execute(PreviewPlan())
    await core.execute(ExecutePlan(plan_id=preview.message))
    service = core.execution
    assert service is not None
    await service.plan_tasks[preview.message]
    assert submitted and all(any(s is a for a in approved) for s in submitted)
    ids = [s.client_order_id for s in submitted]
    assert len(ids) == len(set(ids))  # no order was sent twice


SUBMIT_ALLOWED = {
    Path("core/execution/manager.py"),  # the one caller, after the gate
}


def test_no_code_outside_the_manager_calls_a_venue_submit() -> None:
    """Static proof: ``.submit(`` is called only in the order manager.

    A venue's own ``submit`` may delegate to its transport (``LiveVenue.submit`` calls its REST
    client's): that is the venue itself, reached only through the manager.
    """
    offenders = []
    for package in ("core", "cockpit", "widgets"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            rel = path.relative_to(PROJECT_ROOT)
            if rel in SUBMIT_ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            delegating = {
                id(call)
                for fn in ast.walk(tree)
                if isinstance(fn, ast.AsyncFunctionDef | ast.FunctionDef) and fn.name == "submit"
                for call in ast.walk(fn)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "submit"
                    and id(node) not in delegating
                ):
                    offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


async def test_large_plan_orders_are_twap_sliced_and_quantities_add_up(tmp_path: Path) -> None:
    core = build_core(settings(tmp_path / "t.db", twap_slice_usd=1500, twap_interval_s=0))
    await core.start()
    try:
        preview = await core.execute(PreviewPlan())
        assert preview.ok and preview.data is not None
        service = core.execution
        assert service is not None and service.manager is not None
        plan = core.plans.current_plan()
        assert plan is not None and plan.id == preview.message
        big = [o for o in plan.orders if o.notional_usd > 1500]
        assert big
        assert (await core.execute(ExecutePlan(plan_id=plan.id))).ok
        await service.plan_tasks[plan.id]
        run = service.plan_runs[plan.id]
        for o in big:
            parent = o.to_request(plan.id).client_order_id
            children = [r for r in run.requests if r.client_order_id.startswith(parent + "-t")]
            assert len(children) >= 2
            assert sum(c.qty for c in children) == o.qty
        assert len(run.requests) > len(plan.orders)
    finally:
        await core.stop()


async def test_an_expired_plan_is_refused(core: Core) -> None:
    preview = await core.execute(PreviewPlan())
    service = core.execution
    assert service is not None and preview.ok
    built = core.plans.planner.current
    assert built is not None and built.plan.id == preview.message
    plan = built.plan
    expired = plan.model_copy(update={"expires_at": plan.as_of})
    core.plans.planner.current = replace(built, plan=expired)  # the pane's plan, expired
    result = await core.execute(ExecutePlan(plan_id=plan.id))
    assert not result.ok and "expired" in result.message
    assert service.plan_runs == {}


async def test_only_mode_live_sends_orders_to_the_venue_itself(tmp_path: Path) -> None:
    cfg = Settings.model_validate(
        {"mode": "live", "store": {"path": str(tmp_path / "live.db")}, "sim": {"history_days": 60}}
    )
    core = build_core(cfg)
    await core.start()
    try:
        assert core.execution is not None and core.execution.paper == {}
        assert (await core.execute(PlaceOrder(request=btc_request(core, "live-1")))).ok
        sim = core.venues["sim-a"]
        seen = await sim.fetch_order("live-1", "BTC/USDT")
        assert seen is not None and seen.status is OrderStatus.FILLED
        assert core.execution.manager.orders["live-1"].status is OrderStatus.FILLED  # type: ignore[union-attr]
    finally:
        await core.stop()
