"""Closes on a regular UTC grid, and the return sample the risk figures stand on.

A :class:`PriceHistory` holds one column of closes per symbol on a regular grid of bars
(daily or hourly); a missing close is ``NaN`` and stays ``NaN``: nothing is forward-filled or
zero-padded. A return exists only where both of its closes exist, so a gap in the data makes a
gap in the returns, never a multi-day "one period" return.

Timestamps are bar labels: the UTC open time of the candle whose close the value is (the
convention of exchange klines). A daily close labelled ``2022-06-18`` is the price at the end of
that UTC day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from core.errors import DataError

DAY = 86_400
HOUR = 3_600

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Stamp: TypeAlias = datetime | int | float
Close: TypeAlias = float | int | Decimal
SeriesLike: TypeAlias = Mapping[datetime, Close] | Iterable[tuple[Stamp, Close]]


def bar_label(bar_seconds: int) -> str:
    """'1d', '1h', or the length in seconds for anything else."""
    if bar_seconds % DAY == 0:
        return f"{bar_seconds // DAY}d"
    if bar_seconds % HOUR == 0:
        return f"{bar_seconds // HOUR}h"
    return f"{bar_seconds}s"


def to_datetime(epoch_seconds: int | np.integer) -> datetime:
    """An aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(int(epoch_seconds), tz=UTC)


def _epoch(stamp: Stamp, symbol: str) -> int:
    if isinstance(stamp, datetime):
        if stamp.tzinfo is None or stamp.utcoffset() is None:
            raise DataError(f"{symbol}: timestamp {stamp.isoformat()} has no time zone")
        return int(stamp.timestamp())
    return int(stamp)


