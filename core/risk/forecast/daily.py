"""The portfolio's daily return sample over the whole history, and its realised variance.

Daily history: the risk report's sample (``core/risk/history.py``) over every return, not the
report's window: the returns of the included assets on the days all of them have one, weighted
by today's weights (constant weights, rebalanced daily). Hourly history: each UTC day's close
is its 23:00 bar, the day's return runs from close to close, and its realised variance is the
sum of the squares of its 24 hourly portfolio returns; a day missing an hour has neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from core.errors import DataError
from core.risk.history import (
    DAY,
    HOUR,
    FloatArray,
    IntArray,
    PriceHistory,
    ReturnSample,
    build_sample,
    normalise_weights,
)


@dataclass(frozen=True, eq=False)
class DailySample:
    """Daily portfolio returns (and realised variance when the history is intraday)."""

    times: IntArray
    """UTC midnight (epoch seconds) of the day each return ends on."""
    returns: FloatArray
    rv: FloatArray | None
    """Realised variance per day from hourly returns; None for a daily history."""
    symbols: tuple[str, ...]
    covered_weight: float
    excluded: tuple[str, ...] = ()
    """Weighted assets left out, each with the reason (no history, short coverage)."""


def daily_sample(
    history: PriceHistory, weights: Mapping[str, float], min_coverage: float = 0.9
) -> DailySample:
    """The daily sample of ``history`` (daily or hourly bars) under ``weights``.

    An asset needs returns on ``min_coverage`` of the days on which *any* weighted asset has
    one: days missing from the whole file (a gap in the source) count against no asset.
    Raises :class:`DataError` when no asset qualifies or the portfolio's returns are constant.
    """
    w = normalise_weights(weights)
    if history.bar_seconds == DAY:
        sample = _daily(history, w, min_coverage)
    elif history.bar_seconds == HOUR:
        sample = _from_hourly(history, w, min_coverage)
    else:
        raise DataError(f"forecasts need daily or hourly closes, not {history.bar} bars")
    if sample.returns.size and not np.any(sample.returns != sample.returns[0]):
        raise DataError(
            "the portfolio's returns are constant (cash or pegged assets only): nothing to forecast"
        )
    return sample


def _coverage_share(history: PriceHistory, weights: Mapping[str, float]) -> float:
    """Share of the grid's returns on which at least one weighted asset has a return."""
    cols = [c for c in (history.column(s) for s in weights) if c is not None]
    if len(history.times) < 2 or not cols:
        return 1.0
    block = history.closes[:, cols]
    active = (~np.isnan(block[1:] / block[:-1])).any(axis=1)
    return max(float(active.mean()), 1e-9)


def _daily(history: PriceHistory, weights: Mapping[str, float], min_coverage: float) -> DailySample:
    s = build_sample(
        history,
        weights,
        window_periods=max(len(history.times) - 1, 1),
        min_coverage=min_coverage * _coverage_share(history, weights),
        benchmark=None,
    )
    if not s.symbols:
        raise DataError("no weighted asset has enough price history for a forecast")
    return DailySample(
        s.times, s.returns @ s.weights, None, s.symbols, s.covered_weight, _excluded(s)
    )


def _excluded(sample: ReturnSample) -> tuple[str, ...]:
    return tuple(f"{a.symbol} ({a.note})" for a in sample.assets if not a.included and a.weight > 0)


def _from_hourly(
    history: PriceHistory, weights: Mapping[str, float], min_coverage: float
) -> DailySample:
    last_hour = (history.times % DAY) == DAY - HOUR
    days = (
        PriceHistory(
            history.symbols,
            history.times[last_hour] // DAY * DAY,
            history.closes[last_hour],
            DAY,
        )
        if last_hour.any()
        else None
    )
    if days is None or len(days.times) < 2:
        raise DataError("the hourly history covers fewer than two whole UTC days")
    daily = build_sample(
        days,
        weights,
        window_periods=len(days.times) - 1,
        min_coverage=min_coverage,
        benchmark=None,
    )
    if not daily.symbols:
        raise DataError("no weighted asset has enough price history for a forecast")
    cols = [c for c in (history.column(s) for s in daily.symbols) if c is not None]
    closes = history.closes[:, cols]
    hourly = closes[1:] / closes[:-1] - 1.0  # label: the bar each return ends on
    port = hourly @ daily.weights  # NaN where any included asset misses the hour
    label_day = history.times[1:] // DAY * DAY
    rv_by_day: dict[int, float] = {}
    counts: dict[int, int] = {}
    for day, r in zip(label_day.tolist(), port.tolist(), strict=True):
        if r == r:  # not NaN
            rv_by_day[day] = rv_by_day.get(day, 0.0) + r * r
            counts[day] = counts.get(day, 0) + 1
    keep = np.array([counts.get(int(d), 0) == DAY // HOUR for d in daily.times], dtype=bool)
    rv = np.array([rv_by_day.get(int(d), np.nan) for d in daily.times[keep]])
    return DailySample(
        daily.times[keep],
        (daily.returns @ daily.weights)[keep],
        rv,
        daily.symbols,
        daily.covered_weight,
        _excluded(daily),
    )
