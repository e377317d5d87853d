"""The running core's plan and portfolio snapshots: build_plan on the sim's live books, saved."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from core.bootstrap import build_core
from core.config import Settings
from core.models import BookIntegrity, PriceSource, Side
from core.plan.build import build_plan_from
from core.plan.live import LivePlanner
from core.store.plans import list_plans, load_plan
from core.store.portfolio import cached_prices, snapshots
from core.views import RegeneratePlan
from tests.foundation.test_service import wait_for_state


def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate({"store": {"path": str(tmp_path / "cockpit.db")}})


async def test_plan_view_orders_come_from_build_plan_on_live_books(tmp_path: Path) -> None:
    core = build_core(settings(tmp_path))
    await core.start()
    try:
        state = await wait_for_state(core, lambda s: s.plan is not None and s.plan.plan_id)
        view = state.plan
        assert view is not None and view.plan_id is not None and view.totals is not None
        assert core.store is not None
        # The view shows exactly the plan saved with its inputs; rebuilding from those inputs
        # (the live holdings, instruments and books it saw) gives the same orders.
        saved = await load_plan(core.store, view.plan_id)
        assert saved is not None
        plan, inputs = saved
        assert view.orders == plan.orders == build_plan_from(inputs).orders
        assert len(view.orders) > 5 and view.preset == "fixed" and not view.stale
        books = {(b.venue, b.symbol): b for b in inputs.books}
        assert {v for v, _ in books} == {"sim-a", "sim-b"}
        for order in view.orders:
            book = books[(order.venue, order.symbol)]
            assert book.integrity is BookIntegrity.VERIFIED and book.mid is not None
            # Limit prices come from walking the live book: through the touch, never inside it.
            if order.side is Side.BUY:
                assert order.limit_price >= book.asks[0].price
            else:
                assert order.limit_price <= book.bids[0].price
        t = view.totals
        assert t.sells_usd > 0 and t.buys_usd > 0
        # Net cash flow against what the targets asked of cash: zero within the fees paid.
        assert abs(t.net_usd) <= t.fees_usd
        assert sum((o.fee_usd for o in view.orders), Decimal(0)) == t.fees_usd
        # Group rows carry the plan's before/after weights against target and band.
        assert [g.group for g in view.groups][:2] == ["BTC", "ETH"]
        assert all(g.post_pct is not None for g in view.groups)
        assert view.expires_at == view.as_of + timedelta(minutes=30)

        bad = await core.execute(RegeneratePlan(preset="nope"))
        assert not bad.ok and "unknown preset 'nope'" in bad.message
        assert core.plans.planner.preset == "fixed"
        ok = await core.execute(RegeneratePlan(preset="bands"))
        assert ok.ok
        regenerated = core.plans.planner.view
        assert regenerated is not None and regenerated.preset == "bands"
        assert regenerated.plan_id != view.plan_id
        assert {p.id for p in await list_plans(core.store)} >= {view.plan_id, regenerated.plan_id}
    finally:
        await core.stop()


async def test_portfolio_snapshot_and_price_cache_are_written(tmp_path: Path) -> None:
    core = build_core(settings(tmp_path))
    await core.start()
    try:
        await wait_for_state(core, lambda s: s.holdings is not None and s.holdings.total > 0)
        # The first plan saves a snapshot of its own when it is done: not after ours.
        await wait_for_state(core, lambda s: "plan" not in core.task_names)
        assert core.store is not None
        # Read before saving: the snapshot is taken before save_snapshot's first await, and
        # the valuation task may revalue while the store writes.
        held = core.analytics.portfolio.holdings
        total = sum((h.value for h in held), Decimal(0))
        await core.analytics.save_snapshot()
        snaps = await snapshots(core.store, source="live")
        assert snaps, "no live snapshot"
        last = snaps[-1]
        assert last.total_usd == total
        assert sum(last.by_group.values(), Decimal(0)) == total
        assert set(last.by_location) == {"sim-a:spot", "sim-b:spot", "ledger:cold"}
        assert last.taxonomy_version == core.analytics.taxonomy_version != "unknown"
        # The demo's holdings are priced by the sim's books, and the sim's synthetic prices
        # never enter the database's price cache (issue 11): only real markets' would.
        assert any(h.price.source is PriceSource.BOOK_MID for h in held)
        assert await cached_prices(core.store) == {}
        stored = [float(s.total_usd) for s in await snapshots(core.store, source="live")]
    finally:
        await core.stop()
    # A restarted core's sparkline starts from the stored snapshots, not from nothing.
    again = build_core(settings(tmp_path))
    await again.start()
    try:
        state = await wait_for_state(again, lambda s: s.holdings is not None)
        assert state.holdings is not None
        assert len(stored) >= 2
        assert list(state.holdings.history[: len(stored)]) == stored
    finally:
        await again.stop()


async def test_live_planner_goes_stale_when_prices_move_and_refuses_to_send(
    tmp_path: Path,
) -> None:
    core = build_core(settings(tmp_path))
    await core.start()
    try:
        state = await wait_for_state(core, lambda s: s.plan is not None and s.plan.plan_id)
        assert state.plan is not None and state.plan.plan_id is not None and core.store
        saved = await load_plan(core.store, state.plan.plan_id)
    finally:
        await core.stop()
    assert saved is not None
    plan, inputs = saved
    planner = LivePlanner(core.settings.targets)
    built = planner.build(
        inputs.holdings, inputs.locations, inputs.instruments, inputs.books, {}, inputs.as_of
    )
    assert not isinstance(built, str) and built.plan.orders == plan.orders
    assert planner.view is None  # building changes nothing until the plan is adopted
    planner.adopt(built, inputs.books, inputs.as_of)
    assert planner.sendable(plan.id) is None
    assert planner.sendable("plan-other") == "plan plan-other is not the current plan"
    # One market the plan trades moves 2 % (the threshold is 1 %): stale, and refused.
    order = plan.orders[0]
    moved = [
        b.model_copy(
            update={
                "bids": tuple(lv.model_copy(update={"price": lv.price * Decimal("1.02")})
                              for lv in b.bids),
                "asks": tuple(lv.model_copy(update={"price": lv.price * Decimal("1.02")})
                              for lv in b.asks),
            }
        )
        if (b.venue, b.symbol) == (order.venue, order.symbol)
        else b
        for b in inputs.books
    ]  # fmt: skip
    assert planner.check(moved, inputs.as_of)
    assert planner.view is not None and planner.view.stale
    assert any("price moved" in r for r in planner.view.stale_reasons)
    why = planner.sendable(plan.id)
    assert why is not None and why.startswith(f"plan {plan.id} is stale")
    # And expiry alone makes it stale.
    assert planner.check(inputs.books, plan.expires_at)
    assert planner.view.stale_reasons[0].startswith("expired at")
