"""``cockpit plan`` on a JSON snapshot of the real portfolio with synthetic venues."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.config import GROUPS
from tests.plan.real import load_portfolio, venues_for
from tests.plan.synth import NOW


@pytest.fixture
def snapshot(shared_data: Path, tmp_path: Path) -> Path:
    holdings, locations, prices = load_portfolio(shared_data)
    instruments, books = venues_for(holdings, prices, no_market=frozenset({"IMO", "AC2"}))
    data = {
        "holdings": [h.model_dump(mode="json") for h in holdings],
        "locations": [loc.model_dump(mode="json") for loc in locations],
        "instruments": [i.model_dump(mode="json") for i in instruments],
        "books": [b.model_dump(mode="json") for b in books],
        "as_of": NOW.isoformat(),
    }
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(data))
    return path


def test_plan_json(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--inputs", str(snapshot), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["strategy"] == "fixed" and plan["total_usd"] == "448801.95"
    assert set(plan["targets"]) == set(GROUPS)
    assert {r["group"] for r in plan["groups"]} == set(GROUPS)
    assert plan["orders"] and plan["skipped"] and plan["transfers"]
    assert all(s["reason"] for s in plan["skipped"])
    assert float(plan["totals"]["fees_usd"]) > 0


def test_plan_csv_and_table(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--inputs", str(snapshot), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and rows[0]["side"] == "sell" and rows[-1]["side"] == "buy"
    assert main(["plan", "--inputs", str(snapshot), "--strategy", "bands"]) == 0
    out = capsys.readouterr().out
    assert "strategy bands" in out and "transfer first:" in out and "residual drift" in out


def test_zero_targets_refused(
    snapshot: Path, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = shared_data / "seed-origin/plan_and_risk_outputs/plan_output_zero_targets.json"
    zero = tmp_path / "zero.json"
    zero.write_text(json.dumps(json.loads(seed.read_text())["target_weights_pct"]))
    assert main(["plan", "--inputs", str(snapshot), "--targets", str(zero)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "all targets are 0%: refusing a plan that would sell everything" in captured.err
    misspelt = tmp_path / "typo.yaml"
    misspelt.write_text("groups: {BTC: 50, Stablecoin: 50}\n")
    assert main(["plan", "--inputs", str(snapshot), "--targets", str(misspelt)]) == 2
    assert "did you mean 'Stablecoins'" in capsys.readouterr().err


def test_bad_inputs_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"holdings": [{"asset": "BTC"}], "locations": [], "instruments": [], "books": []}'
    )
    assert main(["plan", "--inputs", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.json" in err and "holdings.0" in err and "Traceback" not in err
    assert main(["plan", "--db", str(tmp_path / "x.db")]) == 1
    assert "x.db: no such database" in capsys.readouterr().err
    assert main(["plan"]) == 1
    assert "pass --inputs FILE" in capsys.readouterr().err


def test_saved_plans_listed_and_shown(
    snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plans the cockpit saved (with their inputs) are listed and printed from the database."""
    import asyncio

    from core.config import TargetsConfig
    from core.plan.build import build_plan_from
    from core.plan.models import PlanInputs
    from core.plan.targets import Targets
    from core.store.db import Store
    from core.store.plans import save_plan

    data = json.loads(snapshot.read_text())
    inputs = PlanInputs.model_validate({**data, "targets": Targets.from_config(TargetsConfig())})
    plan = build_plan_from(inputs)
    db = tmp_path / "plans.db"

    async def save() -> None:
        store = await Store.open(db)
        try:
            await save_plan(store, plan, inputs, NOW)
            await save_plan(store, plan, inputs, NOW)  # the same plan id: kept once
        finally:
            await store.close()

    asyncio.run(save())
    listed = ["plan", "--db", str(db)]
    assert main(listed) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2 and rows[1].startswith(plan.id) and " fixed " in rows[1]
    assert main([*listed, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["orders"] == len(plan.orders)
    assert main([*listed, "--show", "latest", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(plan.model_dump_json())
    assert main([*listed, "--show", plan.id]) == 0
    assert capsys.readouterr().out.startswith(f"plan {plan.id}  strategy fixed")
    assert main([*listed, "--show", "nope"]) == 1
    assert "no saved plan 'nope'" in capsys.readouterr().err


def test_build_from_recorded_holdings_and_saved_books(
    snapshot: Path, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``plan --db --build``: the imported portfolio, planned on the newest saved plan's books."""
    import asyncio

    from core.config import Settings, TargetsConfig
    from core.models import utcnow
    from core.plan.build import build_plan_from
    from core.plan.models import Plan, PlanInputs
    from core.plan.targets import Targets
    from core.store.db import Store
    from core.store.plans import save_plan
    from core.usecases.holdings import read_stored
    from tests.plan.invariants import check_plan

    db = tmp_path / "c.db"
    export = shared_data / "cointracking" / "CoinTracking - Balance by Exchange - 26.08.2025.csv"
    assert main(["import", "cointracking", str(export), "--allow-negative", "--db", str(db)]) == 0
    capsys.readouterr()
    build = ["plan", "--db", str(db), "--build", "--json"]
    # No saved plan yet: an indicative plan (tests/plan/test_indicative.py), never sendable.
    assert main(build) == 0
    first = Plan.model_validate_json(capsys.readouterr().out)
    assert first.indicative and all(o.indicative for o in first.orders)

    data = json.loads(snapshot.read_text())
    inputs = PlanInputs.model_validate({**data, "targets": Targets.from_config(TargetsConfig())})
    lender = build_plan_from(inputs)

    async def save() -> None:
        store = await Store.open(db)
        try:
            await save_plan(store, lender, inputs, NOW)
        finally:
            await store.close()

    asyncio.run(save())
    assert main(build) == 0
    plan = Plan.model_validate_json(capsys.readouterr().out)
    # The imported portfolio valued at the saved books' mids (not the export's prices): the
    # saved plan's own portfolio at those mids, within 1 % (dust and wallet-only coins differ).
    assert abs(plan.total_usd / lender.total_usd - 1) < Decimal("0.01")
    assert any(lender.id in note for note in plan.notes)
    held = asyncio.run(read_stored(db, Settings(), utcnow())).merged
    # Recorded books are not live: every order is indicative, whichever venue it is on.
    assert plan.indicative and all(o.indicative for o in plan.orders)
    check_plan(plan, held, inputs.instruments, TargetsConfig().min_trade_usd)
    assert plan.orders and plan.strategy == "fixed"
    assert main([*build[:-1], "--strategy", "bands", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("seq,")


async def test_real_import_planned_on_the_sims_markets(shared_data: Path, tmp_path: Path) -> None:
    """Issue 5 'Must show': the real CoinTracking import, planned on the markets and books the
    sim recorded (the running core saves its plans with their books), keeps the invariants."""
    import asyncio

    from core.bootstrap import build_core
    from core.config import Settings
    from core.models import utcnow
    from core.store.plans import load_plan
    from core.usecases.holdings import read_stored
    from core.usecases.recorded_plan import recorded_plan
    from tests.foundation.test_service import wait_for_state
    from tests.plan.invariants import check_balance

    db = tmp_path / "c.db"
    export = shared_data / "cointracking" / "CoinTracking - Balance by Exchange - 26.08.2025.csv"
    assert (
        await asyncio.to_thread(
            main, ["import", "cointracking", str(export), "--allow-negative", "--db", str(db)]
        )
        == 0
    )
    settings = Settings.model_validate({"store": {"path": str(db)}})
    core = build_core(settings)
    await core.start()
    try:
        await wait_for_state(core, lambda s: s.plan is not None and s.plan.plan_id is not None)
        assert core.store is not None
        saved = await load_plan(core.store, "latest")
    finally:
        await core.stop()
    assert saved is not None
    sim = saved[1]
    assert {i.venue for i in sim.instruments} == {"sim-a", "sim-b"}
    plan = await recorded_plan(db, settings, settings.targets, None, utcnow())
    held = (await read_stored(db, settings, utcnow())).merged
    check_balance(plan, held, settings.targets.min_trade_usd)
    # The sims' recorded books and the import's exchanges (no live book: assumed markets).
    on_sim = [o for o in plan.orders if o.venue in {"sim-a", "sim-b"}]
    assert on_sim and {o.venue for o in plan.orders} <= {"sim-a", "sim-b", "kraken", "binance"}
    assert all(o.indicative for o in plan.orders)  # nothing in the CLI is a live book
    markets = {(i.venue, i.symbol) for i in sim.instruments}
    assert all((o.venue, o.symbol) in markets for o in on_sim)
    # Coins the sim does not list are never ordered there.
    listed = {i.base for i in sim.instruments}
    assert {o.asset for o in on_sim if o.leg == 1} <= listed
