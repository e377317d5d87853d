"""GARCH(1,1) with normal or Student-t innovations, and filtered historical simulation.

Zero mean, fitted by maximum likelihood with the ``arch`` package on returns in per cent (its
optimiser is tuned for that scale). Rolling and out of sample: the model is refitted on an
expanding window every ``refit_every`` days (default 20, about monthly: the daily GARCH
parameters drift slowly, and ~50 fits over three years keep a full backtest near a second);
between refits the parameters stay fixed and the variance recursion runs on every return
before the forecast day, so each forecast uses only earlier data.

The recursion is arch's: ``σ²_0 = ω + (α + β) b`` with the backcast ``b`` (an EWMA with weights
``0.94^i`` of the first ``min(75, n)`` squared returns), then
``σ²_t = ω + α r²_{t-1} + β σ²_{t-1}``.

Filtered historical simulation (Barone-Adesi et al.) scales the empirical tail of the normal
GARCH's standardised in-sample residuals ``r_t / σ_t`` by the forecast ``σ``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.signal import lfilter

from core.errors import DataError
from core.risk.forecast.tails import Forecasts, empirical_tail, normal_tail, student_tail
from core.risk.history import FloatArray

Innovations = Literal["normal", "t"]

SCALE = 100.0
"""Returns are fitted in per cent."""
REFIT_EVERY = 20
"""Days between refits of a rolling forecast."""
MIN_TRAIN = 250
"""Returns the first fit uses: the first forecast is for the day after them."""
BACKCAST_SPAN = 75


@dataclass(frozen=True, slots=True)
class GarchFit:
    """Parameters of a zero-mean GARCH(1,1) on returns as fractions (not per cent)."""

    omega: float
    alpha: float
    beta: float
    nu: float | None
    """Degrees of freedom of the Student-t innovations; None for normal."""
    backcast: float
    """Initial variance of the recursion (fractions squared)."""


def backcast(returns: FloatArray) -> float:
    """arch's GARCH backcast: ``Σ w_i r_i²`` over the first 75 returns, ``w_i ∝ 0.94^i``."""
    tau = min(BACKCAST_SPAN, returns.shape[0])
    w = 0.94 ** np.arange(tau)
    w = w / w.sum()
    return float(np.sum(w * returns[:tau] ** 2))


def fit_garch(returns: FloatArray, innovations: Innovations) -> GarchFit:
    """Fit on ``returns`` (fractions) exactly as ``arch_model(...).fit()`` does.

    No warm start from the previous refit: it saved half the time but moved the parameters by
    up to 1e-3 relative from arch's own optimum.
    """
    from arch import arch_model

    model = arch_model(
        returns * SCALE, mean="Zero", vol="GARCH", p=1, q=1, dist=innovations, rescale=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the parameters are checked below
        result = model.fit(disp="off", show_warning=False)
    params = [float(v) for v in result.params]
    omega, alpha, beta = params[:3]
    if not all(np.isfinite(params)):
        raise DataError("the GARCH fit did not converge on this history")
    return GarchFit(
        omega=omega / SCALE**2,
        alpha=alpha,
        beta=beta,
        nu=params[3] if innovations == "t" else None,
        backcast=backcast(returns),
    )


def garch_variance(returns: FloatArray, fit: GarchFit, stop: int) -> FloatArray:
    """``σ²_t`` for ``t = 0 .. stop`` (``stop`` may be ``n``: the next day)."""
    first = fit.omega + (fit.alpha + fit.beta) * fit.backcast
    drive = fit.omega + fit.alpha * returns[:stop] ** 2  # σ²_t = drive_{t-1} + β σ²_{t-1}
    rest, _ = lfilter([1.0], [1.0, -fit.beta], drive, zi=[fit.beta * first])
    return np.concatenate([[first], rest])


def garch_forecasts(
    returns: FloatArray,
    levels: Sequence[float],
    *,
    innovations: Innovations = "normal",
    filtered: bool = False,
    start: int = MIN_TRAIN,
    refit_every: int = REFIT_EVERY,
) -> Forecasts:
    """Rolling GARCH forecasts from row ``start``; ``filtered`` gives FHS tails."""
    n = returns.shape[0]
    if n < start + 1:
        raise DataError(f"{n} returns: GARCH needs more than the {start} it first fits on")
    if refit_every < 1:
        raise DataError(f"refit interval must be at least 1 day, not {refit_every}")
    count = n - start + 1
    sigma = np.empty(count)
    var = {b: np.empty(count) for b in levels}
    es = {b: np.empty(count) for b in levels}
    for block in range(start, n + 1, refit_every):
        stop = min(block + refit_every, n + 1)  # forecast rows block .. stop-1
        train = returns[:block]
        fit = fit_garch(train, "t" if innovations == "t" and not filtered else "normal")
        s2 = garch_variance(returns, fit, stop - 1)
        rows = slice(block - start, stop - start)
        sd = np.sqrt(s2[block:stop])
        sigma[rows] = sd
        for b in levels:
            if filtered:
                q, tail = empirical_tail(train / np.sqrt(s2[:block]), b)
            elif fit.nu is not None:
                q, tail = student_tail(b, fit.nu)
            else:
                q, tail = normal_tail(b)
            var[b][rows] = q * sd
            es[b][rows] = tail * sd
    name = "fhs" if filtered else ("garch-t" if innovations == "t" else "garch")
    return Forecasts(name, start, sigma, var, es)
