"""``cockpit plan --show ID`` on an executed plan: promise against outcome, from the store.

A core on the sim executes its plan on paper; once the run is over it records a portfolio
snapshot. The CLI then reads the plan, its orders, the gate's refusals and that snapshot back
and shows the same promise-vs-outcome the plan pane showed.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cockpit.cli import main
from core.bootstrap import build_core
from core.config import Settings
from core.plan.outcome import OrderOutcome, PlanOutcome
from core.views import CockpitState, ExecutePlan
from tests.foundation.test_service import wait_for_state


def settings(db: Path) -> Settings:
    return Settings.model_validate(
        {
            "store": {"path": str(db)},
            "sim": {"history_days": 60},
            "execution": {
                "paper": {"latency_ms": 0, "jitter_ms": 0},
                "twap_slice_usd": 1_000_000,
            },
        }
    )


def run_done(state: CockpitState, plan_id: str) -> bool:
    outcome = state.plan.outcome if state.plan is not None else None
    return (
        outcome is not None
        and outcome.plan_id == plan_id
        and outcome.count(OrderOutcome.NOT_SENT) == 0
        and state.plan is not None
        and state.plan.executed
    )


async def execute_and_stop(db: Path) -> tuple[PlanOutcome, str]:
    core = build_core(settings(db))
    await core.start()
    try:
        state = await wait_for_state(
            core, lambda s: s.plan is not None and s.plan.plan_id is not None
        )
        assert state.plan is not None and state.plan.plan_id is not None and state.plan.orders
        plan_id = state.plan.plan_id
        started = await core.execute(ExecutePlan(plan_id=plan_id))
        assert started.ok, started.message
        executor = core.execution.plan_executor if core.execution else None
        assert executor is not None
        await executor.plan_tasks[plan_id]  # the run itself (a task of the core)
        await wait_for_state(core, lambda s: run_done(s, plan_id))
        await core.plans.check_plan()  # the end-of-run snapshot is taken by now
        outcome = core.plans.planner.outcome
        assert outcome is not None and outcome.plan_id == plan_id
        fresh = await core.plans.regenerate_plan()  # a plan that never runs
        assert fresh.ok and core.plans.planner.current is not None
        return outcome, core.plans.planner.current.plan.id
    finally:
        await core.stop()


def test_show_prints_promise_against_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "o.db"
    seen, never_ran = asyncio.run(execute_and_stop(db))
    assert main(["plan", "--db", str(db), "--show", seen.plan_id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == seen.plan_id and data["orders"]
    stored = PlanOutcome.model_validate(data["outcome"])
    # The same promise, and the same account of every order, as the pane had.
    assert [g.promised_drift_pp for g in stored.groups] == [
        g.promised_drift_pp for g in seen.groups
    ]
    assert stored.promised_max_pp == seen.promised_max_pp
    now = {o.client_order_id: o.outcome for o in stored.orders}
    assert set(now) == {o.client_order_id for o in seen.orders}
    for o in seen.orders:
        # A limit still open in the pane may have filled (or been cancelled at stop) since.
        assert now[o.client_order_id] is o.outcome or o.outcome is OrderOutcome.OPEN, o
    # Reached: the snapshot recorded when the run ended.
    assert stored.valued_at is not None and stored.valued_at >= stored.plan_as_of
    assert all(g.reached_drift_pp == g.reached_pct - g.target_pct for g in stored.groups)  # type: ignore[operator]

    assert main(["plan", "--db", str(db), "--show", seen.plan_id]) == 0
    table = capsys.readouterr().out
    assert "promise vs outcome (portfolio valued " in table
    assert f"residual drift max: promised {stored.promised_max_pp:.2f} pp" in table
    for o in stored.not_done:
        assert o.why in table
    # A plan that never ran prints as before: no outcome.
    assert never_ran != seen.plan_id
    assert main(["plan", "--db", str(db), "--show", never_ran, "--json"]) == 0
    assert "outcome" not in json.loads(capsys.readouterr().out)
    assert main(["plan", "--db", str(db), "--show", never_ran]) == 0
    assert "promise vs outcome" not in capsys.readouterr().out
