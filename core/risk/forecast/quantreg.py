"""Linear quantile regression of the return on realised-volatility lags (a learned VaR model).

The candidate the HAR model was chosen against: instead of a variance forecast times a tail,
the level-``b`` VaR is regressed directly, ``q_t = x_t β`` with
``x_t = [1, √RV_{t-1}, √mean RV_{t-7..t-1}, √mean RV_{t-30..t-1}]`` (the HAR lags, as
volatilities), ``β`` minimising the tick loss at ``α = 1 - b`` (Koenker-Bassett, solved as a
linear programme by HiGHS); VaR ``= max(-q_t, 0)``. ES is VaR times the mean ratio of loss to
fitted VaR on the in-sample exceedance days (the normal's ratio when there are none); the
``σ`` the ES test scales by is the 99 % VaR over ``Φ⁻¹(0.99)``. Refitted every
``refit_every`` days on an expanding window like the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, identity

from core.errors import DataError
from core.risk.forecast.garch import MIN_TRAIN, REFIT_EVERY
from core.risk.forecast.tails import Forecasts, normal_tail
from core.risk.history import FloatArray

LAGS = (1, 7, 30)


def _features(rv: FloatArray) -> FloatArray:
    """Row ``t`` holds the regressors for day ``t`` (``t = 0 .. n``); NaN before day 30."""
    n = rv.shape[0]
    csum = np.concatenate([[0.0], np.cumsum(rv)])
    out = np.full((n + 1, len(LAGS) + 1), np.nan)
    t = np.arange(max(LAGS), n + 1)
    out[t, 0] = 1.0
    for j, lag in enumerate(LAGS, start=1):
        out[t, j] = np.sqrt((csum[t] - csum[t - lag]) / lag)
    return out


def quantile_fit(x: FloatArray, y: FloatArray, alpha: float) -> FloatArray:
    """``β`` minimising ``Σ ρ_α(y - xβ)``: ``min α 1'u + (1-α) 1'v`` s.t. ``xβ + u - v = y``."""
    n, p = x.shape
    cost = np.concatenate([np.zeros(p), np.full(n, alpha), np.full(n, 1.0 - alpha)])
    eye = identity(n, format="csr")
    a_eq = hstack([csr_matrix(x), eye, -eye], format="csr")
    bounds = [(None, None)] * p + [(0, None)] * (2 * n)
    result = linprog(cost, A_eq=a_eq, b_eq=y, bounds=bounds, method="highs")
    if result.status != 0:
        raise DataError(f"the quantile regression did not solve: {result.message}")
    return np.asarray(result.x[:p], dtype=np.float64)


def quantreg_forecasts(
    returns: FloatArray,
    rv: FloatArray | None,
    levels: Sequence[float],
    *,
    start: int = MIN_TRAIN,
    refit_every: int = REFIT_EVERY,
) -> Forecasts:
    """Rolling quantile-regression VaR from row ``start`` (``rv`` None: squared returns)."""
    n = returns.shape[0]
    realised = returns**2 if rv is None else rv
    if n < start + 1 or start < max(LAGS) + 10:
        raise DataError(f"{n} returns: QR needs more than {max(start, max(LAGS) + 10)}")
    x = _features(realised)
    count = n - start + 1
    var = {b: np.empty(count) for b in levels}
    es = {b: np.empty(count) for b in levels}
    for block in range(start, n + 1, refit_every):
        stop = min(block + refit_every, n + 1)
        rows = np.arange(max(LAGS), block)
        out = slice(block - start, stop - start)
        for b in levels:
            beta = quantile_fit(x[rows], returns[rows], 1.0 - b)
            fitted = np.maximum(-(x[rows] @ beta), 1e-12)
            loss = -returns[rows]
            hit = loss > fitted
            z, tail = normal_tail(b)
            ratio = float(np.mean(loss[hit] / fitted[hit])) if hit.any() else tail / z
            ahead = np.maximum(-(x[block:stop] @ beta), 0.0)
            var[b][out] = ahead
            es[b][out] = ahead * ratio
    scale_level = 0.99 if 0.99 in var else max(levels)
    z_scale, _ = normal_tail(scale_level)
    sigma = np.maximum(var[scale_level] / z_scale, 1e-12)
    return Forecasts("qr", start, sigma, var, es)
