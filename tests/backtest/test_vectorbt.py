"""Equality with vectorbt on the shared real prices (final value, fees, orders, equity curve).

The issue's conventions are vectorbt's ``Portfolio.from_orders(size_type="targetpercent",
group_by=True, cash_sharing=True, call_seq="auto", fees=rate)``; here both run on the same
files, ours through ``run_backtest`` on a :class:`PriceHistory`, vectorbt on a pandas frame read
independently from the CSVs (rows = the union of the files' timestamps, so the Yahoo gaps are
simply absent rows and a late listing is NaN until its first close). vectorbt's rebalance rows
are worked out here with pandas from the rule; for ``bands:X`` our rows are handed to vectorbt
and then checked against the drift of vectorbt's own holdings.

Numba compiles vectorbt's simulator on the first call (about 10 s; cached on disk by numba
afterwards), so the cases share a module and one frame per data set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.backtest import BacktestSettings, run_backtest
from core.risk.history import HOUR, PriceHistory

vbt = pytest.importorskip("vectorbt")

REL = 1e-9

FTX = ("BTC-USD", "ETH-USD", "BNB-USD", "XRP-USD", "LTC-USD", "AAVE-USD", "MANA-USD", "SAND-USD")
FTX_W = (0.3, 0.2, 0.1, 0.1, 0.1, 0.05, 0.1, 0.05)
PERPS = ("BTC-PERP", "ETH-PERP", "SOL-PERP", "DOT-PERP", "AVAX-PERP", "OP-PERP")
YAHOO = ("BTC", "ETH", "SOL", "XRP", "DOGE", "LINK", "UNI", "TRX")
YAHOO_W = (0.25, 0.2, 0.15, 0.1, 0.1, 0.1, 0.05, 0.05)


def _ftx_frame(shared: Path, symbols: tuple[str, ...]) -> pd.DataFrame:
    cols = {}
    for s in symbols:
        path = shared / "market" / "ftx_1d" / f"{s}.csv"
        if not path.exists():
            continue
        df = pd.read_csv(path)
        cols[s] = pd.Series(df["close"].to_numpy(), index=pd.to_datetime(df["date"], unit="ms"))
    return pd.DataFrame(cols).sort_index()


def _yahoo_frame(shared: Path) -> pd.DataFrame:
    cols = {}
    for s in YAHOO:
        df = pd.read_csv(shared / "market" / "yahoo_1h" / f"{s}_USD.csv")
        index = pd.to_datetime(df["timestamp"], utc=True).dt.tz_localize(None)
        cols[s] = pd.Series(df["Close"].to_numpy(), index=index)
    return pd.DataFrame(cols).sort_index()


def _history(frame: pd.DataFrame, bar: int) -> PriceHistory:
    epoch = (frame.index - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    series = {
        s: [(int(t), float(v)) for t, v in zip(epoch, frame[s], strict=True) if v == v]
        for s in frame.columns
    }
    return PriceHistory.from_series(series, bar_seconds=bar)


@pytest.fixture(scope="module")
def ftx(shared_data: Path) -> tuple[pd.DataFrame, PriceHistory]:
    frame = _ftx_frame(shared_data, FTX)
    return frame, _history(frame, 86_400)


@pytest.fixture(scope="module")
def perps(shared_data: Path) -> tuple[pd.DataFrame, PriceHistory]:
    frame = _ftx_frame(shared_data, PERPS)
    return frame, _history(frame, 86_400)


@pytest.fixture(scope="module")
def yahoo(shared_data: Path) -> tuple[pd.DataFrame, PriceHistory]:
    frame = _yahoo_frame(shared_data)
    return frame, _history(frame, HOUR)


def _rows(frame: pd.DataFrame, spec: str) -> np.ndarray:
    """Rebalance rows of a calendar rule, worked out with pandas."""
    n = len(frame)
    if spec == "hold":
        return np.array([0])
    if spec == "monthly":
        month = frame.index.to_period("M")
        return np.flatnonzero(np.r_[True, month[1:] != month[:-1]])
    return np.arange(0, n, int(spec.split(":")[1]))


def _vectorbt(
    frame: pd.DataFrame, weights: tuple[float, ...], rows: np.ndarray, fee: float, slip_bps: float
) -> Any:
    size = np.full(frame.shape, np.nan)
    size[rows] = weights
    return vbt.Portfolio.from_orders(
        frame,
        size=size,
        size_type="targetpercent",
        group_by=True,
        cash_sharing=True,
        call_seq="auto",
        fees=fee,
        slippage=slip_bps / 10_000,
        init_cash=10_000.0,
    )


def _assert_equal(ours: Any, pf: Any) -> None:
    value = pf.value().to_numpy()
    assert ours.equity.shape == value.shape
    np.testing.assert_allclose(ours.equity, value, rtol=REL, atol=0)
    assert ours.final_value == pytest.approx(float(value[-1]), rel=REL)
    records = pf.orders.records
    assert ours.n_orders == len(records)
    assert ours.total_fees == pytest.approx(float(records["fees"].sum()), rel=REL, abs=1e-9)
    # the same orders: row, asset and size (vectorbt records them column by column)
    theirs = sorted(zip(records["idx"].tolist(), records["col"].tolist(), strict=True))
    mine = sorted(zip(ours.orders.row.tolist(), ours.orders.asset.tolist(), strict=True))
    assert mine == theirs
    key = np.lexsort((records["col"], records["idx"]))
    sizes = np.where(records["side"] == 0, records["size"], -records["size"])[key]
    order = np.lexsort((ours.orders.asset, ours.orders.row))
    np.testing.assert_allclose(ours.orders.shares[order], sizes, rtol=REL, atol=1e-12)


CASES = [
    ("hold", 0.001, 0.0),
    ("monthly", 0.001, 5.0),
    ("every:7", 0.0025, 10.0),
    ("every:1", 0.001, 0.0),
    ("monthly", 0.0, 0.0),
]


@pytest.mark.parametrize(("spec", "fee", "slip"), CASES)
def test_ftx_daily_spot_equals_vectorbt(
    ftx: tuple[pd.DataFrame, PriceHistory], spec: str, fee: float, slip: float
) -> None:
    frame, history = ftx
    weights = dict(zip(frame.columns, FTX_W, strict=True))
    settings = BacktestSettings(fee_rate=fee, slippage_bps=slip)
    ours = run_backtest(history, weights, spec, settings, benchmarks=False).strategy
    _assert_equal(ours, _vectorbt(frame, FTX_W, _rows(frame, spec), fee, slip))


@pytest.mark.parametrize(("spec", "fee"), [("every:24", 0.001), ("monthly", 0.002)])
def test_yahoo_hourly_with_gaps_equals_vectorbt(
    yahoo: tuple[pd.DataFrame, PriceHistory], spec: str, fee: float
) -> None:
    frame, history = yahoo
    assert history.closes.shape[0] > len(frame)  # the grid has the gaps as empty rows
    weights = dict(zip(frame.columns, YAHOO_W, strict=True))
    settings = BacktestSettings(fee_rate=fee, slippage_bps=2)
    ours = run_backtest(history, weights, spec, settings, benchmarks=False).strategy
    _assert_equal(ours, _vectorbt(frame, YAHOO_W, _rows(frame, spec), fee, 2))


def test_perps_with_late_listings_equal_vectorbt(perps: tuple[pd.DataFrame, PriceHistory]) -> None:
    frame, history = perps
    w = tuple(np.full(len(frame.columns), 1 / len(frame.columns)))
    settings = BacktestSettings(fee_rate=0.0005)
    ours = run_backtest(
        history, dict(zip(frame.columns, w, strict=True)), "every:3", settings, benchmarks=False
    ).strategy
    assert frame.isna().to_numpy()[0].sum() >= 3  # several assets list later than BTC
    _assert_equal(ours, _vectorbt(frame, w, _rows(frame, "every:3"), 0.0005, 0.0))


@pytest.mark.parametrize("band", [0.02, 0.05])
def test_bands_equal_vectorbt_and_its_holdings_confirm_each_trigger(
    ftx: tuple[pd.DataFrame, PriceHistory], band: float
) -> None:
    frame, history = ftx
    weights = dict(zip(frame.columns, FTX_W, strict=True))
    settings = BacktestSettings(fee_rate=0.001, slippage_bps=5)
    ours = run_backtest(history, weights, f"bands:{band}", settings, benchmarks=False).strategy
    rows = ours.rebalance_rows
    assert 3 < rows.size < len(frame) // 3
    pf = _vectorbt(frame, FTX_W, rows, 0.001, 5)
    _assert_equal(ours, pf)
    # vectorbt's own holdings, valued at the close before each row's orders
    assets = pf.assets().to_numpy()
    before = np.vstack([np.zeros(assets.shape[1]), assets[:-1]])
    marks = frame.ffill().to_numpy()
    cash_before = np.r_[10_000.0, pf.cash().to_numpy()[:-1]]
    held_value = np.where(before != 0, before * marks, 0.0)
    weight = held_value / (cash_before + held_value.sum(axis=1))[:, None]
    drift = np.where(np.isnan(frame.to_numpy()), 0.0, np.abs(weight - np.array(FTX_W)))
    breach = (drift > band).any(axis=1)
    breach[0] = True
    assert np.flatnonzero(breach).tolist() == rows.tolist()
