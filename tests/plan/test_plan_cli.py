"""``cockpit plan`` on a JSON snapshot of the real portfolio with synthetic venues."""

from __future__ import annotations

import csv
import io
import json
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
    assert "pass --inputs FILE" in capsys.readouterr().err
