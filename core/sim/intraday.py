"""The simulator's intraday history: its price path before the session, for venue candles.

The simulator generates daily closes before the session (``SimWorld.history``) and its live
path from the session's start. Charting 1m, 5m or 1h candles of a fresh session needs the hours
and minutes before the start too. :func:`bridge` draws them as Brownian bridges in log price
through the daily closes (each at the end of its UTC day) and the session's opening price at
its start, with the live path's own volatility per second, so the candles join the live ones
without a step and the daily closes stay what they were. :func:`bars` cuts a path into OHLCV
buckets. Pure numpy, deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

STEP_S = 10
"""Seconds between points of the generated path (a 1-minute candle has six)."""


@dataclass(frozen=True, slots=True)
class Path:
    """Prices at epoch seconds ``times`` (every ``STEP_S``), with the base quantity traded
    in the step ending at each point."""

    times: IntArray
    prices: FloatArray
    volumes: FloatArray


def bridge(
    anchors: Sequence[tuple[int, float]],
    vol_per_s: float,
    volume_per_s: float,
    rng: np.random.Generator,
) -> Path:
    """A path through ``(epoch second, price)`` anchors (ascending, each a multiple of
    ``STEP_S``): between two anchors, a Brownian bridge in log price with ``vol_per_s``
    volatility per square-root second; quantities traded are gamma noise around
    ``volume_per_s`` (in quote units, turned into base at each point's price)."""
    times = [np.array([anchors[0][0]], dtype=np.int64)]
    logs = [np.array([np.log(anchors[0][1])])]
    for (t0, p0), (t1, p1) in pairwise(anchors):
        n = (t1 - t0) // STEP_S
        if n <= 0:
            continue
        walk = np.cumsum(rng.standard_normal(n)) * vol_per_s * np.sqrt(STEP_S)
        frac = np.arange(1, n + 1) / n
        lp0, lp1 = np.log(p0), np.log(p1)
        logs.append(lp0 + (lp1 - lp0) * frac + walk - frac * walk[-1])
        times.append(t0 + STEP_S * np.arange(1, n + 1, dtype=np.int64))
    t = np.concatenate(times)
    prices = np.exp(np.concatenate(logs))
    mean = max(volume_per_s * STEP_S, 1e-9)
    quote = rng.gamma(2.0, mean / 2, len(t))  # shape 2: never negative, rarely near zero
    return Path(t, prices, quote / prices)


def bars(
    path: Path, seconds: int, since: int, until: int
) -> list[tuple[int, float, float, float, float, float]]:
    """``(open second, open, high, low, close, volume)`` of every ``seconds`` bucket wholly
    inside the path and ``[since, until)``; the open is the previous bucket's close."""
    t, p, v = path.times, path.prices, path.volumes
    begin = max(int(t[0]), since)
    first = -(-begin // seconds) * seconds  # the first bucket start at or after both
    end = min(int(t[-1]), until)
    out = []
    for start in range(first, end - seconds + 1, seconds):
        lo, hi = np.searchsorted(t, start), np.searchsorted(t, start + seconds, side="right")
        if hi - lo < 2:
            continue
        window = p[lo:hi]
        out.append(
            (start, float(window[0]), float(window.max()), float(window.min()), float(window[-1]),
             float(v[lo + 1 : hi].sum()))
        )  # fmt: skip
    return out
