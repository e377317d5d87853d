"""The forecast container every model returns, and the tail quantiles models share.

A model turns ``n`` daily returns into forecasts for the days ``start .. n-1`` plus the next,
unseen day: arrays of length ``n - start + 1`` whose last element is "tomorrow".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from core.risk import metrics as m
from core.risk.history import FloatArray


@dataclass(frozen=True, eq=False)
class Forecasts:
    """One model's out-of-sample forecasts from row ``start`` on; the last row is tomorrow."""

    model: str
    start: int
    """Index (into the return sample) of the first forecast day."""
    sigma: FloatArray
    """Forecast standard deviation of the day's return."""
    var: Mapping[float, FloatArray]
    """Level -> VaR as a positive loss."""
    es: Mapping[float, FloatArray]
    """Level -> expected shortfall as a positive loss."""


def normal_tail(level: float) -> tuple[float, float]:
    """``(z, es)`` of a standard normal loss at ``level``: ``Φ⁻¹(b)`` and ``φ(z) / (1 - b)``."""
    z = float(stats.norm.ppf(level))
    return z, float(stats.norm.pdf(z) / (1.0 - level))


def student_tail(level: float, nu: float) -> tuple[float, float]:
    """``(q, es)`` of a Student-t loss with ``nu`` degrees of freedom scaled to unit variance.

    For the standard t, ``ES_b = f(x) / (1 - b) · (nu + x²) / (nu - 1)`` with ``x = t⁻¹(b)``;
    both are multiplied by ``sqrt((nu - 2) / nu)`` to give unit variance.
    """
    x = float(stats.t.ppf(level, nu))
    es = float(stats.t.pdf(x, nu)) / (1.0 - level) * (nu + x * x) / (nu - 1.0)
    scale = math.sqrt((nu - 2.0) / nu)
    return x * scale, es * scale


def empirical_tail(standardised: FloatArray, level: float) -> tuple[float, float]:
    """``(q, es)`` of the empirical loss distribution of standardised returns, with the risk
    report's order-statistic VaR and exact tail-mean CVaR (``core/risk/CONVENTIONS.md``)."""
    ordered = np.sort(standardised)
    return m.historical_var(ordered, level), m.historical_cvar(ordered, level)