@dataclass(frozen=True, eq=False)
class PriceHistory:
    """Closes of several symbols on one regular UTC grid; NaN where a close is missing."""

    symbols: tuple[str, ...]
    times: IntArray
    """Bar labels in epoch seconds, ascending, exactly ``bar_seconds`` apart."""
    closes: FloatArray
    """Shape ``(len(times), len(symbols))``; strictly positive or NaN."""
    bar_seconds: int = DAY

    def __post_init__(self) -> None:
        if self.bar_seconds <= 0:
            raise DataError(f"bar length must be positive, not {self.bar_seconds}s")
        if len(set(self.symbols)) != len(self.symbols):
            raise DataError("duplicate symbols in price history")
        if self.closes.shape != (len(self.times), len(self.symbols)):
            raise DataError(
                f"closes have shape {self.closes.shape}, expected "
                f"{(len(self.times), len(self.symbols))}"
            )
        if len(self.times) > 1 and np.any(np.diff(self.times) != self.bar_seconds):
            raise DataError(f"times are not a regular {bar_label(self.bar_seconds)} grid")
        bad = ~np.isnan(self.closes) & ~(self.closes > 0)
        if bad.any():
            row, col = (int(i) for i in np.argwhere(bad)[0])
            raise DataError(
                f"{self.symbols[col]}: close {float(self.closes[row, col])} at "
                f"{to_datetime(self.times[row]).isoformat()} is not a positive number"
            )
        if np.isinf(self.closes).any():
            raise DataError("closes must be finite")

    @property
    def periods_per_year(self) -> float:
        """Annualisation factor: 365 days a year, so 365 daily or 8,760 hourly bars."""
        return 365 * DAY / self.bar_seconds

    @property
    def bar(self) -> str:
        return bar_label(self.bar_seconds)

    def column(self, symbol: str) -> int | None:
        """Column of ``symbol``, or None if the history has no such symbol."""
        return self._index().get(symbol)

    def _index(self) -> dict[str, int]:
        cached: dict[str, int] | None = getattr(self, "_columns", None)
        if cached is None:
            cached = {s: i for i, s in enumerate(self.symbols)}
            object.__setattr__(self, "_columns", cached)
        return cached

    @classmethod
    def from_series(
        cls, series: Mapping[str, SeriesLike], *, bar_seconds: int = DAY
    ) -> PriceHistory:
        """Build the grid from per-symbol ``{time: close}`` maps or ``(time, close)`` pairs.

        Times may be aware datetimes or epoch seconds; each is floored to its bar, and two
        closes in the same bar are an error (the caller must choose one, we do not guess).
        """
        columns: dict[str, tuple[IntArray, FloatArray]] = {}
        for symbol, points in series.items():
            items = points.items() if isinstance(points, Mapping) else points
            stamps: list[int] = []
            values: list[float] = []
            for stamp, close in items:
                stamps.append(_epoch(stamp, symbol))
                values.append(float(close))
            ts = np.asarray(stamps, dtype=np.int64) // bar_seconds * bar_seconds
            vals = np.asarray(values, dtype=np.float64)
            order = np.argsort(ts, kind="stable")
            ts, vals = ts[order], vals[order]
            dupes = ts[1:][ts[1:] == ts[:-1]]
            if dupes.size:
                when = to_datetime(dupes[0]).isoformat()
                raise DataError(f"{symbol}: two closes in the {bar_label(bar_seconds)} bar {when}")
            columns[symbol] = (ts, vals)
        nonempty = [ts for ts, _ in columns.values() if ts.size]
        if not nonempty:
            return cls(tuple(columns), np.zeros(0, np.int64), np.zeros((0, len(columns))))
        start = min(int(ts[0]) for ts in nonempty)
        end = max(int(ts[-1]) for ts in nonempty)
        times = np.arange(start, end + bar_seconds, bar_seconds, dtype=np.int64)
        closes = np.full((times.size, len(columns)), np.nan)
        for j, (ts, vals) in enumerate(columns.values()):
            closes[(ts - start) // bar_seconds, j] = vals
        return cls(tuple(columns), times, closes, bar_seconds)


@dataclass(frozen=True, slots=True, eq=False)
class AssetWindow:
    """What one held asset brings to the window."""

    symbol: str
    weight: float
    observations: int
    coverage: float
    first: int | None
    last: int | None
    included: bool
    note: str | None


@dataclass(frozen=True, slots=True, eq=False)
class ReturnSample:
    """The returns every history-based figure is computed from: no NaN, weights sum to 1."""

    symbols: tuple[str, ...]
    """Included assets (positive weight, enough coverage), in the history's column order."""
    times: IntArray
    """Label of the bar each kept return ends on."""
    returns: FloatArray
    """Shape ``(n_observations, len(symbols))``."""
    weights: FloatArray
    """Included weights rescaled to sum to 1."""
    covered_weight: float
    benchmark: FloatArray | None
    """Benchmark returns on the kept rows (NaN where it has none), or None if absent."""
    benchmark_symbol: str | None
    window_periods: int
    window_start: int | None
    window_end: int | None
    assets: tuple[AssetWindow, ...]

    @property
    def n_observations(self) -> int:
        return int(self.returns.shape[0])


def resolve_benchmark(symbols: Iterable[str], name: str) -> str | None:
    """The symbol that stands for ``name``: exact match first, then a unique base match.

    ``BTC`` finds ``BTC``, else ``BTC-USD`` / ``BTC_USD`` / ``BTC/USDT`` if exactly one exists.
    """
    symbols = list(symbols)
    if name in symbols:
        return name
    wanted = name.upper()
    matches = [s for s in symbols if base_symbol(s) == wanted]
    return matches[0] if len(matches) == 1 else None


def base_symbol(symbol: str) -> str:
    """Upper-case base asset of a market symbol: ``btc-usd`` -> ``BTC``, ``ETH/USDT`` -> ``ETH``."""
    for sep in ("/", "-", "_", ":"):
        symbol = symbol.split(sep, 1)[0]
    return symbol.upper()


def build_sample(
    history: PriceHistory,
    weights: Mapping[str, float],
    *,
    window_periods: int,
    min_coverage: float,
    benchmark: str | None,
) -> ReturnSample:
    """Cut the last ``window_periods`` returns and keep the rows every included asset covers.

    ``weights`` must be non-negative and sum to 1 (see :func:`normalise_weights`).
    """
    closes = history.closes
    n_ret = max(len(history.times) - 1, 0)
    window = min(window_periods, n_ret)
    first_row = len(history.times) - window - 1  # row of the base close
    if window > 0:
        block = closes[first_row:]
        rets = block[1:] / block[:-1] - 1.0
        labels = history.times[first_row + 1 :]
    else:
        block = np.zeros((0, len(history.symbols)))
        rets = np.zeros((0, len(history.symbols)))
        labels = np.zeros(0, np.int64)
    valid = ~np.isnan(rets)
    present = ~np.isnan(block)
    counts = valid.sum(axis=0)

    assets: list[AssetWindow] = []
    cols: list[int] = []
    for symbol, weight in weights.items():
        col = history.column(symbol)
        if col is None or window == 0:
            why = "no price history" if col is None else "no returns in the window"
            assets.append(AssetWindow(symbol, weight, 0, 0.0, None, None, False, why))
            continue
        obs = int(counts[col])
        rows = np.flatnonzero(present[:, col])
        first = int(history.times[first_row + rows[0]]) if rows.size else None
        last = int(history.times[first_row + rows[-1]]) if rows.size else None
        cover = obs / window
        ok = weight > 0 and cover >= min_coverage and obs >= 2
        note: str | None = None
        if not ok:
            note = (
                "zero weight"
                if weight <= 0
                else f"covers {cover:.0%} of the window (needs {min_coverage:.0%})"
            )
        assets.append(AssetWindow(symbol, weight, obs, cover, first, last, ok, note))
        if ok:
            cols.append(col)

    cols.sort()
    keep = valid[:, cols].all(axis=1) if cols else np.zeros(window, dtype=bool)
    if cols == list(range(len(history.symbols))) and keep.all():
        sample, times = rets, labels  # the common case: no copy
    elif cols and keep.all():
        sample, times = rets[:, cols], labels
    else:
        sample = rets[np.ix_(keep, np.asarray(cols, dtype=np.int64))]
        times = labels[keep]
    symbols = tuple(history.symbols[c] for c in cols)
    raw = np.array([weights[s] for s in symbols], dtype=np.float64)
    covered = float(raw.sum())
    w = raw / covered if covered > 0 else raw

    bench_symbol = resolve_benchmark(history.symbols, benchmark) if benchmark else None
    bench = None
    if bench_symbol is not None:
        bcol = history.column(bench_symbol)
        assert bcol is not None
        bench = rets[keep, bcol]
    return ReturnSample(
        symbols=symbols,
        times=times,
        returns=sample,
        weights=w,
        covered_weight=covered,
        benchmark=bench,
        benchmark_symbol=bench_symbol,
        window_periods=window,
        window_start=int(history.times[first_row]) if window > 0 else None,
        window_end=int(history.times[-1]) if window > 0 else None,
        assets=tuple(assets),
    )


def normalise_weights(weights: Mapping[str, float | Decimal]) -> dict[str, float]:
    """Weights as floats summing to 1; negative, non-finite or all-zero weights are an error."""
    out: dict[str, float] = {}
    for symbol, raw in weights.items():
        value = float(raw)
        if not np.isfinite(value) or value < 0:
            raise DataError(f"weight of {symbol} is {raw}: weights must be finite and >= 0")
        out[symbol] = value
    total = sum(out.values())
    if total <= 0:
        raise DataError("weights sum to zero: nothing to measure")
    return {s: v / total for s, v in out.items()}
