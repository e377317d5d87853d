"""RiskMetrics EWMA volatility with normal tails.

Seed: the mean of the squared first ``warmup`` returns is ``σ²`` of day ``warmup`` (1-based);
then ``σ²_t = λ σ²_{t-1} + (1 - λ) r²_{t-1}`` for every later day, the first forecast being
day ``warmup + 1``. VaR ``= Φ⁻¹(b) σ_t``, ES ``= σ_t φ(Φ⁻¹(b)) / (1 - b)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.signal import lfilter

from core.errors import DataError
from core.risk.forecast.tails import Forecasts, normal_tail
from core.risk.history import FloatArray

DEFAULT_LAMBDA = 0.94
DEFAULT_WARMUP = 30


def ewma_variance(returns: FloatArray, lam: float, warmup: int) -> FloatArray:
    """Forecast variances for the days ``warmup .. n-1`` (0-based) and the next day."""
    n = returns.shape[0]
    if not 0 < lam < 1:
        raise DataError(f"lambda must be between 0 and 1 (exclusive), not {lam}")
    if warmup < 1:
        raise DataError(f"warmup must be at least 1 return, not {warmup}")
    if n < warmup + 1:
        raise DataError(f"{n} returns: EWMA needs more than the {warmup} warm-up returns")
    seed = float(np.mean(returns[:warmup] ** 2))
    # the recursion as a first-order filter over r²_{warmup-1} .. r²_{n-1}, started at the seed
    out, _ = lfilter([1.0 - lam], [1.0, -lam], returns[warmup - 1 :] ** 2, zi=[lam * seed])
    return np.asarray(out, dtype=np.float64)


def ewma_forecasts(
    returns: FloatArray,
    levels: Sequence[float],
    *,
    lam: float = DEFAULT_LAMBDA,
    warmup: int = DEFAULT_WARMUP,
) -> Forecasts:
    """EWMA forecasts with normal VaR and ES at each level."""
    sigma = np.sqrt(ewma_variance(returns, lam, warmup))
    var, es = {}, {}
    for b in levels:
        z, tail = normal_tail(b)
        var[b] = z * sigma
        es[b] = tail * sigma
    return Forecasts("ewma", warmup, sigma, var, es)
