"""The live risk summary for the risk pane, from recorded daily closes and current weights.

Conventions: simple daily returns; constant weights (Σ wᵢ·rᵢ) over the common window of the
assets that have history; annualisation 365; sample standard deviation; risk-free 0; historical
VaR as the order statistic of losses and CVaR as the mean of the losses beyond it; drawdown
compounded from 1.0, reported as a positive fraction. Assets without history are reported as
missing coverage, never zero-padded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import numpy as np
import numpy.typing as npt

from core.views import RiskView

ANNUALIZATION = 365
CASH = ("USD", "EUR")


def _returns_matrix(
    closes: Mapping[str, Sequence[tuple[date, float]]], assets: Sequence[str], window: int
) -> tuple[npt.NDArray[np.float64], list[str]]:
    """Aligned simple returns (rows: days, cols: assets) over dates every asset has."""
    common: set[date] | None = None
    for a in assets:
        days = {d for d, _ in closes[a]}
        common = days if common is None else common & days
    if not common:
        return np.empty((0, 0)), []
    dates = sorted(common)[-(window + 1) :]
    index = {d: i for i, d in enumerate(dates)}
    matrix = np.full((len(dates), len(assets)), np.nan)
    for j, a in enumerate(assets):
        for d, c in closes[a]:
            i = index.get(d)
            if i is not None:
                matrix[i, j] = c
    returns = matrix[1:] / matrix[:-1] - 1.0
    return returns, list(assets)


def compute_risk_view(
    closes: Mapping[str, Sequence[tuple[date, float]]],
    weights: Mapping[str, float],
    now: datetime,
    window_days: int = 365,
) -> RiskView:
    """Risk summary for a portfolio of ``weights`` (fractions of value, any sum)."""
    # Cash has no price risk: a constant series, so it dilutes risk instead of being "missing".
    closes = dict(closes)
    for cash in CASH:
        if cash in weights and cash not in closes:
            closes[cash] = [(d, 1.0) for d, _ in max(closes.values(), key=len, default=[])]
    total_weight = sum(weights.values())
    covered = [a for a, w in weights.items() if w > 0 and len(closes.get(a, ())) > 2]
    coverage = sum(weights[a] for a in covered) / total_weight if total_weight else 0.0
    notes = []
    missing = sorted(a for a, w in weights.items() if w > 0 and a not in covered)
    if missing:
        notes.append(f"no history: {', '.join(missing[:6])}{'…' if len(missing) > 6 else ''}")
    returns, assets = _returns_matrix(closes, covered, window_days)
    empty = RiskView(
        as_of=now,
        n_observations=0,
        annualization=ANNUALIZATION,
        volatility=None,
        sharpe=None,
        sortino=None,
        max_drawdown=None,
        var_95=None,
        cvar_95=None,
        var_99=None,
        cvar_99=None,
        coverage=coverage,
        notes=tuple(notes),
    )
    if len(returns) < 3 or not assets:
        return empty
    w = np.array([weights[a] for a in assets])
    w = w / w.sum()
    port = returns @ w
    n = len(port)
    mean = float(port.mean())
    sd = float(port.std(ddof=1))
    downside = float(np.sqrt(np.mean(np.minimum(port, 0.0) ** 2)))
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + port)))
    drawdown = 1.0 - wealth / np.maximum.accumulate(wealth)
    losses = np.sort(-port)

    def var_cvar(level: float) -> tuple[float, float]:
        k = math.ceil(level * n) - 1
        var = float(losses[k])
        return var, float(losses[k:].mean())

    var95, cvar95 = var_cvar(0.95)
    var99, cvar99 = var_cvar(0.99)
    root = math.sqrt(ANNUALIZATION)
    return empty.model_copy(
        update={
            "n_observations": n,
            "volatility": sd * root,
            "sharpe": mean / sd * root if sd > 0 else None,
            "sortino": mean / downside * root if downside > 0 else None,
            "max_drawdown": float(drawdown.max()),
            "var_95": var95,
            "cvar_95": cvar95,
            "var_99": var99,
            "cvar_99": cvar99,
            "drawdown": tuple(float(x) for x in drawdown[-120:]),
        }
    )
