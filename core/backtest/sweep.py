"""Parameter sweeps: band widths × check periods × fee levels, all in one vectorised pass.

A configuration ``(band X, period N, fee f)`` checks the portfolio on rows 0, N, 2N... and
rebalances there when ``X`` is 0 or any asset's weight is more than ``X`` from target; so
``X = 0`` is ``every:N`` and ``N = 1`` is ``bands:X``, the single-run rules, which give the same
results (the tests check each configuration against :func:`run_backtest`).

Every configuration is a row of one ``(K, assets)`` state; the pass walks the price rows once
and rebalances, with :func:`core.backtest.kernel.rebalance`, the configurations due at each row.
The figures per configuration come from :mod:`core.risk.metrics` column-wise.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.backtest.engine import forward_marks
from core.backtest.kernel import rebalance
from core.backtest.models import BacktestSettings
from core.backtest.run import check_weights, weighted_closes
from core.csvsafe import csv_writer
from core.errors import DataError
from core.risk import metrics as m
from core.risk.history import BoolArray, FloatArray, IntArray, PriceHistory

HIGHER_IS_BETTER = ("final_value", "cagr", "sharpe", "sortino", "calmar")
LOWER_IS_BETTER = ("max_drawdown", "volatility", "total_fees", "turnover", "n_orders")
METRICS = HIGHER_IS_BETTER + LOWER_IS_BETTER
MAX_CONFIGS = 100_000


def _floats(text: str, what: str, low: float, high: float) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise DataError(f"{what}: {text!r} is not a comma-separated list of numbers") from None
    if not values or not all(low <= v < high for v in values):
        raise DataError(f"{what}: each value must be from {low:g} up to (not including) {high:g}")
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True, slots=True)
class SweepGrid:
    """The values swept; every combination is one configuration."""

    bands: tuple[float, ...]
    periods: tuple[int, ...]
    fees: tuple[float, ...]

    @classmethod
    def parse(cls, bands: str, periods: str, fees: str) -> SweepGrid:
        """From comma lists (``"0,0.05"``, ``"1,7,30"``, ``"0,0.001"``); DataError if bad."""
        p = _floats(periods, "--periods", 1, math.inf)
        if any(v != int(v) for v in p):
            raise DataError("--periods: rows between checks must be whole numbers")
        grid = cls(
            _floats(bands, "--bands", 0, 1),
            tuple(int(v) for v in p),
            _floats(fees, "--fee-levels", 0, 1),
        )
        if grid.size > MAX_CONFIGS:
            raise DataError(f"{grid.size} configurations: at most {MAX_CONFIGS:,}")
        return grid

    @property
    def size(self) -> int:
        return len(self.bands) * len(self.periods) * len(self.fees)

    def columns(self) -> tuple[FloatArray, IntArray, FloatArray]:
        """Band, period and fee of each configuration (bands vary slowest)."""
        combos = list(itertools.product(self.bands, self.periods, self.fees))
        return (
            np.array([c[0] for c in combos], dtype=np.float64),
            np.array([c[1] for c in combos], dtype=np.int64),
            np.array([c[2] for c in combos], dtype=np.float64),
        )


@dataclass(frozen=True, eq=False)
class SweepResult:
    """One row per configuration: its parameters and figures (NaN where undefined)."""

    band: FloatArray
    period: IntArray
    fee: FloatArray
    figures: dict[str, FloatArray]
    equity: FloatArray
    """(rows, configurations)."""

    def __len__(self) -> int:
        return int(self.band.shape[0])

    def sorted_by(self, metric: str) -> SweepResult:
        """Best first by ``metric`` (higher is better for returns and ratios, lower for risk,
        fees and trading); undefined values last."""
        if metric not in METRICS:
            raise DataError(f"--sort: unknown metric {metric!r}; one of {', '.join(METRICS)}")
        key = self.figures[metric]
        key = -key if metric in HIGHER_IS_BETTER else key
        order = np.argsort(np.where(np.isnan(key), np.inf, key), kind="stable")
        return SweepResult(
            self.band[order],
            self.period[order],
            self.fee[order],
            {k: v[order] for k, v in self.figures.items()},
            self.equity[:, order],
        )

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for i in range(len(self)):
            row: dict[str, Any] = {
                "band": float(self.band[i]),
                "period": int(self.period[i]),
                "fee": float(self.fee[i]),
            }
            for k in METRICS:
                v = float(self.figures[k][i])
                row[k] = (int(v) if k == "n_orders" else v) if math.isfinite(v) else None
            out.append(row)
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {"configurations": self.rows()}


def run_sweep(
    history: PriceHistory,
    weights: Mapping[str, float],
    grid: SweepGrid,
    settings: BacktestSettings | None = None,
    *,
    source: str | None = None,
) -> SweepResult:
    """Backtest ``weights`` under every configuration of ``grid`` in one pass over the rows.

    ``settings`` gives the cash, slippage and minimum trade (its fee rate is replaced by the
    grid's); the conventions are those of :func:`core.backtest.run_backtest`.
    """
    settings = settings or BacktestSettings()
    w = check_weights(history, weights, source)
    rows, closes = weighted_closes(history, list(w))
    band, period, fee = grid.columns()
    equity, fees, orders, traded = simulate_many(
        closes, np.array(list(w.values())), band, period, fee, settings
    )
    times = history.times[rows]
    figures = _figures(times, equity, history.bar_seconds, history.periods_per_year)
    figures["total_fees"] = fees
    figures["n_orders"] = orders.astype(np.float64)
    mean_equity = equity.mean(axis=0)
    figures["turnover"] = np.where(mean_equity > 0, traded / mean_equity, np.nan)
    return SweepResult(band, period, fee, figures, equity)


def simulate_many(
    closes: FloatArray,
    targets: FloatArray,
    band: FloatArray,
    period: IntArray,
    fee: FloatArray,
    settings: BacktestSettings,
    rebalanced: BoolArray | None = None,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """Equity (rows, K), total fees (K,), order counts (K,) and traded notional (K,) of K
    configurations over ``closes`` (rows, assets); ``rebalanced`` (rows, K), when given, is
    set where a configuration rebalanced."""
    t, a = closes.shape
    k = band.shape[0]
    marks = forward_marks(closes)
    marks0 = np.nan_to_num(marks)
    priced = ~np.isnan(closes)
    positions = np.zeros((k, a))
    cash = np.full(k, settings.cash)
    equity = np.empty((t, k))
    fees = np.zeros(k)
    orders = np.zeros(k, dtype=np.int64)
    traded = np.zeros(k)
    banded = band > 0
    for row in range(t):
        due = (row % period) == 0
        if row > 0 and banded.any():
            check = due & banded
            if check.any():
                idx = np.flatnonzero(check)
                values = positions[idx] * marks0[row]
                total = cash[idx] + values.sum(axis=1)
                drift = np.abs(values / total[:, None] - targets)
                drift[:, ~priced[row]] = 0.0
                due[idx] = (drift > band[idx, None]).any(axis=1)
        act = np.flatnonzero(due)
        if rebalanced is not None:
            rebalanced[row] = due
        if act.size:
            q, c, fills = rebalance(
                positions[act],
                cash[act],
                np.broadcast_to(targets, (act.size, a)),
                closes[row],
                marks[row],
                fee[act],
                settings.slippage,
                settings.min_trade,
            )
            positions[act] = q
            cash[act] = c
            fees[act] += fills.fees.sum(axis=1)
            orders[act] += fills.filled.sum(axis=1)
            traded[act] += fills.notional.sum(axis=1)
        equity[row] = cash + positions @ marks0[row]
    return equity, fees, orders, traded


def _figures(
    times: IntArray, equity: FloatArray, bar_seconds: int, periods_per_year: float
) -> dict[str, FloatArray]:
    """Per-configuration figures from :mod:`core.risk.metrics`, on returns between adjacent
    bars (none across a gap in the rows), as the risk report computes them."""
    adjacent = np.diff(times) == bar_seconds
    returns = (equity[1:] / equity[:-1] - 1.0)[adjacent]
    cagr = m.cagr(returns, periods_per_year)
    mdd = m.max_drawdown(returns)
    with np.errstate(divide="ignore", invalid="ignore"):
        calmar = np.where(mdd > 0, cagr / mdd, np.nan)
    return {
        "final_value": equity[-1].copy(),
        "cagr": cagr,
        "volatility": m.volatility(returns, periods_per_year),
        "sharpe": m.sharpe(returns, periods_per_year),
        "sortino": m.sortino(returns, periods_per_year),
        "max_drawdown": mdd,
        "calmar": calmar,
    }


def _cell(value: float | None, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "usd":
        return f"{value:,.2f}"
    return f"{value:.2f}"


SHOWN = 20
"""Configurations the text table shows (JSON and CSV have them all)."""


def format_sweep(result: SweepResult) -> str:
    """The best :data:`SHOWN` configurations as a text table."""
    head = (
        f"  {'band':>6}{'period':>7}{'fee':>8}{'final':>12}{'CAGR':>8}{'vol':>8}"
        f"{'Sharpe':>8}{'Sortino':>8}{'max DD':>8}{'fees':>10}{'orders':>8}{'turnover':>9}"
    )
    lines = [f"Sweep: {len(result)} configurations", "", head]
    for row in result.rows()[:SHOWN]:
        lines.append(
            f"  {row['band']:>6g}{row['period']:>7}{row['fee']:>8g}"
            f"{_cell(row['final_value'], 'usd'):>12}{_cell(row['cagr'], 'pct'):>8}"
            f"{_cell(row['volatility'], 'pct'):>8}{_cell(row['sharpe'], 'x'):>8}"
            f"{_cell(row['sortino'], 'x'):>8}{_cell(row['max_drawdown'], 'pct'):>8}"
            f"{_cell(row['total_fees'], 'usd'):>10}{row['n_orders']:>8}"
            f"{_cell(row['turnover'], 'x'):>9}"
        )
    if len(result) > SHOWN:
        lines.append(f"  ... {len(result) - SHOWN} more (--csv or --json for all)")
    return "\n".join(lines) + "\n"


def sweep_csv(result: SweepResult) -> str:
    """All configurations, one CSV row each, in the result's order."""
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow(["band", "period", "fee", *METRICS])
    for row in result.rows():
        writer.writerow(["" if v is None else v for v in row.values()])
    return buf.getvalue()
