"""The analytics screen's backtest panel: today's weights rebalanced monthly, after fees, against
the backtest engine's benchmarks (hold the initial weights, equal weight monthly, BTC alone).

Run on the same days of stored closes the attribution uses (:func:`core.attribution.recorded.
aligned_closes`), with :func:`core.backtest.run_backtest`; the curves are thinned to
:data:`POINTS` samples for the panel. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from core.errors import DataError
from core.models import Model

POINTS = 120
"""Samples kept of each curve (the panel draws at most a line's width of them)."""
FEE_RATE = 0.001
"""10 bp of traded notional per order: a typical taker fee, stated in the panel's title."""
REBALANCE = "monthly"


class BacktestCurve(Model):
    """One simulated portfolio: the growth of its starting cash over the days (1 = the cash)
    and its summary figures."""

    name: str
    growth: tuple[float, ...]
    total_return: float
    max_drawdown: float | None
    total_fees_usd: float
    n_orders: int


def portfolio_backtests(
    closes: Mapping[str, Sequence[tuple[datetime, float]]], weights: Mapping[str, float]
) -> tuple[BacktestCurve, ...]:
    """Today's ``weights`` rebalanced :data:`REBALANCE` over ``closes``, and the benchmarks."""
    from core.attribution.recorded import aligned_closes
    from core.backtest import BacktestSettings, run_backtest
    from core.risk.history import PriceHistory

    held = {a: w for a, w in weights.items() if w > 0 and a in closes}
    days, series = aligned_closes({a: closes[a] for a in held})
    held = {a: w for a, w in held.items() if a in series}  # an empty series has no days
    if not held or len(days) < 2:
        raise DataError("fewer than two days of stored closes: no backtest")
    total = sum(held.values())
    history = PriceHistory.from_series(
        {
            a: [
                (datetime(d.year, d.month, d.day, tzinfo=UTC), c)
                for d, c in zip(days, series[a], strict=True)
            ]
            for a in held
        }
    )
    settings = BacktestSettings(fee_rate=FEE_RATE)
    report = run_backtest(
        history, {a: w / total for a, w in held.items()}, REBALANCE, settings, name="strategy"
    )
    out = []
    for name, result in (("monthly", report.strategy), *report.benchmarks.items()):
        equity = result.equity.tolist()
        step = max(1, len(equity) // POINTS)
        kept = [*equity[::step][: POINTS - 1], equity[-1]]
        out.append(
            BacktestCurve(
                name=name,
                growth=tuple(v / settings.cash for v in kept),
                total_return=equity[-1] / settings.cash - 1.0,
                max_drawdown=result.metrics.max_drawdown,
                total_fees_usd=result.total_fees,
                n_orders=result.n_orders,
            )
        )
    return tuple(out)
