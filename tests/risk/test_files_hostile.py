"""Hostile weights and groups files for ``cockpit risk``: one line, exit 1, never a traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cockpit.cli import main

PRICES = "date,BTC,ETH\n2024-01-01,1,2\n2024-01-02,2,3\n2024-01-03,3,3\n2024-01-04,2,5\n"


def _risk(tmp_path: Path, capsys: pytest.CaptureFixture[str], weights: str, *extra: str) -> str:
    prices = tmp_path / "p.csv"
    prices.write_text(PRICES)
    path = tmp_path / "w.json"
    path.write_text(weights)
    assert main(["risk", "--prices", str(prices), "--weights", str(path), *extra]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("cockpit: bad input: ")
    return captured.err.removeprefix("cockpit: bad input: ").rstrip("\n")


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ('{"BTC": 0.5,\n "ETH": ' + "1" * 5000 + "}", "w.json:2:9: number too long (5000 digits"),
        ('{"BTC": 0.' + "1" * 400 + "}", "w.json:1:9: number too long (402 digits"),
        ('{"BTC": ' + "[" * 100_000, "w.json: nested too deep: expected a flat JSON object"),
        ('{"BTC": ' + '{"a": ' * 50 + "1" + "}" * 51, "w.json:1:BTC: weight must be a number"),
        ('{"BTC": 1e308, "ETH": 1e308}', "w.json:1:BTC: weight must be a number from 0 to 1e+15"),
        ('{"BTC": 1e999}', "w.json:1:BTC: weight must be a number from 0 to 1e+15, not Infinity"),
        ('{"BTC": NaN}', "w.json: NaN is not a number JSON allows"),
        ('{"BTC": -Infinity}', "w.json: -Infinity is not a number JSON allows"),
        ('{"BTC": 0, "ETH": 0.0}', "w.json: weights sum to zero: nothing to measure"),
    ],
)
def test_bad_weights_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], weights: str, message: str
) -> None:
    assert _risk(tmp_path, capsys, weights).startswith(f"{tmp_path}/{message}")


def test_large_but_sane_weights_still_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices = tmp_path / "p.csv"
    prices.write_text(PRICES)
    weights = tmp_path / "w.json"
    weights.write_text('{"BTC": 5e14, "ETH": 2.5e14}')
    assert main(["risk", "--prices", str(prices), "--weights", str(weights), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert math.isfinite(report["volatility"]) and report["volatility"] > 0


def test_a_deep_groups_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    groups = tmp_path / "g.json"
    groups.write_text('{"BTC": ' + "[" * 100_000)
    message = _risk(tmp_path, capsys, '{"BTC": 1}', "--groups", str(groups))
    assert message == f"{groups}: nested too deep: expected a flat JSON object"
