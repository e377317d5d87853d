"""Market regime from BTC daily closes: trend × volatility, each switching with hysteresis.

Trend is the close against its simple moving average; it turns bullish only once the close is
``trend_band_pct`` above the average and bearish only once it is that far below, so a close
wandering around the average does not flip it daily. Volatility is the annualised standard
deviation of daily log returns; it turns stormy above ``vol_enter_pct`` and calm again only
below ``vol_exit_pct``. The state machine runs over the whole history, so the answer for a given
history is always the same (no hidden state between runs).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import DataError
from core.plan.spec import RegimePreset


@dataclass(frozen=True, slots=True)
class Regime:
    """The regime at the last close, and the figures that decided it."""

    trend: str  # "bull" | "bear"
    volatility: str  # "calm" | "stormy"
    moving_average: float
    realised_vol_pct: float
    flips: int  # regime changes over the history: a measure of (absence of) flapping

    @property
    def name(self) -> str:
        return f"{self.trend}_{self.volatility}"


def regime_history(closes: Sequence[float], preset: RegimePreset) -> list[str]:
    """The regime name at each close from the first one with enough history."""
    x = np.asarray(closes, dtype=np.float64)
    warmup = max(preset.trend_days, preset.vol_days + 1)
    if x.ndim != 1 or len(x) < warmup + 1:
        raise DataError(f"the regime needs at least {warmup + 1} daily BTC closes, got {len(x)}")
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise DataError("BTC closes must be positive numbers")
    csum = np.concatenate([[0.0], np.cumsum(x)])
    ma = (csum[preset.trend_days :] - csum[: -preset.trend_days]) / preset.trend_days
    # ma[i] averages closes i .. i+trend_days-1; align so ma_at[t] ends at close t.
    ma_at = np.full(len(x), np.nan)
    ma_at[preset.trend_days - 1 :] = ma
    logret = np.diff(np.log(x))
    vol_at = np.full(len(x), np.nan)
    window = preset.vol_days
    for t in range(window, len(x)):
        vol_at[t] = float(np.std(logret[t - window : t], ddof=1)) * math.sqrt(365) * 100
    band = float(preset.trend_band_pct) / 100
    enter, leave = float(preset.vol_enter_pct), float(preset.vol_exit_pct)
    trend = "bull" if x[warmup] >= ma_at[warmup] else "bear"
    vol = "stormy" if vol_at[warmup] >= enter else "calm"
    names = []
    for t in range(warmup, len(x)):
        if trend == "bear" and x[t] > ma_at[t] * (1 + band):
            trend = "bull"
        elif trend == "bull" and x[t] < ma_at[t] * (1 - band):
            trend = "bear"
        if vol == "calm" and vol_at[t] > enter:
            vol = "stormy"
        elif vol == "stormy" and vol_at[t] < leave:
            vol = "calm"
        names.append(f"{trend}_{vol}")
    return names


def detect_regime(closes: Sequence[float], preset: RegimePreset) -> Regime:
    """The regime at the last of ``closes`` (oldest first)."""
    names = regime_history(closes, preset)
    x = np.asarray(closes, dtype=np.float64)
    logret = np.diff(np.log(x[-(preset.vol_days + 1) :]))
    trend, vol = names[-1].split("_")
    return Regime(
        trend=trend,
        volatility=vol,
        moving_average=float(x[-preset.trend_days :].mean()),
        realised_vol_pct=float(np.std(logret, ddof=1)) * math.sqrt(365) * 100,
        flips=sum(1 for a, b in itertools.pairwise(names) if a != b),
    )
