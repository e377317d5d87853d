"""A plan's orders resting when the cockpit is SIGKILLed are pending for the next plan (issue 11).

The seed incident: after a crash left seven plan buys open, the next plan proposed the same
buys again and one filled twice. Here a child cockpit places some of its plan's buys as resting
limit orders (priced below the market, so they cannot fill), and is killed. The restarted core
reconciles them as open; its first plan lists them as pending and proposes none of them again,
where the same inputs without them would have.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.bootstrap import build_core
from core.config import Settings, load_settings
from core.models import OrderStatus, Side
from core.plan.build import build_plan_from
from core.plan.models import Plan
from tests.conftest import PROJECT_ROOT
from tests.foundation.test_service import wait_for_state

CONFIG = """\
sim:
  history_days: 60
  volatility_scale: 0.05
  jump_rate_per_day: 0
  time_scale: 1
execution:
  paper:
    latency_ms: 0
    jitter_ms: 0
"""
RESTING = 3
"""Plan buys left resting at the kill."""

CHILD = """
import asyncio, sys
from decimal import Decimal
from pathlib import Path
import pytest

from cockpit.cli import main
from core.bootstrap import build_core
from core.config import load_settings

async def main() -> None:
    settings = load_settings(Path(sys.argv[1]), env={}, search=False)
    settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"path": Path(sys.argv[2])})}
    )
    core = build_core(settings)
    await core.start()
    while core.plans.planner.current is None:
        await asyncio.sleep(0.05)
    plan = core.plans.planner.current.plan
    manager = core.execution.manager
    per_asset = {}
    for o in plan.orders:
        if o.side.value == "buy" and o.legs == 1:
            per_asset.setdefault(o.asset, []).append(o)
    placed = 0
    for asset, orders in sorted(per_asset.items()):
        if len(orders) != 1 or placed == int(sys.argv[3]):
            continue
        o = orders[0]
        inst = core.instruments[f"{o.venue}:{o.symbol}"]
        # 4 % under the mid: inside the gate's 5 % band, far from any fill on a calm market.
        request = o.to_request(plan.id).model_copy(
            update={"price": inst.round_price(o.mid * Decimal("0.96"))}
        )
        order = await manager.place(request, actor=f"plan:{plan.id}")
        print("rested", order.client_order_id, order.status.value, asset, flush=True)
        placed += 1
    print("ready", plan.id, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def crash_with_resting_buys(config: Path, db: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(config), str(db), str(RESTING)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # blocks on the child's own output, no sleeping
            seen.append(line.rstrip())
            if line.startswith("ready"):
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, seen
    return seen


def test_plan_orders_resting_after_a_crash_are_not_proposed_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = tmp_path / "c.yaml", tmp_path / "c.db"
    config.write_text(CONFIG)
    lines = crash_with_resting_buys(config, db)
    rested = {
        cid: asset
        for kind, cid, status, asset in (s.split() for s in lines if s.startswith("rested"))
        if status in ("submitted", "open")
    }
    assert len(rested) == RESTING, lines
    first_plan = next(s.split()[1] for s in lines if s.startswith("ready"))
    # Read from the database alone (no core running), they are pending too.
    assert main(["--config", str(config), "plan", "--db", str(db), "--build", "--json"]) == 0
    offline = Plan.model_validate_json(capsys.readouterr().out)
    assert set(rested) <= {p.client_order_id for p in offline.pending}
    loaded = load_settings(config, env={}, search=False)
    settings = loaded.model_copy(update={"store": loaded.store.model_copy(update={"path": db})})
    asyncio.run(_restart_and_plan(settings, rested, first_plan))


async def _restart_and_plan(settings: Settings, rested: dict[str, str], first_plan: str) -> None:
    core = build_core(settings)
    await core.start()
    try:
        await wait_for_state(core, lambda s: s.plan is not None and s.plan.plan_id is not None)
        manager = core.execution.manager if core.execution else None
        assert manager is not None
        still_open = {o.client_order_id for o in manager.open_orders()}
        assert set(rested) <= still_open  # reconciled: the crash left them resting
        built = core.plans.planner.current
        assert built is not None
        plan = built.plan
        assert plan.id != first_plan
        # Listed as pending, netted out, never proposed again: no buy of those assets at all.
        assert set(rested) <= {p.client_order_id for p in plan.pending}
        assert all(p.plan_id == first_plan for p in plan.pending if p.client_order_id in rested)
        # Never proposed again: what the plan buys of those assets is what the pending orders
        # leave of the need; the same inputs blind to them would buy the whole need again.
        blind = build_plan_from(built.inputs.model_copy(update={"pending": ()}))
        for cid, asset in rested.items():
            pending = next(p for p in plan.pending if p.client_order_id == cid)
            new = sum(
                (o.qty for o in plan.orders if o.side is Side.BUY and o.asset == asset), Decimal(0)
            )
            need = sum(
                (o.qty for o in blind.orders if o.side is Side.BUY and o.asset == asset), Decimal(0)
            )
            # Blind, the whole need again: a duplicate (prices moved a little since the kill).
            assert need >= pending.remaining_qty * Decimal("0.98"), (asset, need, pending)
            assert new + pending.remaining_qty <= need * Decimal("1.02"), (
                asset,
                new,
                need,
                pending,
            )
        resting = {(o.venue, o.symbol, o.side) for o in manager.open_orders()}
        assert not {(o.venue, o.symbol, o.side) for o in plan.orders} & resting
        assert any("counted as pending" in n for n in plan.notes)
        # The pane shows them too (the view carries the plan's pending orders).
        view = core.plans.planner.view
        assert view is not None and {p.client_order_id for p in view.pending} >= set(rested)
        assert all(
            manager.orders[cid].status in (OrderStatus.SUBMITTED, OrderStatus.OPEN)
            for cid in rested
        )
    finally:
        await core.stop()
