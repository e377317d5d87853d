"""Promise against outcome in the plan pane, on the sim, after executing a plan (issue 11).

The seed incident: a plan promised "residual drift max 0.01 pp"; after it ran a group sat 3
points off target with two limits still open, while the pane kept showing the old plan, and
its "net … (≈0 within fees)" was a fixed label. Here the pane's plan is executed on paper and
the pane then shows, per group, the drift promised and the drift reached, every order that did
not fill with why, and a net verdict computed from the plan's totals.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.client import ThreadedCore
from core.config import Settings
from core.plan.outcome import OrderOutcome, PlanOutcome
from tests.app.conftest import press, running_app, wait_until
from widgets import format as fmt
from widgets.plan_diff import PlanDiff
from widgets.plan_outcome import net_verdict


def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "store": {"path": str(tmp_path / "outcome.db")},
            "sim": {"history_days": 60},
            # No TWAP slicing: the run's orders all go at once, so the run is short.
            "execution": {
                "paper": {"latency_ms": 0, "jitter_ms": 0},
                "twap_slice_usd": 1_000_000,
            },
        }
    )


def pane_text(pane: PlanDiff) -> list[str]:
    return [pane.line_text(i) for i in range(pane.line_count)]


def settled(outcome: PlanOutcome | None, plan_id: str, orders: int) -> bool:
    """Every order of the run is placed (filled, open or refused), none still to go."""
    return (
        outcome is not None
        and outcome.plan_id == plan_id
        and outcome.valued_at is not None
        and outcome.count(OrderOutcome.NOT_SENT) == 0
        and len({o.seq for o in outcome.orders}) == orders
    )


async def test_executed_plan_shows_promise_against_outcome(tmp_path: Path) -> None:
    async with running_app(settings(tmp_path), size=(160, 60)) as (app, pilot):
        pane = app.main.query_one(PlanDiff)
        await wait_until(
            pilot,
            lambda: (
                pane.view is not None and pane.view.plan_id is not None and bool(pane.view.orders)
            ),
            "a plan with orders in the plan pane",
        )
        view = pane.view
        assert view is not None and view.plan_id is not None and view.totals is not None
        shown, orders = view.plan_id, len(view.orders)
        # The net line is the computed verdict on this plan's totals, not a fixed label.
        verdict, _ = net_verdict(view.totals, lambda v: fmt.money(v))
        assert any(verdict in line for line in pane_text(pane))
        promised = {g.group: g.post_pct - g.target_pct for g in view.groups if g.post_pct}

        pane.focus()
        await press(pilot, "x")
        await wait_until(pilot, lambda: app.screen is not app.main, "the confirm modal")
        await press(pilot, "tab", "enter")
        client = app.client
        assert isinstance(client, ThreadedCore)
        # A run places its orders one by one through the gate (two in flight): on a busy
        # machine that takes a while, so the bound here is generous; the wait ends as soon as
        # the last order is placed.
        await wait_until(
            pilot,
            lambda: settled(pane.view.outcome if pane.view else None, shown, orders),
            "the executed plan's outcome in the pane",
            limit_s=180,
        )
        view = pane.view
        assert view is not None and view.outcome is not None
        outcome = view.outcome
        # Promise: the plan's own residual drift; outcome: the portfolio valued after the run.
        assert outcome.promised_max_pp == max(abs(g.promised_drift_pp) for g in outcome.groups)
        for g in outcome.groups:
            assert abs(float(g.promised_drift_pp) - promised[g.group]) < 0.01
            assert g.reached_pct is not None and g.reached_drift_pp is not None
            assert g.reached_drift_pp == g.reached_pct - g.target_pct
        assert outcome.valued_at is not None and outcome.valued_at >= outcome.plan_as_of
        reached = sum((g.reached_pct or Decimal(0) for g in outcome.groups), Decimal(0))
        assert abs(reached - 100) <= Decimal("0.06")  # 11 weights, each to the hundredth
        # Every order accounted for; whatever did not fill says why.
        assert outcome.count(OrderOutcome.FILLED) + len(outcome.not_done) == len(outcome.orders)
        assert all(o.why for o in outcome.not_done)

        text = pane_text(pane)
        assert any(f"promise vs outcome · {shown}" in line for line in text)
        summary = (
            f"residual drift max: promised {float(outcome.promised_max_pp):.2f} pp · reached "
            f"{float(outcome.reached_max_pp or 0):.2f} pp"
        )
        assert summary in text
        counts = f"{len(outcome.orders)} order(s): {outcome.count(OrderOutcome.FILLED)} filled"
        assert any(line.startswith(counts) for line in text)
        for o in outcome.not_done:
            assert any(o.why in line for line in text), o
        row = next(line for line in text if line.startswith("BTC ") and "%" in line)
        btc = next(g for g in outcome.groups if g.group == "BTC")
        assert f"{float(btc.reached_drift_pp or 0):+6.2f}" in row
        # The executed plan says so, and cannot be sent again.
        assert view.executed and any("✓ executed" in line for line in text)
        await press(pilot, "x")
        assert any("already executed" in line for line in pane_text(pane))
        # The picture a reviewer looks at (tests/app/test_snapshots.py keeps the baselines):
        # the plan pane maximised, after the run.
        app.main.maximize(pane)
        await wait_until(pilot, lambda: app.main.maximized is pane, "the maximised plan pane")
        await pilot.pause(0.05)
        app.save_screenshot(filename="plan-outcome.svg", path=str(tmp_path))


def test_net_verdict_is_computed_from_the_totals() -> None:
    """The seed's "net $-10,072 (≈0 within fees)" was a fixed label; the verdict now follows
    the figures: within fees, explained by the skipped pieces, or neither."""
    from core.plan.models import PlanTotals

    base = {
        "sells_usd": Decimal(0), "buys_usd": Decimal(0), "turnover_usd": Decimal(0),
        "fees_usd": Decimal(40), "slippage_usd": Decimal(10), "net_cash_flow_usd": Decimal(0),
        "cash_target_change_usd": Decimal(0), "skipped_usd": Decimal(0),
        "residual_drift_max_pp": Decimal(0), "net_slack_usd": Decimal(51),
    }  # fmt: skip

    def verdict(**kw: object) -> tuple[str, bool]:
        return net_verdict(PlanTotals.model_validate(base | kw), lambda v: fmt.money(v))

    assert verdict(net_usd=Decimal(-12), net_within_fees=True, net_explained=True) == (
        "≈0 within fees+slippage $51.00",
        True,
    )
    text, ok = verdict(net_usd=Decimal(-10072), undone_usd=Decimal(-10072), net_explained=True)
    assert ok and text == "≠0: skipped pieces $-10,072 (fees+slippage $51.00)"
    text, ok = verdict(net_usd=Decimal(-10072), undone_usd=Decimal(0))
    assert not ok and text.startswith("! not within fees+slippage $51.00")
