"""``cockpit risk`` end to end: files in, JSON out; bad input gives one line and exit 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.cli import main
from core.risk import PriceHistory, compute_report
from tests.risk.conftest import read_ftx

ISSUE_KEYS = [
    "n_observations", "annualization", "volatility", "cagr", "sharpe", "sortino", "calmar",
    "max_drawdown", "var", "cvar", "beta_btc", "correlation", "pca_explained_variance_ratio",
    "effective_assets", "risk_contribution", "stress",
]  # fmt: skip


@pytest.fixture
def files(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A wide CSV of four FTX spot closes (MANA starts late: empty cells) and weights."""
    symbols = {"BTC": "BTC-USD", "ETH": "ETH-USD", "XRP": "XRP-USD", "MANA": "MANA-USD"}
    series = {s: dict(read_ftx(shared_data, f)) for s, f in symbols.items()}
    days = sorted(set().union(*series.values()))
    lines = ["date," + ",".join(symbols)]
    for t in days:
        day = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")
        lines.append(
            day + "," + ",".join(repr(series[s][t]) if t in series[s] else "" for s in symbols)
        )
    prices = tmp_path / "prices.csv"
    prices.write_text("\n".join(lines) + "\n")
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"BTC": 0.5, "ETH": 0.3, "XRP": 0.15, "MANA": 0.05}))
    return prices, weights


def test_json_output_matches_the_library(
    files: tuple[Path, Path], shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    assert main(["risk", "--prices", str(prices), "--weights", str(weights), "--window",
                 "200", "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert list(data)[: len(ISSUE_KEYS)] == ISSUE_KEYS
    assert data["n_observations"] == 200 and data["annualization"] == 365
    assert set(data["var"]["historical"]) == {"95", "99"}
    assert data["conventions"]["benchmark"] == "BTC"
    names = {"BTC": "BTC-USD", "ETH": "ETH-USD", "XRP": "XRP-USD", "MANA": "MANA-USD"}
    history = PriceHistory.from_series({s: read_ftx(shared_data, f) for s, f in names.items()})
    direct = compute_report(history, {"BTC": 0.5, "ETH": 0.3, "XRP": 0.15, "MANA": 0.05},
                            window_days=200)  # fmt: skip
    assert data["var"] == direct.model_dump(mode="json")["var"]
    assert data["volatility"] == direct.volatility
    assert data["stress"] == direct.model_dump(mode="json")["stress"]


def test_text_output(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    prices, weights = files
    assert main(["risk", "--prices", str(prices), "--weights", str(weights)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Risk report: 365 1d returns, 2021-07-20 to 2022-07-20")
    assert "excluded (short history): MANA" in out
    assert "LUNA/UST" in out and "Risk-on rally" in out and "+" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.csv", "date,BTC\n2024-01-01,1\n2024-01-02,abc\n",
         "p.csv:3:BTC: close must be a positive number, not 'abc'"),
        ("p.csv", "date,BTC\n2024-01-01,1\n2024-01-02,-5\n",
         "p.csv:3:BTC: close must be a positive number, not '-5'"),
        ("p.csv", "day,BTC\n2024-01-01,1\n", "p.csv:1:1: first column must be 'date'"),
        ("p.csv", "date,BTC,BTC\n2024-01-01,1,1\n", "p.csv:1:3: duplicate column 'BTC'"),
        ("p.csv", "date,BTC\n2024-01-01,1\n2024-13-02,2\n",
         "p.csv:3:date: not an ISO date: '2024-13-02'"),
        ("p.csv", "date,BTC\n2024-01-01,1\n2024-01-02,2,3\n",
         "p.csv:3: 3 fields, the header has 2"),
        ("p.csv", "date,BTC\n2024-01-02,1\n2024-01-01,2\n2024-01-02,3\n",
         "p.csv:4:date: duplicate date"),
        ("p.csv", "date,BTC\n2024-01-01,1\n2024-01-02,2\n2024-01-03T06:00Z,2\n",
         "p.csv:4:date: not on the 1d grid of the other rows"),
        ("p.csv", "date,BTC\n2024-01-01,1\n", "p.csv: need at least two rows of closes"),
    ],
)  # fmt: skip
def test_bad_prices_give_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    weights = tmp_path / "w.json"
    weights.write_text('{"BTC": 1}')
    assert main(["risk", "--prices", str(path), "--weights", str(weights)]) == 1
    err = capsys.readouterr().err
    assert err == f"cockpit: bad input: {tmp_path}/{message}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"BTC": 0.5,\n "ETH": "x"}',
            'w.json:2:ETH: weight must be a number from 0 to 1e+15, not "x"',
        ),
        (
            '{"BTC": 0.5,\n "ETH": -1}',
            "w.json:2:ETH: weight must be a number from 0 to 1e+15, not -1",
        ),
        ('{"BTC": 0.5,\n "ETH": }', "w.json:2:9: Expecting value"),
        ("[1, 2]", "w.json:1: must be a JSON object mapping symbol to value"),
        ('{"BTC": 0}', "w.json: weights sum to zero: nothing to measure"),
    ],
)
def test_bad_weights_give_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    prices = tmp_path / "p.csv"
    prices.write_text("date,BTC\n2024-01-01,1\n2024-01-02,2\n")
    weights = tmp_path / "w.json"
    weights.write_text(content)
    assert main(["risk", "--prices", str(prices), "--weights", str(weights)]) == 1
    assert capsys.readouterr().err == f"cockpit: bad input: {tmp_path}/{message}\n"


def test_bad_groups_and_missing_inputs(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    groups = tmp_path / "g.json"
    groups.write_text('{"BTC": "BTC",\n "ETH": "Ether"}')
    assert main(["risk", "--prices", str(prices), "--weights", str(weights),
                 "--groups", str(groups)]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith(f'cockpit: bad input: {groups}:2:ETH: unknown group "Ether"')
    assert err.count("\n") == 1
    assert main(["risk", "--weights", str(weights)]) == 1
    assert "--prices and --weights together" in capsys.readouterr().err
    assert main(["risk", "--prices", str(tmp_path / "none.csv"), "--weights", str(weights)]) == 1
    assert capsys.readouterr().err.endswith("none.csv: No such file or directory\n")
