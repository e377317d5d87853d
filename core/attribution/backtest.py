"""Attribution of a backtest against its benchmark, by group: what ``cockpit attribution
--prices`` prints.

Both portfolios come from :func:`core.backtest.run_backtest` (the strategy rebalanced by its
rule, the benchmark holding the initial weights). Each portfolio's positions are its orders
summed up to a row; a period runs from one price row's close to the next, with the weights of
each group (and of cash, its own segment earning nothing) at the first close and each group's
return from the closes (a missing close is the last one before it). Effects are therefore
**before trading costs**: fees and slippage paid at a close are not a return of any segment,
and the backtest reports them. Daily rows are rolled up to calendar months (hourly rows to
days), effects linked; the periods are linked with the chosen method. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from itertools import groupby

import numpy as np

from core.attribution.brinson import Attribution, PeriodAttribution, SegmentInput, attribute_period
from core.attribution.linking import LinkMethod, attribute, roll_up
from core.backtest.engine import forward_marks
from core.backtest.models import BacktestResult
from core.backtest.run import weighted_closes
from core.errors import DataError
from core.risk.history import DAY, PriceHistory

CASH = "cash"
"""The segment of uninvested cash."""


def _group_weights_and_returns(
    result: BacktestResult, history: PriceHistory, groups: Mapping[str, str]
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Per period (row t-1 -> t): weight of each segment at t-1's close and its return."""
    _, closes = weighted_closes(history, result.symbols)
    marks = forward_marks(closes)
    rows, assets = marks.shape
    positions = np.zeros((rows, assets))
    np.add.at(positions, (result.orders.row, result.orders.asset), result.orders.shares)
    positions = np.cumsum(positions, axis=0)
    values = np.nan_to_num(positions * marks)
    weights: list[dict[str, float]] = []
    returns: list[dict[str, float]] = []
    names = [groups.get(s, s) for s in result.symbols]
    for t in range(1, rows):
        equity = float(result.equity[t - 1])
        if equity <= 0:
            raise DataError(f"{result.name}: no value left at row {t - 1}: nothing to attribute")
        w: dict[str, float] = {CASH: float(result.cash[t - 1]) / equity}
        gain: dict[str, float] = {CASH: 0.0}
        for a, group in enumerate(names):
            held = float(values[t - 1, a])
            if held == 0.0:
                continue
            move = float(positions[t - 1, a] * (marks[t, a] - marks[t - 1, a]))
            w[group] = w.get(group, 0.0) + held / equity
            gain[group] = gain.get(group, 0.0) + move / equity
        weights.append(w)
        returns.append({g: gain[g] / w[g] if w[g] else 0.0 for g in w})
    return weights, returns


def backtest_attribution(
    strategy: BacktestResult,
    benchmark: BacktestResult,
    history: PriceHistory,
    groups: Mapping[str, str],
    method: LinkMethod = "carino",
) -> Attribution:
    """The strategy against the benchmark, by group (see the module docstring)."""
    if not np.array_equal(strategy.times, benchmark.times):
        raise DataError("the strategy and its benchmark do not share their price rows")
    wp, rp = _group_weights_and_returns(strategy, history, groups)
    wb, rb = _group_weights_and_returns(benchmark, history, groups)
    if not wp:
        raise DataError("one price row: nothing to attribute")
    daily = history.bar_seconds >= DAY
    periods: list[PeriodAttribution] = []
    for t in range(len(wp)):
        stamp = datetime.fromtimestamp(int(strategy.times[t + 1]), UTC)
        label = stamp.date().isoformat() if daily else stamp.isoformat(timespec="minutes")
        segments = sorted(set(wp[t]) | set(wb[t]))
        rows = []
        for g in segments:
            bench_ret = rb[t].get(g, rp[t].get(g, 0.0))
            rows.append(
                SegmentInput(
                    segment=g,
                    portfolio_weight=wp[t].get(g, 0.0),
                    portfolio_return=rp[t].get(g, bench_ret),
                    benchmark_weight=wb[t].get(g, 0.0),
                    benchmark_return=bench_ret,
                )
            )
        periods.append(attribute_period(label, rows))
    size = 7 if daily else 10  # YYYY-MM of days, YYYY-MM-DD of hours
    rolled = [
        roll_up(list(days), key, method)
        for key, days in groupby(periods, lambda p: p.period[:size])
    ]
    return attribute(rolled, method)
