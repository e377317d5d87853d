"""The backtest engine on small portfolios worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from core.backtest import BacktestSettings, parse_rule, run_backtest
from core.backtest.engine import simulate, simulate_rows
from core.backtest.rules import calendar_rows, month_starts
from core.errors import DataError
from core.risk.history import DAY, PriceHistory

T0 = 1_640_995_200  # 2022-01-01 00:00 UTC


def _history(closes: list[list[float]], symbols: tuple[str, ...] = ("A", "B")) -> PriceHistory:
    times = T0 + DAY * np.arange(len(closes), dtype=np.int64)
    return PriceHistory(symbols, times, np.array(closes, dtype=np.float64), DAY)


def test_two_assets_with_fees_cut_the_last_buy_to_the_cash_left() -> None:
    """Cash 1000, 50/50 in A (10 -> 12) and B (20 -> 18), fee 1 %, rebalanced every row."""
    h = _history([[10.0, 20.0], [12.0, 18.0]])
    report = run_backtest(
        h, {"A": 0.5, "B": 0.5}, "every:1", BacktestSettings(cash=1000, fee_rate=0.01)
    )
    s = report.strategy
    # Row 0: both orders are worth 500; ties keep column order, so A first: 50 shares for
    # 500 + 5 fee. B then finds 495 and is cut: 495 / 1.01 of notional, the rest is fee.
    b0 = 495 / 1.01 / 20
    assert s.equity[0] == pytest.approx(50 * 10 + b0 * 20, rel=1e-12)
    # Row 1: V = 50*12 + b0*18; A is above target and sells first, B buys with the proceeds.
    v1 = 50 * 12 + b0 * 18
    a1 = v1 / 2 / 12
    proceeds = (50 - a1) * 12 * (1 - 0.01)
    b1 = b0 + proceeds / 1.01 / 18  # the buy wants (v1/2)/18 - b0 shares but is cut
    assert (v1 / 2 / 18 - b0) * 18 * 1.01 > proceeds
    assert s.equity[1] == pytest.approx(a1 * 12 + b1 * 18, rel=1e-12)
    assert s.cash[1] == 0.0
    assert s.n_orders == 4
    fees = 5 + (495 - 495 / 1.01) + (50 - a1) * 12 * 0.01 + (proceeds - proceeds / 1.01)
    assert s.total_fees == pytest.approx(fees, rel=1e-12)
    # the fills are the orders: sells before buys within a row
    assert s.orders.row.tolist() == [0, 0, 1, 1]
    assert s.orders.asset.tolist() == [0, 1, 0, 1]
    assert (s.orders.shares[2] < 0) and (s.orders.shares[3] > 0)


def test_slippage_moves_the_fill_price_against_the_order() -> None:
    h = _history([[10.0, 20.0], [12.0, 18.0]])
    rep = run_backtest(h, {"A": 1.0, "B": 0.0}, "hold", BacktestSettings(slippage_bps=50))
    o = rep.strategy.orders
    assert o.price.tolist() == pytest.approx([10 * 1.005])
    assert rep.strategy.final_value == pytest.approx(10_000 / 10.05 * 12, rel=1e-12)


def test_min_trade_skips_small_orders() -> None:
    h = _history([[10.0, 20.0], [10.1, 20.0], [15.0, 20.0]])
    settings = BacktestSettings(min_trade=100)
    rep = run_backtest(h, {"A": 0.5, "B": 0.5}, "every:1", settings)
    # row 1 drifts A by 0.5 % (25 USD each way): skipped; row 2 by 25 %: traded
    assert rep.strategy.orders.row.tolist() == [0, 0, 2, 2]


def test_a_row_without_close_does_not_trade_that_asset() -> None:
    nan = float("nan")
    h = _history([[10.0, nan], [10.0, 20.0], [10.0, 20.0]])
    rep = run_backtest(h, {"A": 0.5, "B": 0.5}, "every:1", BacktestSettings())
    s = rep.strategy
    assert s.orders.row.tolist() == [0, 1]  # B first trades at row 1
    assert s.cash[0] == pytest.approx(5000.0)  # B's share waits in cash
    assert s.equity.tolist() == pytest.approx([10_000.0] * 3)


def test_hold_never_trades_after_the_first_close() -> None:
    h = _history([[10.0, 20.0], [20.0, 20.0], [40.0, 10.0]])
    rep = run_backtest(h, {"A": 0.5, "B": 0.5}, "hold")
    assert rep.strategy.orders.row.tolist() == [0, 0]
    assert rep.strategy.equity[-1] == pytest.approx(500 * 40 + 250 * 10)


def test_bands_rebalance_only_when_a_weight_leaves_its_band() -> None:
    # A doubles at row 2: weights 2/3 vs 1/3, 16.7 points from target
    h = _history([[10.0, 10.0], [10.5, 10.0], [20.0, 10.0], [20.0, 10.0]])
    narrow = run_backtest(h, {"A": 0.5, "B": 0.5}, "bands:0.01").strategy
    assert narrow.rebalance_rows.tolist() == [0, 1, 2]  # row 1 drifts 1.2 points
    wide = run_backtest(h, {"A": 0.5, "B": 0.5}, "bands:0.05").strategy
    assert wide.rebalance_rows.tolist() == [0, 2]
    wider = run_backtest(h, {"A": 0.5, "B": 0.5}, "bands:0.2").strategy
    assert wider.rebalance_rows.tolist() == [0]


def test_band_scan_over_many_rows_matches_rebalancing_at_the_rows_it_found() -> None:
    rng = np.random.default_rng(7)
    closes = np.exp(np.cumsum(rng.normal(0, 0.03, (600, 4)), axis=0)) * 100
    times = T0 + DAY * np.arange(600, dtype=np.int64)
    w = np.array([0.4, 0.3, 0.2, 0.1])
    settings = BacktestSettings(fee_rate=0.002)
    banded = simulate(closes, times, lambda _r: w, parse_rule("bands:0.03"), settings)
    again = simulate_rows(closes, lambda _r: w, banded.rebalance_rows, settings)
    np.testing.assert_array_equal(banded.equity, again.equity)
    # every row between rebalances is inside the band, every rebalance row outside it
    eq = again.equity
    rows = set(banded.rebalance_rows.tolist())
    held = np.zeros(4)
    cash = settings.cash
    for t in range(600):
        if t in rows and t > 0:
            drift = np.abs(held * closes[t] / (cash + held @ closes[t]) - w).max()
            assert drift > 0.03
        elif t > 0:
            drift = np.abs(held * closes[t] / eq[t] - w).max()
            assert drift <= 0.03
        if t in rows:
            mask = again.orders.row == t
            held = held.copy()
            np.add.at(held, again.orders.asset[mask], again.orders.shares[mask])
            cash = eq[t] - held @ closes[t]


def test_rules_parse_and_name_the_bad_ones() -> None:
    assert parse_rule("every:5").every == 5
    assert parse_rule("bands:0.05").band == 0.05
    assert parse_rule(" Monthly ").spec == "monthly"
    for bad in ("every:0", "every:x", "bands:1.5", "bands:", "yearly", "bands:nan"):
        with pytest.raises(DataError, match="rebalance"):
            parse_rule(bad)


def test_monthly_is_the_first_row_of_each_month() -> None:
    times = np.array([T0 - DAY, T0, T0 + DAY, T0 + 31 * DAY, T0 + 40 * DAY], dtype=np.int64)
    assert month_starts(times).tolist() == [True, True, False, True, False]
    assert calendar_rows(times, parse_rule("every:2")).tolist() == [0, 2, 4]
    assert calendar_rows(times, parse_rule("hold")).tolist() == [0]


def test_bad_weights_are_refused() -> None:
    h = _history([[10.0, 20.0], [12.0, 18.0]])
    with pytest.raises(DataError, match=r"sum to 0\.9"):
        run_backtest(h, {"A": 0.5, "B": 0.4})
    with pytest.raises(DataError, match="unknown symbol 'C'"):
        run_backtest(h, {"A": 0.5, "C": 0.5})


def test_benchmarks_run_beside_the_strategy() -> None:
    h = _history([[10.0, 20.0], [12.0, 18.0], [11.0, 30.0]], ("BTC-USD", "ETH-USD"))
    rep = run_backtest(h, {"BTC-USD": 0.8, "ETH-USD": 0.2}, "every:1")
    assert set(rep.benchmarks) == {"hold", "equal_weight", "btc"}
    assert rep.benchmarks["btc"].final_value == pytest.approx(10_000 / 10 * 11)
    assert rep.benchmarks["hold"].final_value == pytest.approx(800 * 11 + 100 * 30)
    doc = rep.to_json_dict()
    assert list(doc)[:8] == [
        "final_value",
        "total_fees",
        "n_orders",
        "turnover",
        "equity",
        "metrics",
        "benchmarks",
        "conventions",
    ]
    assert doc["equity"][0] == ["2022-01-01", 10_000.0]
    assert doc["metrics"]["beta_btc"] is not None
