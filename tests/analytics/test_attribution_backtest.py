"""``cockpit attribution --prices``: a backtest against holding its initial weights, by group, on
real daily closes; checked against ``cockpit backtest`` on the same files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import main
from tests.portfolio.prices import write_wide_prices

WEIGHTS = {"BTC": 0.4, "ETH": 0.3, "SOL": 0.2, "DOGE": 0.1}
GROUPS = {"BTC": "BTC", "ETH": "ETH", "SOL": "SOL", "DOGE": "Memecoins"}


@pytest.fixture
def files(shared_data: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    prices = write_wide_prices(shared_data, tmp_path / "prices.csv")
    header = prices.read_text().splitlines()[0].split(",")
    held = {s: w for s, w in WEIGHTS.items() if s in header}
    assert len(held) >= 3, header
    total = sum(held.values())
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({s: w / total for s, w in held.items()}))
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps({s: GROUPS[s] for s in held}))
    return prices, weights, groups


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_backtest_attribution_matches_the_backtest(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights, groups = map(str, files)
    doc = _json(
        capsys, "attribution", "--prices", prices, "--weights", weights, "--groups", groups,
        "--rebalance", "monthly", "--json",
    )  # fmt: skip
    run = _json(
        capsys, "backtest", "--prices", prices, "--weights", weights, "--rebalance", "monthly",
        "--json",
    )  # fmt: skip
    total = doc["linked"]["total"]
    # Without fees or slippage the effects explain the whole backtest: its final value over the
    # cash, against holding the initial weights.
    assert total["portfolio_return"] == pytest.approx(run["final_value"] / 10_000 - 1, rel=1e-9)
    hold = run["benchmarks"]["hold"]["final_value"]
    assert total["benchmark_return"] == pytest.approx(hold / 10_000 - 1, rel=1e-9)
    assert math.isclose(
        total["allocation"] + total["selection"] + total["interaction"],
        total["active"],
        abs_tol=1e-12,
    )
    segments = {s["segment"] for s in doc["linked"]["segments"]}
    assert segments <= {*GROUPS.values(), "cash"} and "BTC" in segments
    assert all(len(p["period"]) == 7 for p in doc["periods"])  # months


def test_backtest_attribution_needs_weights(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["attribution", "--prices", str(files[0])]) == 1
    assert "--prices needs --weights" in capsys.readouterr().err


def test_fees_are_outside_the_effects(
    files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """With fees the effects are before trading costs: the linked portfolio return is the
    fee-free one, and the backtest's own final value is lower by what it paid."""
    prices, weights, groups = map(str, files)
    args = ["--prices", prices, "--weights", weights, "--rebalance", "monthly"]
    costly = _json(capsys, "attribution", *args, "--groups", groups, "--fees", "0.001", "--json")
    run = _json(capsys, "backtest", *args, "--fees", "0.001", "--json")
    after_fees = run["final_value"] / 10_000 - 1
    assert costly["linked"]["total"]["portfolio_return"] > after_fees
    t = costly["linked"]["total"]
    assert math.isclose(
        t["allocation"] + t["selection"] + t["interaction"], t["active"], abs_tol=1e-12
    )
