"""The simulated price process: correlated factor returns, volatility regimes and jumps.

Log-returns per step are a market factor (scaled by each asset's beta), a sector factor and an
idiosyncratic part, with total daily volatility matching each asset's target. A three-state
Markov regime (calm / normal / stress) scales volatility; Poisson jumps with fat-tailed sizes hit
single assets and, more rarely, the whole market. Stablecoins follow a tight mean-reverting
process around one dollar. Everything is drawn from one seeded generator, so a seed and a step
count fully determine every price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from core.sim.universe import MARKET_DAILY_VOL, SECTOR_VOL, SimAsset

FloatArray = npt.NDArray[np.float64]


class Regime(IntEnum):
    CALM = 0
    NORMAL = 1
    STRESS = 2


MARKET_LOG_DRIFT_PER_DAY = 0.0006

REGIME_VOL = (0.75, 1.0, 2.4)
"""Volatility multiplier per regime."""

REGIME_SPREAD = (0.8, 1.0, 3.0)
"""Spread multiplier per regime: books thin out and spreads widen in stress."""

# Transition intensities per day: regimes last days to weeks, stress is short and sharp.
_TRANSITIONS_PER_DAY = np.array(
    [
        [0.0, 0.10, 0.01],
        [0.06, 0.0, 0.04],
        [0.02, 0.30, 0.0],
    ]
)


@dataclass(frozen=True, slots=True)
class PriceStep:
    """What one step of the process produced."""

    prices: FloatArray
    regime: Regime
    jumps: tuple[tuple[int, float], ...]
    """(asset index, log jump size) of every jump in this step."""


class PriceProcess:
    """Correlated multi-asset prices in USD, advanced in steps of ``dt_days``."""

    def __init__(
        self,
        assets: tuple[SimAsset, ...],
        rng: np.random.Generator,
        *,
        volatility_scale: float = 1.0,
        jump_rate_per_day: float = 0.3,
    ) -> None:
        self.assets = assets
        self.rng = rng
        self.regime = Regime.NORMAL
        self.prices: FloatArray = np.array([a.price for a in assets], dtype=np.float64)
        self.jump_rate = jump_rate_per_day
        scale = volatility_scale
        self._stable = np.array([a.stable for a in assets])
        self._beta = np.array([a.beta for a in assets]) * (~self._stable)
        sectors = sorted({a.sector for a in assets})
        self._sector_index = np.array([sectors.index(a.sector) for a in assets])
        self._sector_vol = np.array([SECTOR_VOL.get(s, 0.015) for s in sectors]) * scale
        self._market_vol = MARKET_DAILY_VOL * scale
        total = np.array([a.daily_vol for a in assets]) * scale
        systematic = (self._beta * self._market_vol) ** 2 + self._sector_vol[
            self._sector_index
        ] ** 2
        self._idio_vol = np.sqrt(np.maximum(total**2 - systematic, (0.25 * total) ** 2))
        self._idio_vol[self._stable] = 0.0
        self._stable_vol = np.array([a.daily_vol for a in assets]) * scale

    def _next_regime(self, dt_days: float) -> Regime:
        rates = _TRANSITIONS_PER_DAY[self.regime]
        u = self.rng.random()
        cumulative = 0.0
        for target, rate in enumerate(rates):
            cumulative += 1.0 - math.exp(-rate * dt_days)
            if u < cumulative:
                return Regime(target)
        return self.regime

    def step(self, dt_days: float) -> PriceStep:
        """Advance by ``dt_days`` and return the new prices."""
        rng = self.rng
        self.regime = self._next_regime(dt_days)
        mult = REGIME_VOL[self.regime]
        sq = math.sqrt(dt_days) * mult
        n = len(self.assets)
        market = rng.standard_normal() * self._market_vol * sq
        sector = rng.standard_normal(len(self._sector_vol)) * self._sector_vol * sq
        idio = rng.standard_normal(n) * self._idio_vol * sq
        # A mild positive drift in log terms (≈ +25 %/yr for the market) so the generated
        # history looks like crypto's long run rather than a random walk's.
        log_ret = self._beta * (market + MARKET_LOG_DRIFT_PER_DAY * dt_days)
        log_ret += sector[self._sector_index] + idio

        jumps: list[tuple[int, float]] = []
        count = rng.poisson(self.jump_rate * dt_days * mult * n)
        for _ in range(int(count)):
            i = int(rng.integers(n))
            if self._stable[i]:
                continue
            size = float(rng.standard_t(3)) * 0.035 * mult
            log_ret[i] += size
            jumps.append((i, size))
        if rng.random() < 1.0 - math.exp(-self.jump_rate / 6 * dt_days * mult):
            shock = float(rng.standard_t(3)) * 0.03 * mult
            log_ret += self._beta * shock
            jumps.append((-1, shock))

        new = self.prices * np.exp(log_ret)
        # Stablecoins: mean reversion to 1 with tiny noise.
        stable = self._stable
        if stable.any():
            current = self.prices[stable]
            noise = rng.standard_normal(int(stable.sum())) * self._stable_vol[stable] * sq
            theta = min(1.0, 8.0 * dt_days)
            new[stable] = current + theta * (1.0 - current) + noise
        self.prices = new
        return PriceStep(new.copy(), self.regime, tuple(jumps))

    def history(self, days: int) -> FloatArray:
        """Simulate ``days`` daily closes (rows) from the current state and stay at the end."""
        closes = np.empty((days, len(self.assets)))
        for d in range(days):
            closes[d] = self.step(1.0).prices
        return closes
