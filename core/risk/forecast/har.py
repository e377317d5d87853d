"""HAR of realised variance (Corsi 2009), the learned model.

The daily realised variance ``RV_t`` is the sum of the day's squared hourly portfolio returns
when the history is hourly; with daily closes only it falls back to ``r_t²`` (and is then no
better informed than GARCH: the model earns its place on intraday data). On logs, so the
forecast is positive:

    log(RV_t + f) = c + β_d log(RV_{t-1} + f) + β_w log(mean RV_{t-7..t-1} + f)
                      + β_m log(mean RV_{t-30..t-1} + f) + ε_t

fitted by least squares on every earlier day (``f`` a floor, 10⁻⁴ of the training mean, keeps
flat days finite). The forecast scale is ``σ̂_t = sqrt(exp(fitted))``; VaR and ES are ``σ̂_t``
times the empirical tail of the standardised in-sample returns ``r_t / σ̂_t``, which also
absorbs the bias of exponentiating a log forecast. Refitted on an expanding window every
``refit_every`` days, like GARCH. Lags are counted in sample days: a day missing from the
history (a gap) is skipped, not filled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.errors import DataError
from core.risk.forecast.garch import MIN_TRAIN, REFIT_EVERY
from core.risk.forecast.tails import Forecasts, empirical_tail
from core.risk.history import FloatArray

LAGS = (1, 7, 30)
"""Daily, weekly and monthly components (crypto trades seven days a week)."""


def _features(rv: FloatArray, floor: float) -> FloatArray:
    """Row ``t`` holds the regressors for day ``t`` (``t = 0 .. n``); NaN before day 30."""
    n = rv.shape[0]
    csum = np.concatenate([[0.0], np.cumsum(rv)])
    out = np.full((n + 1, len(LAGS) + 1), np.nan)
    t = np.arange(max(LAGS), n + 1)
    out[t, 0] = 1.0
    for j, lag in enumerate(LAGS, start=1):
        out[t, j] = np.log((csum[t] - csum[t - lag]) / lag + floor)
    return out


def har_forecasts(
    returns: FloatArray,
    rv: FloatArray | None,
    levels: Sequence[float],
    *,
    start: int = MIN_TRAIN,
    refit_every: int = REFIT_EVERY,
) -> Forecasts:
    """Rolling HAR forecasts from row ``start`` (``rv`` None: squared daily returns)."""
    n = returns.shape[0]
    realised = returns**2 if rv is None else rv
    if realised.shape != returns.shape:
        raise DataError("realised variance and returns differ in length")
    if n < start + 1 or start < max(LAGS) + 10:
        raise DataError(f"{n} returns: HAR needs more than {max(start, max(LAGS) + 10)}")
    count = n - start + 1
    sigma = np.empty(count)
    var = {b: np.empty(count) for b in levels}
    es = {b: np.empty(count) for b in levels}
    for block in range(start, n + 1, refit_every):
        stop = min(block + refit_every, n + 1)
        floor = max(1e-4 * float(np.mean(realised[:block])), 1e-18)
        x = _features(realised, floor)
        rows = np.arange(max(LAGS), block)
        y = np.log(realised[rows] + floor)
        coef, *_ = np.linalg.lstsq(x[rows], y, rcond=None)
        fitted = np.sqrt(np.exp(x[rows] @ coef))
        ahead = np.sqrt(np.exp(x[block:stop] @ coef))
        z = returns[rows] / fitted
        out = slice(block - start, stop - start)
        sigma[out] = ahead
        for b in levels:
            q, tail = empirical_tail(z, b)
            var[b][out] = q * ahead
            es[b][out] = tail * ahead
    return Forecasts("har", start, sigma, var, es)
