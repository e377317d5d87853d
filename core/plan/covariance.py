"""Returns and shrunk covariance from recorded daily closes, for the optimiser.

The sample covariance of a few hundred days of a few hundred assets is singular or close to
it, so optimisers fed with it put huge weights on estimation noise. Ledoit-Wolf shrinks it
toward a scaled identity by the amount that minimises the expected Frobenius error; the
closed form below is the one scikit-learn implements (``sklearn.covariance.ledoit_wolf``),
written out so the runtime does not carry scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from core.errors import DataError

Matrix = NDArray[np.float64]
TRADING_DAYS = 365
"""Crypto trades every day: annualise daily figures with 365, not 252."""


def simple_returns(closes: Matrix) -> Matrix:
    """Daily simple returns of a ``days × assets`` array of closes (rows oldest first)."""
    closes = np.asarray(closes, dtype=np.float64)
    if closes.ndim != 2 or closes.shape[0] < 3:
        raise DataError("need a 2-D array of at least 3 closes per asset")
    if not np.all(np.isfinite(closes)) or np.any(closes <= 0):
        raise DataError("closes must be positive and finite (fill or drop gaps first)")
    return np.asarray(closes[1:] / closes[:-1] - 1.0, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Shrunk:
    """A shrunk covariance and the shrinkage intensity used (0 = sample, 1 = identity)."""

    covariance: Matrix
    shrinkage: float


def ledoit_wolf(returns: Matrix, *, periods: int = 1) -> Shrunk:
    """Ledoit-Wolf covariance of ``returns`` (``observations × assets``), times ``periods``.

    Matches ``sklearn.covariance.ledoit_wolf`` (centred data, 1/n sample covariance).
    """
    x = np.asarray(returns, dtype=np.float64)
    n, p = x.shape
    if n < 2:
        raise DataError("need at least 2 observations for a covariance")
    x = x - x.mean(axis=0)
    x2 = x**2
    emp_trace = x2.sum(axis=0) / n
    mu = emp_trace.sum() / p
    gram = x.T @ x
    beta_ = float(np.sum(x2.T @ x2))
    delta_ = float(np.sum(gram**2)) / n**2
    beta = (beta_ / n - delta_) / (p * n)
    delta = (delta_ - 2.0 * mu * emp_trace.sum() + p * mu**2) / p
    beta = min(beta, delta)
    shrinkage = 0.0 if beta == 0 else beta / delta
    cov = (1.0 - shrinkage) * (gram / n)
    cov[np.diag_indices(p)] += shrinkage * mu
    return Shrunk(cov * periods, shrinkage)


def mean_returns(returns: Matrix, *, periods: int = TRADING_DAYS) -> NDArray[np.float64]:
    """Annualised arithmetic mean returns (what max-Sharpe takes as expected returns)."""
    return np.asarray(np.asarray(returns).mean(axis=0) * periods, dtype=np.float64)


def correlation(cov: Matrix) -> Matrix:
    """The correlation matrix of a covariance matrix."""
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    return np.asarray(np.clip(corr, -1.0, 1.0), dtype=np.float64)
