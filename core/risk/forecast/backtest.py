"""VaR and ES backtests of out-of-sample forecasts.

* Exceedance (hit): ``loss_t > VaR_t`` (strictly), with ``loss_t = -r_t``.
* Kupiec POF: ``LR = -2 ln[(1-p)^(n-x) p^x] + 2 ln[(1-x/n)^(n-x) (x/n)^x]``, ``p = 1 - b``,
  χ²(1); ``0 ln 0 = 0``.
* Christoffersen independence on the ``n - 1`` transitions of the hit sequence:
  ``LR_ind = -2 ln[(1-π)^(n00+n10) π^(n01+n11)] + 2 ln[(1-π01)^n00 π01^n01 (1-π11)^n10 π11^n11]``,
  χ²(1); conditional coverage ``LR_cc = LR_pof + LR_ind``, χ²(2).
* McNeil-Frey ES test: on hit days the standardised excess ``(loss_t - ES_t) / σ_t`` has mean 0
  if ES is right; one-sided t-test (H1: mean > 0, ES too small), p from Student-t(k-1).
* Acerbi-Szekely Z₂ ``= 1 - Σ loss_t I_t / (T (1-b) ES_t)``: 0 when ES is right, negative when
  it is too small (their thresholds at 97.5 %, T = 250: -0.70 yellow, -1.80 red).
* Quantile (tick) loss ``mean[(α - 1{r_t < -VaR_t}) (r_t + VaR_t)]``, ``α = 1 - b``: the
  proper scoring rule of a quantile forecast, to rank models (lower is better) where coverage
  tests on a few hundred days cannot tell them apart.
* Basel traffic light on the last 250 days: with ``F`` the binomial(n, 1-b) distribution
  function at the exceedance count, green when ``F < 95 %``, yellow when ``F < 99.99 %``, red
  otherwise (at 99 % and 250 days: 0-4 green, 5-9 yellow, 10+ red, as the Basel table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from core.risk.history import BoolArray, FloatArray

Zone = Literal["green", "yellow", "red"]
ZONE_DAYS = 250


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


@dataclass(frozen=True, slots=True)
class Backtest:
    """The backtest figures of one model at one level."""

    level: float
    n: int
    exceedances: int
    kupiec_lr: float
    kupiec_p: float
    christoffersen_ind_lr: float
    christoffersen_ind_p: float
    christoffersen_cc_lr: float
    christoffersen_cc_p: float
    mcneil_frey_t: float | None
    mcneil_frey_p: float | None
    acerbi_szekely_z2: float
    quantile_loss: float
    zone: Zone
    zone_days: int
    zone_exceedances: int

    @property
    def rate(self) -> float:
        return self.exceedances / self.n


def kupiec(hits: BoolArray, level: float) -> tuple[float, float]:
    """Kupiec's proportion-of-failures LR and its χ²(1) p-value."""
    n, x = int(hits.shape[0]), int(hits.sum())
    p = 1.0 - level
    null = _xlogy(n - x, 1.0 - p) + _xlogy(x, p)
    alt = _xlogy(n - x, 1.0 - x / n) + _xlogy(x, x / n)
    lr = max(-2.0 * (null - alt), 0.0)
    return lr, float(stats.chi2.sf(lr, 1))


def christoffersen(hits: BoolArray, level: float) -> tuple[float, float, float, float]:
    """``(LR_ind, p_ind, LR_cc, p_cc)`` of Christoffersen's tests."""
    prev, cur = hits[:-1], hits[1:]
    n00 = int(np.sum(~prev & ~cur))
    n01 = int(np.sum(~prev & cur))
    n10 = int(np.sum(prev & ~cur))
    n11 = int(np.sum(prev & cur))
    pi = (n01 + n11) / max(n00 + n01 + n10 + n11, 1)
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    null = _xlogy(n00 + n10, 1.0 - pi) + _xlogy(n01 + n11, pi)
    alt = _xlogy(n00, 1.0 - pi01) + _xlogy(n01, pi01) + _xlogy(n10, 1.0 - pi11) + _xlogy(n11, pi11)
    ind = max(-2.0 * (null - alt), 0.0)
    pof, _ = kupiec(hits, level)
    cc = pof + ind
    return ind, float(stats.chi2.sf(ind, 1)), cc, float(stats.chi2.sf(cc, 2))


def traffic_light(exceedances: int, days: int, level: float) -> Zone:
    """Basel zone of ``exceedances`` in ``days`` (see the module docstring)."""
    f = float(stats.binom.cdf(exceedances, days, 1.0 - level))
    return "green" if f < 0.95 else "yellow" if f < 0.9999 else "red"


def backtest(
    loss: FloatArray, var: FloatArray, es: FloatArray, sigma: FloatArray, level: float
) -> Backtest:
    """Backtest forecasts against realised losses (equal-length arrays, oldest first)."""
    n = int(loss.shape[0])
    if n < 2:
        raise ValueError("a backtest needs at least two forecast days")
    hits = loss > var
    pof_lr, pof_p = kupiec(hits, level)
    ind_lr, ind_p, cc_lr, cc_p = christoffersen(hits, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = ((loss - es) / sigma)[hits]
        excess = excess[np.isfinite(excess)]
    mf_t: float | None = None
    mf_p: float | None = None
    if excess.shape[0] >= 2 and float(np.std(excess, ddof=1)) > 0:
        mf_t = float(np.mean(excess) / (np.std(excess, ddof=1) / math.sqrt(excess.shape[0])))
        mf_p = float(stats.t.sf(mf_t, excess.shape[0] - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(hits & (es > 0), loss / es, 0.0)
    z2 = 1.0 - float(np.sum(ratio)) / (n * (1.0 - level))
    alpha = 1.0 - level
    ret = -loss
    tick = float(np.mean((alpha - (ret < -var)) * (ret + var)))
    recent = hits[-ZONE_DAYS:]
    recent_x = int(recent.sum())
    return Backtest(
        level=level,
        n=n,
        exceedances=int(hits.sum()),
        kupiec_lr=pof_lr,
        kupiec_p=pof_p,
        christoffersen_ind_lr=ind_lr,
        christoffersen_ind_p=ind_p,
        christoffersen_cc_lr=cc_lr,
        christoffersen_cc_p=cc_p,
        mcneil_frey_t=mf_t,
        mcneil_frey_p=mf_p,
        acerbi_szekely_z2=z2,
        quantile_loss=tick,
        zone=traffic_light(recent_x, int(recent.shape[0]), level),
        zone_days=int(recent.shape[0]),
        zone_exceedances=recent_x,
    )
