"""App-flow tests of the live holdings and plan panes: real core on the sim, keys via Pilot."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.pilot import Pilot

from cockpit.messages import ExecutePlanRequested
from core.config import Settings
from core.store.db import Store
from core.store.plans import list_plans, load_plan
from tests.app.conftest import press, running_app, wait_until
from widgets.format import money
from widgets.holdings_table import BADGES, HoldingsTable
from widgets.line_pane import LinePane
from widgets.plan_diff import BAR_HALF, BAR_SCALE_PP, PlanDiff
from widgets.plan_outcome import net_verdict


def lines(pane: LinePane) -> list[str]:
    return [pane.line_text(i) for i in range(pane.line_count)]


def record_execute_requests(app: Any) -> list[ExecutePlanRequested]:
    """Every ExecutePlanRequested posted to the app (passed on unchanged)."""
    seen: list[ExecutePlanRequested] = []
    post = app.post_message

    def recording(message: Message) -> bool:
        if isinstance(message, ExecutePlanRequested):
            seen.append(message)
        return bool(post(message))

    app.post_message = recording
    return seen


async def open_plan_pane(app: Any, pilot: Pilot[int]) -> PlanDiff:
    """Press 3 and wait until the plan pane has the focus."""
    plan: PlanDiff = app.main.query_one(PlanDiff)
    await press(pilot, "3")
    await wait_until(pilot, lambda: plan.has_focus, "the plan pane")
    return plan


async def test_holdings_filter_and_location_toggle_on_the_sim(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        table = app.main.query_one(HoldingsTable)
        await wait_until(pilot, lambda: table.view is not None, "holdings")
        view = table.view
        assert view is not None and view.rows
        # Every price on the sim carries its provenance badge and age, '!' when stale.
        text = lines(table)
        shown = {line.split()[0]: line for line in text[1:] if line[:1].isupper()}
        for row in view.rows:
            badge = re.escape(BADGES[row.price.source]) + ("!" if row.price.stale else "")
            age = r"(<1s|\d+[smhd])" if row.price.ts is not None else "—"  # configured: no age
            assert re.search(rf" {badge}{age} ", shown[row.asset]), shown[row.asset]
        # Group subtotals equal the sum of their rows, exactly, and add up to the total.
        for group in view.groups:
            members = [r.value for r in view.rows if r.group == group.group]
            assert group.value == sum(members, Decimal(0))
        assert sum((g.value for g in view.groups), Decimal(0)) == view.total
        await press(pilot, "slash", "b", "t", "c")
        assert table.filter == "btc" and table.editing and table.by == "group"
        rows = [line for line in lines(table)[1:] if line[:1].isupper()]
        assert [r.split()[0] for r in rows] == ["BTC", "Total"]
        await press(pilot, "enter")
        assert not table.editing and table.filter == "btc"
        await press(pilot, "l")
        assert table.per_location, table.border_subtitle
        # Per location: the demo portfolio holds BTC on both venues and in the cold wallet.
        btc = [line.split()[1] for line in lines(table) if line.startswith("BTC ")]
        assert sorted(btc) == ["ledger:cold", "sim-a:spot", "sim-b:spot"]
        await press(pilot, "escape")
        assert table.filter == ""
        assert len([line for line in lines(table) if line.startswith("▸")]) == 11


async def test_plan_pane_regenerates_switches_preset_and_sends_the_current_plan(
    settings: Settings,
) -> None:
    async with running_app(settings) as (app, pilot):
        sent = record_execute_requests(app)
        plan = await open_plan_pane(app, pilot)
        await wait_until(pilot, lambda: bool(plan.view and plan.view.plan_id), "the first plan")
        assert plan.view is not None
        first = plan.view.plan_id
        assert plan.view.preset == "fixed" and plan.view.orders and not plan.view.stale
        # Every skipped piece of the live plan is listed in the pane with its reason.
        text = lines(plan)
        assert len(plan.view.skipped_items) == plan.view.skipped > 0
        listed = text[text.index("skipped:") + 1 :]
        assert [line.split()[0] for line in listed[: plan.view.skipped]] == [
            s.reason.value for s in plan.view.skipped_items
        ]

        # Drift bars (centre and band markers) on every group, the orders, costs and residual drift.
        view = plan.view
        rows = text[3 : 3 + len(view.groups)]
        assert [line[:13].strip() for line in rows] == [g.group[:13] for g in view.groups]
        for line, group in zip(rows, view.groups, strict=True):
            assert "│" in line
            filled = round(max(-1.0, min(1.0, group.drift_pct / BAR_SCALE_PP)) * BAR_HALF)
            assert ("█" in line) == (filled != 0), line
        order_lines = [ln for ln in text if ln.split()[:1] in (["sim-a"], ["sim-b"])]
        assert len(order_lines) == len(view.orders)
        assert view.totals is not None
        t = view.totals
        costs = next(ln for ln in text if ln.startswith("sells $"))
        assert f"fees {money(t.fees_usd)} · slippage {money(t.slippage_usd)}" in costs
        net = next(ln for ln in text if ln.startswith("net $"))
        assert net == f"net {money(t.net_usd)} {net_verdict(t, money)[0]}"  # computed, no label
        residual = next(ln for ln in text if ln.startswith("residual drift max"))
        assert f"residual drift max {float(t.residual_drift_max_pp):.2f} pp" in residual

        await press(pilot, "r")
        await wait_until(pilot, lambda: plan.view.plan_id != first, "a regenerated plan")  # type: ignore[union-attr]
        await press(pilot, "P")
        await wait_until(pilot, lambda: plan.view.preset == "bands", "the next preset")  # type: ignore[union-attr]
        assert "preset bands" in str(plan.border_subtitle)
        assert not app.privacy  # 'P' is the plan's key, not the app's 'p' (privacy)

        current = plan.view.plan_id
        await press(pilot, "x")
        await wait_until(pilot, lambda: bool(sent), "ExecutePlanRequested")
        assert [m.plan_id for m in sent] == [current]

    # Every generated plan was saved with its inputs, and can be read back.
    store = await Store.open(settings.db_path())
    try:
        saved = await list_plans(store)
        assert len(saved) >= 3 and current in {p.id for p in saved}
        loaded = await load_plan(store, current or "")
        assert loaded is not None and loaded[0].id == current
        assert loaded[1].strategy == "bands" and loaded[1].books
    finally:
        await store.close()


async def test_a_stale_plan_is_shown_and_cannot_be_sent(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"store": {"path": str(tmp_path / "c.db")}, "targets": {"expiry_min": 0.02}}
    )
    async with running_app(settings) as (app, pilot):
        sent = record_execute_requests(app)
        plan = await open_plan_pane(app, pilot)
        await wait_until(pilot, lambda: bool(plan.view and plan.view.stale), "the plan to expire")
        assert plan.view is not None and any("expired" in r for r in plan.view.stale_reasons)
        assert "! STALE" in lines(plan)[1]
        await press(pilot, "x")
        await wait_until(
            pilot,
            lambda: any(line.startswith("✗ stale plan cannot be sent") for line in lines(plan)),
            "the refusal",
        )
        assert not sent
