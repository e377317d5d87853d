"""``cockpit risk forecast``: the issue's JSON keys, the same figures as the engine, hourly
files, the database, and one-line errors for bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.cli import main
from core.risk.forecast.daily import daily_sample
from core.risk.forecast.engine import forecast_report, run_model
from core.risk.history import HOUR, PriceHistory
from tests.risk.conftest import read_ftx, read_yahoo
from tests.risk.test_cli_db import db  # noqa: F401  (the fixture)

JSON_KEYS = [
    "model", "level", "n_forecasts", "exceedances", "kupiec_lr", "kupiec_p",
    "christoffersen_ind_lr", "christoffersen_ind_p", "christoffersen_cc_lr",
    "christoffersen_cc_p", "zone", "forecast", "series",
]  # fmt: skip
NAMES = {"BTC": "BTC-PERP", "ETH": "ETH-PERP"}
WEIGHTS = {"BTC": 0.6, "ETH": 0.4}


@pytest.fixture
def files(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Daily FTX perpetual closes (2019-2022) as a wide CSV, and weights."""
    series = {s: dict(read_ftx(shared_data, f)) for s, f in NAMES.items()}
    days = sorted(set().union(*series.values()))
    lines = ["date,BTC,ETH"]
    for t in days:
        cells = [repr(series[s][t]) if t in series[s] else "" for s in NAMES]
        lines.append(datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d") + "," + ",".join(cells))
    prices = tmp_path / "prices.csv"
    prices.write_text("\n".join(lines) + "\n")
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps(WEIGHTS))
    return prices, weights


@pytest.mark.parametrize("model", ["ewma", "garch-t"])
def test_json_has_the_issue_keys_and_the_engine_figures(
    files: tuple[Path, Path],
    shared_data: Path,
    model: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prices, weights = files
    args = ["risk", "forecast", "--prices", str(prices), "--weights", str(weights)]
    assert main([*args, "--model", model, "--level", "0.95", "--lambda", "0.9", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == JSON_KEYS
    history = PriceHistory.from_series({s: read_ftx(shared_data, f) for s, f in NAMES.items()})
    sample = daily_sample(history, WEIGHTS)
    f = run_model(sample, model, (0.95,), lam=0.9)  # type: ignore[arg-type]
    direct = forecast_report(sample, f, 0.95).model_dump(mode="json")
    assert data == json.loads(json.dumps(direct))
    assert data["model"] == model and data["level"] == 0.95
    assert len(data["series"]) == data["n_forecasts"]
    first_day, var, loss = data["series"][0]
    assert first_day == datetime.fromtimestamp(int(sample.times[f.start]), UTC).date().isoformat()
    assert loss == pytest.approx(-sample.returns[f.start]) and var > 0
    hits = sum(1 for _, v, x in data["series"] if x > v)
    assert hits == data["exceedances"]
    assert set(data["forecast"]) == {"var", "es"}


def test_compare_lists_every_model_at_both_levels(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    args = ["risk", "forecast", "--prices", str(prices), "--weights", str(weights), "--compare"]
    assert main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["model"], r["level"]) for r in rows] == [
        (m, b) for m in ("ewma", "garch", "garch-t", "fhs", "har", "qr") for b in (0.95, 0.99)
    ]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert all(name in text for name in ("ewma", "garch-t", "fhs", "har", "Kupiec p"))


def test_hourly_prices_feed_the_har_model(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    symbols = ("BTC", "ETH", "SOL")
    history = PriceHistory.from_series(
        {s: read_yahoo(shared_data, s) for s in symbols}, bar_seconds=HOUR
    )
    lines = ["date," + ",".join(symbols)]
    for i, t in enumerate(history.times):
        row = history.closes[i]
        cells = ["" if c != c else repr(float(c)) for c in row]
        lines.append(datetime.fromtimestamp(int(t), UTC).isoformat() + "," + ",".join(cells))
    prices = tmp_path / "hourly.csv"
    prices.write_text("\n".join(lines) + "\n")
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"BTC": 0.5, "ETH": 0.3, "SOL": 0.2}))
    args = ["risk", "forecast", "--prices", str(prices), "--weights", str(weights)]
    assert main([*args, "--model", "har", "--train", "120", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sample = daily_sample(history, {"BTC": 0.5, "ETH": 0.3, "SOL": 0.2})
    assert sample.rv is not None
    assert data["n_forecasts"] == len(sample.returns) - 120
    assert 0 < data["forecast"]["var"] < data["forecast"]["es"]


def test_the_database_portfolio_is_forecast_read_only(
    db: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = db.stat().st_mtime_ns
    assert main(["risk", "forecast", "--db", str(db), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["model"] == "garch-t" and data["n_forecasts"] > 200  # the config's model
    assert "no price for NOPRICE; left out" in captured.err
    assert db.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--level", "1.5"], "--level must be between 0.5 and 1"),
        (["--lambda", "1"], "--lambda must be between 0 and 1"),
        (["--model", "ewma", "--warmup", "5000"], "EWMA needs more than the 5000 warm-up"),
        (["--model", "garch", "--train", "5000"], "GARCH needs more than the 5000"),
    ],
)
def test_bad_options_give_one_line_and_exit_1(
    files: tuple[Path, Path], extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    args = ["risk", "forecast", "--prices", str(prices), "--weights", str(weights), *extra]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_assets_left_out_are_named(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices, _ = files
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"BTC": 0.5, "ETH": 0.3, "DOGE": 0.2}))
    args = ["risk", "forecast", "--prices", str(prices), "--weights", str(weights)]
    assert main([*args, "--model", "ewma", "--json"]) == 0
    captured = capsys.readouterr()
    assert "covers 80.0% of the weight; left out: DOGE (no price history)" in captured.err
    assert json.loads(captured.out)["n_forecasts"] > 1000


def test_bad_files_name_file_line_and_field(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices, _ = files
    bad = tmp_path / "bad.json"
    bad.write_text('{"BTC": 0.5,\n "ETH": "lots"}')
    assert main(["risk", "forecast", "--prices", str(prices), "--weights", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:ETH: weight must be a number" in err and err.count("\n") == 1
    broken = tmp_path / "broken.csv"
    broken.write_text("date,BTC\n2024-01-01,100\n2024-01-02,-3\n")
    assert main(["risk", "forecast", "--prices", str(broken), "--weights", str(bad)]) == 1
    assert f"{broken}:3:BTC: close must be a positive number" in capsys.readouterr().err
    assert main(["risk", "forecast", "--prices", str(prices)]) == 1
    assert "give --prices and --weights together" in capsys.readouterr().err
