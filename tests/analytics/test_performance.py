"""The analytics screen's figures computed in the core: monthly returns, thinning-free equity
samples, the backtest panel's curves."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from core.pnl.backtests import FEE_RATE, portfolio_backtests
from core.pnl.performance import monthly_returns, samples


def test_monthly_returns_compound_days_within_each_month() -> None:
    days = [
        (date(2024, 1, 30), 0.10),
        (date(2024, 1, 31), -0.10),  # January: 1.1 * 0.9 - 1 = -0.01
        (date(2024, 2, 1), 0.05),  # February: +5 %
    ]
    months = monthly_returns(days)
    assert [(m.year, m.month) for m in months] == [(2024, 1), (2024, 2)]
    assert months[0].value == pytest.approx(-0.01, abs=1e-15)
    assert months[1].value == pytest.approx(0.05, abs=1e-15)


def test_samples_carry_drawdown_from_the_running_peak() -> None:
    curve = [(date(2024, 1, d), v) for d, v in ((1, 100.0), (2, 120.0), (3, 90.0), (4, 130.0))]
    out = samples(curve, [None, 0.2, -0.25, 130 / 90 - 1])
    assert [s.drawdown for s in out] == pytest.approx([0.0, 0.0, -0.25, 0.0])


def test_backtest_curves_hold_and_monthly_on_a_doubling_market() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    # Both assets flat for 40 days, then both double: every portfolio of them doubles, less
    # its fees (10 bp of the first purchase, about 0.1 % of the cash).
    closes = {
        a: [(start + timedelta(days=i), p * (1 if i < 40 else 2)) for i in range(80)]
        for a, p in (("BTC", 40_000.0), ("ETH", 2_000.0))
    }
    curves = portfolio_backtests(closes, {"BTC": 0.5, "ETH": 0.5})
    by_name = {c.name: c for c in curves}
    assert curves[0].name == "monthly"
    hold = by_name["hold"]
    assert hold.total_return == pytest.approx(1.0, abs=3 * FEE_RATE)
    assert hold.total_return < 1.0  # the fee is paid
    assert hold.total_fees_usd == pytest.approx(10_000 * FEE_RATE, rel=0.01)
    assert math.isclose(hold.growth[-1], 1 + hold.total_return, rel_tol=1e-12)
    assert by_name["monthly"].n_orders >= hold.n_orders
