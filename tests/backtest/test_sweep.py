"""Sweeps: every configuration of the one vectorised pass equals its own single backtest."""

from __future__ import annotations

import numpy as np
import pytest

from core.backtest import BacktestSettings, RebalanceRule, run_backtest
from core.backtest.sweep import SweepGrid, run_sweep
from core.errors import DataError
from core.risk.history import DAY, PriceHistory

T0 = 1_640_995_200


@pytest.fixture(scope="module")
def history() -> PriceHistory:
    rng = np.random.default_rng(11)
    closes = np.exp(np.cumsum(rng.normal(0.0005, 0.04, (400, 5)), axis=0)) * [30, 2, 300, 1, 9]
    closes[:60, 4] = np.nan  # a late listing
    closes[200:205, 2] = np.nan  # a gap in one asset
    times = T0 + DAY * np.arange(400, dtype=np.int64)
    return PriceHistory(("BTC", "ETH", "BNB", "XRP", "NEW"), times, closes, DAY)


WEIGHTS = {"BTC": 0.35, "ETH": 0.25, "BNB": 0.15, "XRP": 0.15, "NEW": 0.1}


def test_each_configuration_equals_its_single_backtest(history: PriceHistory) -> None:
    grid = SweepGrid(bands=(0.0, 0.03, 0.08), periods=(1, 5, 30), fees=(0.0, 0.002))
    settings = BacktestSettings(slippage_bps=3, cash=5_000)
    sweep = run_sweep(history, WEIGHTS, grid, settings)
    assert len(sweep) == 18
    for i in range(len(sweep)):
        band, period, fee = float(sweep.band[i]), int(sweep.period[i]), float(sweep.fee[i])
        rule = (
            RebalanceRule("bands", every=period, band=band)
            if band > 0
            else RebalanceRule("every", every=period)
        )
        single = run_backtest(
            history,
            WEIGHTS,
            rule,
            settings.model_copy(update={"fee_rate": fee}),
            benchmarks=False,
        ).strategy
        np.testing.assert_allclose(sweep.equity[:, i], single.equity, rtol=1e-12)
        f = sweep.figures
        assert f["n_orders"][i] == single.n_orders
        assert f["total_fees"][i] == pytest.approx(single.total_fees, rel=1e-12, abs=1e-12)
        assert f["turnover"][i] == pytest.approx(single.turnover, rel=1e-12)
        for name in ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar"):
            assert f[name][i] == pytest.approx(getattr(single.metrics, name), rel=1e-9), name


def test_sorted_best_first_and_bad_metric_named(history: PriceHistory) -> None:
    grid = SweepGrid(bands=(0.0, 0.05), periods=(1, 10), fees=(0.001,))
    sweep = run_sweep(history, WEIGHTS, grid)
    by_sharpe = sweep.sorted_by("sharpe").figures["sharpe"]
    assert list(by_sharpe) == sorted(by_sharpe, reverse=True)
    by_dd = sweep.sorted_by("max_drawdown").figures["max_drawdown"]
    assert list(by_dd) == sorted(by_dd)
    with pytest.raises(DataError, match="unknown metric 'alpha'"):
        sweep.sorted_by("alpha")


@pytest.mark.parametrize(
    ("bands", "periods", "fees", "message"),
    [
        ("0,1.5", "1", "0", "--bands"),
        ("0", "0", "0", "--periods"),
        ("0", "2.5", "0", "--periods"),
        ("0", "1", "x", "--fee-levels"),
    ],
)
def test_grid_errors_name_the_option(bands: str, periods: str, fees: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        SweepGrid.parse(bands, periods, fees)
