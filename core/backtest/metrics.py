"""The risk engine's figures on a backtest's equity curve.

Nothing is re-implemented here: the equity curve is handed to :func:`core.risk.report.
compute_report` as a one-asset portfolio on the price grid, so volatility, Sharpe, Sortino,
CAGR, drawdown, Calmar, VaR/CVaR and beta to BTC follow ``core/risk/CONVENTIONS.md`` exactly
(365 periods a year, no return across a gap in the rows, and so on).
"""

from __future__ import annotations

import math

import numpy as np

from core.backtest.models import EquityMetrics
from core.risk.history import DAY, FloatArray, IntArray, PriceHistory
from core.risk.report import compute_report
from core.risk.settings import RiskConfig

EQUITY_SYMBOL = "portfolio"
"""Column name of the equity curve in the history handed to the risk engine."""


def on_grid(times: IntArray, values: FloatArray, bar_seconds: int) -> tuple[IntArray, FloatArray]:
    """Spread rows onto the regular grid of ``bar_seconds`` bars (NaN on bars without a row)."""
    if times.size == 0:
        return times, values
    grid = np.arange(times[0], times[-1] + bar_seconds, bar_seconds, dtype=np.int64)
    out = np.full((grid.size, *values.shape[1:]), np.nan)
    out[(times - times[0]) // bar_seconds] = values
    return grid, out


def equity_metrics(
    times: IntArray,
    equity: FloatArray,
    bar_seconds: int,
    btc: FloatArray | None = None,
    config: RiskConfig | None = None,
) -> EquityMetrics:
    """Figures of ``equity`` (one value per price row at ``times``); ``btc`` closes on the same
    rows give the beta."""
    config = (config or RiskConfig()).model_copy(update={"min_coverage": 1e-9})
    columns = [equity] if btc is None else [equity, btc]
    symbols = (EQUITY_SYMBOL,) if btc is None else (EQUITY_SYMBOL, "BTC")
    grid, closes = on_grid(times, np.column_stack(columns), bar_seconds)
    history = PriceHistory(symbols, grid, closes, bar_seconds)
    span_days = math.ceil(grid.size * bar_seconds / DAY) + 1
    report = compute_report(
        history,
        {EQUITY_SYMBOL: 1.0},
        {EQUITY_SYMBOL: "Others", "BTC": "BTC"},
        config,
        window_days=span_days,
        include_series=False,
    )
    return EquityMetrics(
        n_observations=report.n_observations,
        annualization=report.annualization,
        volatility=report.volatility,
        cagr=report.cagr,
        sharpe=report.sharpe,
        sortino=report.sortino,
        calmar=report.calmar,
        max_drawdown=report.max_drawdown,
        var=report.var,
        cvar=report.cvar,
        beta_btc=report.beta_btc,
    )
