"""``cockpit backtest`` end to end: files in, JSON/CSV/table out; bad input is one line, exit 1."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.cli import main
from core.backtest import BacktestSettings, run_backtest
from core.risk.files import read_prices_csv
from tests.risk.conftest import read_ftx

ISSUE_KEYS = [
    "final_value", "total_fees", "n_orders", "turnover", "equity", "metrics", "benchmarks",
    "conventions",
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


def test_json_has_the_issue_keys_and_equals_the_library(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    args = ["backtest", "--prices", str(prices), "--weights", str(weights), "--rebalance",
            "bands:0.05", "--fees", "0.001", "--slippage", "5", "--cash", "25000",
            "--json"]  # fmt: skip
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc)[: len(ISSUE_KEYS)] == ISSUE_KEYS
    assert set(doc["benchmarks"]) == {"hold", "equal_weight", "btc"}
    for bench in doc["benchmarks"].values():
        assert list(bench) == ISSUE_KEYS[:6]
    conv = doc["conventions"]
    assert conv["start_cash"] == 25_000 and conv["rebalance"] == "bands:0.05"
    assert any("first rebalance is at the first close" in r for r in conv["rules"])
    history = read_prices_csv(prices)
    direct = run_backtest(
        history,
        {"BTC": 0.5, "ETH": 0.3, "XRP": 0.15, "MANA": 0.05},
        "bands:0.05",
        BacktestSettings(cash=25_000, fee_rate=0.001, slippage_bps=5),
    )
    assert doc["final_value"] == direct.strategy.final_value
    assert doc["n_orders"] == direct.strategy.n_orders
    assert len(doc["equity"]) == history.closes.shape[0]  # one per price row
    date, first = doc["equity"][0]
    assert date == "2021-01-01" and 25_000 * (1 - 0.0015) <= first < 25_000  # fees, slippage
    assert doc["metrics"]["max_drawdown"] == direct.strategy.metrics.max_drawdown


def test_csv_has_one_row_per_price_row_and_a_column_per_run(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    assert main(["backtest", "--prices", str(prices), "--weights", str(weights), "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["date", "strategy", "hold", "equal_weight", "btc"]
    assert len(rows) - 1 == read_prices_csv(prices).closes.shape[0]
    assert [float(x) for x in rows[1][1:]] == pytest.approx([10_000.0] * 4, rel=1e-12)


def test_orders_csv_lists_each_fill(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    args = ["backtest", "--prices", str(prices), "--weights", str(weights), "--rebalance",
            "monthly", "--fees", "0.002", "--orders"]  # fmt: skip
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["symbol"] for r in rows[:3]] == ["BTC", "ETH", "XRP"]  # MANA lists later
    assert {r["side"] for r in rows} == {"buy", "sell"}
    for r in rows:
        assert float(r["fee"]) == pytest.approx(0.002 * float(r["notional"]), rel=1e-12)
        assert float(r["notional"]) == pytest.approx(
            float(r["shares"]) * float(r["price"]), rel=1e-12
        )


def test_table_and_sweep(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    prices, weights = files
    assert main(["backtest", "--prices", str(prices), "--weights", str(weights)]) == 0
    out = capsys.readouterr().out
    assert "equal_weight" in out and "btc" in out
    args = ["backtest", "--prices", str(prices), "--weights", str(weights), "--sweep",
            "--bands", "0,0.05", "--periods", "1,30", "--fee-levels", "0.001", "--sort",
            "max_drawdown", "--json"]  # fmt: skip
    assert main(args) == 0
    configs = json.loads(capsys.readouterr().out)["configurations"]
    assert len(configs) == 4
    drawdowns = [c["max_drawdown"] for c in configs]
    assert drawdowns == sorted(drawdowns)


@pytest.mark.parametrize(
    ("weights", "rebalance", "message"),
    [
        ({"BTC": 0.5, "ETH": 0.3}, "hold", "weights.json: weights sum to 0.8, not 1"),
        ({"BTC": 0.5, "DOGE": 0.5}, "hold", "weights.json: unknown symbol 'DOGE'"),
        ({"BTC": 1.0}, "yearly", "rebalance 'yearly' is not one of"),
        ({"BTC": 1.0}, "bands:2", "bands:X needs an absolute weight"),
        ({"BTC": 1.0}, "every:0", "every:N needs a whole number"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    weights: dict[str, float],
    rebalance: str,
    message: str,
) -> None:
    prices, path = files
    path.write_text(json.dumps(weights))
    args = ["backtest", "--prices", str(prices), "--weights", str(path), "--rebalance", rebalance]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and message in err


def test_bad_numbers_name_the_option(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    prices, weights = files
    args = ["backtest", "--prices", str(prices), "--weights", str(weights), "--fees", "-0.1"]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("cockpit: bad input: --fees:") and "\n" not in err


@pytest.fixture
def db(shared_data: Path, tmp_path: Path) -> Path:
    """Real FTX daily closes of BTC, ETH and XRP stored in a cockpit database."""
    import asyncio

    from core.store import Store

    path = tmp_path / "cockpit.db"
    closes = {
        asset: [(datetime.fromtimestamp(t, UTC), c) for t, c in read_ftx(shared_data, name)]
        for asset, name in {"BTC": "BTC-USD", "ETH": "ETH-USD", "XRP": "XRP-USD"}.items()
    }

    async def fill() -> None:
        store = await Store.open(path)
        await store.save_daily_closes("import", closes)
        await store.close()

    asyncio.run(fill())
    return path


def test_without_prices_it_reads_the_stored_closes_read_only(
    db: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, weights = files
    weights.write_text(json.dumps({"BTC": 0.6, "ETH": 0.3, "XRP": 0.1}))
    before = db.stat().st_mtime_ns, db.stat().st_size
    args = ["--db", str(db), "backtest", "--weights", str(weights), "--rebalance", "monthly",
            "--json"]  # fmt: skip
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (db.stat().st_mtime_ns, db.stat().st_size) == before
    assert doc["equity"][0][0] == "2021-01-01" and doc["n_orders"] > 3 * 18
    assert set(doc["benchmarks"]) == {"hold", "equal_weight", "btc"}
    missing = db.with_name("none.db")
    assert main(["--db", str(missing), "backtest", "--weights", str(weights)]) == 1
    assert "no cockpit database here" in capsys.readouterr().err
    assert not missing.exists()


def test_without_weights_it_backtests_the_held_portfolio(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    from decimal import Decimal

    from core.models import Balance
    from core.store import Store

    held = {"BTC": Decimal("0.5"), "ETH": Decimal(4), "USD": Decimal(2000)}

    async def record() -> None:
        store = await Store.open(db)
        store.record_balances(
            Balance(location_id="kraken:spot", asset=a, total=q, free=q, ts=datetime.now(UTC))
            for a, q in held.items()
        )
        await store.close()

    asyncio.run(record())
    assert main(["--db", str(db), "backtest", "--rebalance", "hold", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_orders"] == 3  # BTC, ETH and the cash (USD at a flat 1.0) bought once
    assert doc["benchmarks"]["hold"]["final_value"] == pytest.approx(doc["final_value"])
