"""Vectorised risk and performance measures over returns without NaN.

Plain numpy functions, each one textbook definition (the conventions are in
``core/risk/CONVENTIONS.md``). A 2-D input is ``(observations, assets)`` and every function that
takes one works column-wise, so a per-asset table costs the same few array passes as a single
portfolio series. Undefined results (zero variance, no drawdown, too few observations) are
``NaN`` here and become ``None`` in the report.
"""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from core.risk.history import FloatArray, IntArray

_THREADPOOLS: ThreadpoolController | None = None


def one_blas_thread() -> Any:
    """Context manager limiting BLAS to one thread (the controller is built once, lazily)."""
    global _THREADPOOLS
    if _THREADPOOLS is None:
        _THREADPOOLS = ThreadpoolController()
    return _THREADPOOLS.limit(limits=1, user_api="blas")


def per_period_rate(annual_rate: float, periods_per_year: float) -> float:
    """Convert an annual rate to one period geometrically: ``(1 + r) ** (1 / A) - 1``."""
    return float((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0)


def volatility(returns: FloatArray, periods_per_year: float) -> FloatArray:
    """Annualised sample standard deviation (ddof=1)."""
    if returns.shape[0] < 2:
        return np.full(returns.shape[1:], np.nan)
    return np.asarray(np.std(returns, axis=0, ddof=1) * math.sqrt(periods_per_year))


def sharpe(returns: FloatArray, periods_per_year: float, rf_per_period: float = 0.0) -> FloatArray:
    """``mean(r - rf) / std(r - rf, ddof=1) * sqrt(A)``; NaN when the deviation is zero."""
    if returns.shape[0] < 2:
        return np.full(returns.shape[1:], np.nan)
    excess = returns - rf_per_period if rf_per_period else returns
    sd = np.std(excess, axis=0, ddof=1)
    constant = np.ptp(excess, axis=0) == 0  # float residue would turn "undefined" into 1e15
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.mean(excess, axis=0) / sd * math.sqrt(periods_per_year)
    return np.asarray(np.where(constant, np.nan, out))


def downside_deviation(returns: FloatArray, target: float = 0.0) -> FloatArray:
    """Per-period ``sqrt(mean(min(r - T, 0)^2))``, the mean taken over *all* periods."""
    shortfall = np.minimum(returns - target, 0.0)
    return np.asarray(np.sqrt(np.mean(shortfall * shortfall, axis=0)))


def sortino(returns: FloatArray, periods_per_year: float, target: float = 0.0) -> FloatArray:
    """``mean(r - T) * A / (downside_deviation * sqrt(A))``; NaN without any shortfall."""
    if returns.shape[0] < 2:
        return np.full(returns.shape[1:], np.nan)
    dd = downside_deviation(returns, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.mean(returns - target, axis=0) * math.sqrt(periods_per_year) / dd
    return np.asarray(np.where(dd > 0, out, np.nan))


def cagr(returns: FloatArray, periods_per_year: float) -> FloatArray:
    """Compound annual growth: ``prod(1 + r) ** (A / n) - 1``."""
    n = returns.shape[0]
    if n == 0:
        return np.full(returns.shape[1:], np.nan)
    growth = np.prod(1.0 + returns, axis=0)
    return np.asarray(np.power(growth, periods_per_year / n) - 1.0)


def drawdowns(returns: FloatArray) -> FloatArray:
    """Drawdown after each return, as a positive fraction below the running peak.

    Wealth is compounded from 1.0 *before* the first return, and 1.0 counts as a peak, so a
    loss on the very first period is already a drawdown.
    """
    return np.asarray(1.0 - _wealth_over_peak(returns))


def _wealth_over_peak(returns: FloatArray) -> FloatArray:
    """``W_t / max(1, max_{s<=t} W_s)``, in two buffers (this runs over every asset)."""
    wealth = returns + 1.0
    np.cumprod(wealth, axis=0, out=wealth)
    ratio = np.maximum.accumulate(wealth, axis=0)
    np.maximum(ratio, 1.0, out=ratio)
    np.divide(wealth, ratio, out=ratio)
    return ratio


def max_drawdown(returns: FloatArray) -> FloatArray:
    """Deepest drawdown over the sample (0 if the wealth never fell below a peak)."""
    if returns.shape[0] == 0:
        return np.full(returns.shape[1:], np.nan)
    return np.asarray(1.0 - np.min(_wealth_over_peak(returns), axis=0))


def drawdown_dates(returns: FloatArray) -> tuple[int, int, int | None]:
    """Row indices of (peak, trough, recovery) of the deepest drawdown of a 1-D series.

    ``peak`` is -1 when the peak is the starting wealth before the first return; ``recovery``
    is None if the wealth never got back to the peak.
    """
    wealth = np.cumprod(1.0 + returns)
    dd = 1.0 - wealth / np.maximum(np.maximum.accumulate(wealth), 1.0)
    trough = int(np.argmax(dd))
    if dd[trough] <= 0:
        return -1, -1, None
    before = wealth[: trough + 1]
    peak_value = max(float(before.max()), 1.0)
    at_peak = np.flatnonzero(before >= peak_value)
    peak = int(at_peak[-1]) if at_peak.size else -1
    after = np.flatnonzero(wealth[trough + 1 :] >= peak_value)
    recovery = trough + 1 + int(after[0]) if after.size else None
    return peak, trough, recovery


def calmar(cagr_value: float, max_dd: float) -> float:
    """CAGR / max drawdown; NaN when there was no drawdown."""
    return cagr_value / max_dd if max_dd > 0 else math.nan


def _tail_size(n: int, confidence: float) -> Fraction:
    """``(1 - b) * n`` exactly: 0.95 means 19/20, so the tail of 100 returns is exactly 5."""
    return (1 - Fraction(str(confidence))) * n


def historical_var(sorted_returns: FloatArray, confidence: float) -> float:
    """Order-statistic VaR: the loss ``-r_(floor((1-b) n))`` of returns sorted ascending.

    The lower b-quantile of the empirical loss distribution, ``inf{l : F_L(l) >= b}``: with
    100 returns at 95 % it is the 6th largest loss (5 losses are strictly beyond it).
    """
    n = sorted_returns.shape[0]
    if n == 0:
        return math.nan
    i = min(math.floor(_tail_size(n, confidence)), n - 1)
    return float(-sorted_returns[i])


def historical_cvar(sorted_returns: FloatArray, confidence: float) -> float:
    """Exact tail mean of the worst ``(1-b)`` of the probability mass (Rockafellar-Uryasev).

    With ``k = (1-b) n`` not an integer, the boundary observation enters with the fraction of
    its mass that lies inside the tail: ``-(sum_{j<i} r_(j) + (k - i) r_(i)) / k``.
    """
    n = sorted_returns.shape[0]
    if n == 0:
        return math.nan
    k = _tail_size(n, confidence)
    if k == 0:
        return float(-sorted_returns[0])
    i = math.ceil(k) - 1
    head = float(np.sum(sorted_returns[:i])) if i else 0.0
    return float(-(head + float(k - i) * sorted_returns[i]) / float(k))


def moments(returns: FloatArray) -> tuple[float, float]:
    """Moment (population) skewness ``m3 / m2^1.5`` and excess kurtosis ``m4 / m2^2 - 3``."""
    centred = returns - returns.mean()
    m2 = float(np.mean(centred**2))
    if m2 == 0:
        return math.nan, math.nan
    m3 = float(np.mean(centred**3))
    m4 = float(np.mean(centred**4))
    return m3 / m2**1.5, m4 / m2**2 - 3.0


def gaussian_var(mean: float, std: float, confidence: float) -> float:
    """``-(mean + z_(1-b) * std)`` with z the standard normal quantile."""
    return -(mean + _quantile(1.0 - confidence) * std)


def gaussian_cvar(mean: float, std: float, confidence: float) -> float:
    """Normal expected shortfall: ``std * phi(z) / (1 - b) - mean``, z = quantile at 1 - b."""
    alpha = 1.0 - confidence
    z = _quantile(alpha)
    return std * _phi(z) / alpha - mean


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


_STANDARD_NORMAL = NormalDist()


def _quantile(p: float) -> float:
    """The standard normal quantile (the stdlib's, which agrees with ``scipy.special.ndtri``
    to within 1e-15 on (0, 1); scipy.special alone costs the core ~0.3 s of start-up)."""
    return _STANDARD_NORMAL.inv_cdf(p)


def cornish_fisher_z(z: float, skew: float, excess_kurtosis: float) -> float:
    """Cornish-Fisher adjusted quantile of a standardised variable (third-order expansion)."""
    s, k = skew, excess_kurtosis
    return (
        z
        + (z * z - 1.0) * s / 6.0
        + (z**3 - 3.0 * z) * k / 24.0
        - (2.0 * z**3 - 5.0 * z) * s * s / 36.0
    )


def cornish_fisher_var(
    mean: float, std: float, skew: float, excess_kurtosis: float, confidence: float
) -> float:
    """``-(mean + z_cf * std)``, the modified VaR of Zangari (1996) / Favre-Galeano (2002)."""
    z = _quantile(1.0 - confidence)
    return -(mean + cornish_fisher_z(z, skew, excess_kurtosis) * std)


def cornish_fisher_cvar(
    mean: float, std: float, skew: float, excess_kurtosis: float, confidence: float
) -> float:
    """Exact tail mean of the Cornish-Fisher quantile function beyond ``1 - b``.

    ``-(mean + std * E[z_cf(Z) | Z <= c])`` with Z standard normal and c its ``1 - b``
    quantile, from the normal's partial moments. It is consistent with
    :func:`cornish_fisher_var` (same distribution), and only meaningful where
    :func:`cornish_fisher_valid` holds.
    """
    alpha = 1.0 - confidence
    c = _quantile(alpha)
    pdf = _phi(c)
    m0, m1 = alpha, -pdf
    m2 = alpha - c * pdf
    m3 = -(c * c + 2.0) * pdf
    s, k = skew, excess_kurtosis
    tail = (
        m1 + (m2 - m0) * s / 6.0 + (m3 - 3.0 * m1) * k / 24.0 - (2.0 * m3 - 5.0 * m1) * s * s / 36.0
    )
    return -(mean + std * tail / alpha)


def cornish_fisher_valid(skew: float, excess_kurtosis: float) -> bool:
    """Whether the expansion is monotonic, so its quantiles are quantiles (Maillard 2012).

    The domain is ``S^2/9 - 4 (K/8 - S^2/6)(1 - K/8 - 5 S^2/36) <= 0``; outside it the
    "quantile" can fall as the confidence rises and the VaR is not to be trusted.
    """
    if not (math.isfinite(skew) and math.isfinite(excess_kurtosis)):
        return False
    s2, k = skew * skew, excess_kurtosis
    return s2 / 9.0 - 4.0 * (k / 8.0 - s2 / 6.0) * (1.0 - k / 8.0 - 5.0 * s2 / 36.0) <= 0.0


def covariance(returns: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Sample covariance (ddof=1) of the columns, and the column means."""
    mean = returns.mean(axis=0)
    centred = returns - mean
    cov = centred.T @ centred / (returns.shape[0] - 1)
    return cov, mean


def correlation_from_covariance(cov: FloatArray) -> FloatArray:
    """Pearson correlation; rows of a constant asset are NaN, the diagonal is exactly 1."""
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.outer(sd, sd)
    np.clip(corr, -1.0, 1.0, out=corr)
    idx = np.arange(corr.shape[0])
    corr[idx, idx] = np.where(sd > 0, 1.0, np.nan)
    return np.asarray(corr)


def betas(returns: FloatArray, benchmark: FloatArray) -> FloatArray:
    """OLS beta of each column on the benchmark, ``cov(r, b) / var(b)``, on rows both have."""
    ok = ~np.isnan(benchmark)
    r = returns[ok]
    b = benchmark[ok]
    if b.size < 2:
        return np.full(returns.shape[1:], np.nan)
    bc = b - b.mean()
    var = float(bc @ bc)
    if var <= 0:
        return np.full(returns.shape[1:], np.nan)
    return np.asarray(bc @ (r - r.mean(axis=0)) / var)


def pca_explained_variance_ratio(corr: FloatArray) -> FloatArray:
    """Eigenvalues of the correlation matrix over their sum, largest first.

    An asset without variance over the window (a fiat balance, a stablecoin on a fixed price)
    has no correlation (its row is NaN) and no variance to explain: it is left out, rather than
    voiding the whole decomposition. Any other NaN gives an empty result.
    """
    if corr.size:
        varies = ~np.isnan(np.diag(corr))
        corr = corr[np.ix_(varies, varies)]
    if corr.size == 0 or np.isnan(corr).any():
        return np.zeros(0)
    # LAPACK's symmetric eigensolver is a long chain of small BLAS-2 calls: with threads
    # spinning on a shared 2-core machine it ran 20x slower than on one thread.
    with one_blas_thread():
        eig = np.linalg.eigvalsh(corr)[::-1]
    eig = np.clip(eig, 0.0, None)  # round-off can leave tiny negatives on a singular matrix
    return np.asarray(eig / eig.sum())


def diversification_ratio(weights: FloatArray, asset_vol: FloatArray, port_vol: float) -> float:
    """Weighted average asset volatility over portfolio volatility (>= 1 for long-only)."""
    return float(weights @ asset_vol / port_vol) if port_vol > 0 else math.nan


def effective_assets(weights: FloatArray) -> float:
    """Inverse Herfindahl index ``1 / sum(w^2)`` of weights summing to 1."""
    total = float(np.sum(weights * weights))
    return 1.0 / total if total > 0 else math.nan


def risk_contributions(weights: FloatArray, cov: FloatArray) -> FloatArray:
    """Euler share of variance per asset, ``w_i (S w)_i / w'S w``; sums to 1."""
    marginal = cov @ weights
    variance = float(weights @ marginal)
    if variance <= 0:
        return np.full(weights.shape, np.nan)
    return np.asarray(weights * marginal / variance)


def group_sums(values: FloatArray, group_index: IntArray, n_groups: int) -> FloatArray:
    """Sum ``values`` by group id (``np.bincount`` with weights)."""
    return np.asarray(np.bincount(group_index, weights=values, minlength=n_groups))
