"""Venue OHLCV for the price chart: 1m, 5m and 1h candles from before the stored prints.

The stored prints begin when a cockpit first streamed a market, so a fresh database charts
only the minutes since start. Every venue publishes its own candles (ccxt ``fetch_ohlcv``:
Kraken ``/0/public/OHLC``, Binance ``/api/v3/klines``; the simulator generates a history on
its own price path), and :func:`venue_bars` fetches them for the chart's window when the chart
asks (the core answers ``ChartHistory`` in its own loop, never the UI's). Closed candles never
change, so they are cached in the store (:mod:`core.store.bars`) and only the buckets after the
newest cached one are asked for next time. :func:`join` puts the venue's candles first and
the stored prints' candles after the newest of them (the prints go on live from there).
:class:`VenueBars` bounds how long a chart's request waits for a slow venue: the core answers
a client's commands one after another, and an order must not queue behind a chart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, runtime_checkable

from core.candles import Candle, Timeframe
from core.errors import CockpitError
from core.store.bars import save_bars, stored_bars
from core.store.db import Store

INTRADAY = (Timeframe.M1, Timeframe.M5, Timeframe.H1)
"""Timeframes fetched from the venue (daily charts use the stored daily closes)."""
MAX_PAGES = 4
"""Requests per chart opening at most (a venue answers 500 to 1,000 candles a request)."""
PAGE = 1000


@runtime_checkable
class BarSource(Protocol):
    """A venue's candles: ccxt OHLCV rows ``[open_ms, open, high, low, close, volume]``."""

    venue: str
    cache_bars: bool
    """Whether its closed candles are the same next session (a real venue's are; the
    simulator's history is generated afresh for each session's price path)."""

    async def ohlcv(
        self, symbol: str, timeframe: str, since_ms: int, limit: int
    ) -> list[list[Any]]: ...


def bar_source(venue: object) -> BarSource | None:
    """The candle source of a core venue: the venue itself (the simulator) or its REST
    adapter (a live venue), or None when it has none."""
    for candidate in (venue, getattr(venue, "rest", None)):
        if isinstance(candidate, BarSource):
            return candidate
    return None


def candles_from_rows(
    rows: Iterable[Sequence[Any]], timeframe: Timeframe, until: datetime
) -> tuple[Candle, ...]:
    """Closed candles (ending at or before ``until``) from OHLCV rows, oldest first, one per
    bucket; rows that are malformed, off the bucket grid or not positive are left out."""
    out: dict[datetime, Candle] = {}
    step = timedelta(seconds=timeframe.seconds)
    for row in rows:
        try:
            ts = datetime.fromtimestamp(int(row[0]) // 1000, UTC)
            o, h, lo, c = (Decimal(str(v)) for v in row[1:5])
            volume = Decimal(str(row[5])) if row[5] is not None else Decimal(0)
        except (IndexError, TypeError, ValueError, InvalidOperation):
            continue
        if timeframe.start(ts) != ts or ts + step > until or min(o, h, lo, c) <= 0:
            continue
        out[ts] = Candle(
            ts=ts, open=o, high=max(h, o, c), low=min(lo, o, c), close=c, volume=volume
        )
    return tuple(out[ts] for ts in sorted(out))


def join(bars: Sequence[Candle], prints: Sequence[Candle]) -> tuple[Candle, ...]:
    """The venue's candles, then the stored prints' candles after the newest of them."""
    last = bars[-1].ts if bars else None
    return (*bars, *(c for c in prints if last is None or c.ts > last))


@dataclass(frozen=True, slots=True)
class Window:
    """The candles a chart asks a venue for: one market, one timeframe, ``[since, until)``."""

    source: BarSource
    symbol: str
    timeframe: Timeframe
    since: datetime
    until: datetime

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source.venue, self.symbol, self.timeframe.value)


async def venue_bars(store: Store, window: Window) -> tuple[Candle, ...]:
    """The venue's closed candles in ``window``: the cached ones, then whatever the venue has
    after them (cached in turn). ``ExchangeError`` when the venue cannot answer (the caller
    charts what it has)."""
    source, symbol, timeframe = window.source, window.symbol, window.timeframe
    since, until = window.since, window.until
    cached: tuple[Candle, ...] = ()
    if source.cache_bars:
        cached = await stored_bars(store, source.venue, symbol, timeframe, since, until)
    step = timedelta(seconds=timeframe.seconds)
    # After the newest cached candle; the whole window again when the cache starts late (a
    # longer window than before, or pruned): upserts keep one row per bucket.
    start = cached[-1].ts + step if cached and cached[0].ts <= since + step else since
    fetched: list[Candle] = []
    for _ in range(MAX_PAGES):
        if start + step > until:
            break
        since_ms = int(start.timestamp() * 1000)
        rows = await source.ohlcv(symbol, timeframe.value, since_ms, PAGE)
        page = [c for c in candles_from_rows(rows, timeframe, until) if c.ts >= start]
        if not page:
            break
        fetched.extend(page)
        start = page[-1].ts + step
    if fetched and source.cache_bars:
        await save_bars(store, source.venue, symbol, timeframe, fetched)
    newer = {c.ts: c for c in (*cached, *fetched)}  # a refetched bucket: the venue's latest
    return tuple(newer[ts] for ts in sorted(newer))


Spawn = Callable[[str, Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]
Key = tuple[str, str, str]
"""(venue, symbol, timeframe)."""


class VenueBars:
    """The chart's venue candles, one fetch at a time per market and timeframe.

    An asker waits up to ``wait_s``; a fetch that takes longer goes on in the background (a
    tracked task), caches what it gets and keeps its outcome for the next asker, and counts in
    ``fetched`` (the core publishes it), so a chart answered with ``pending`` asks again once
    that count moves.
    """

    def __init__(self, spawn: Spawn, on_done: Callable[[], None], *, wait_s: float = 3.0) -> None:
        self._spawn = spawn
        self._on_done = on_done
        self.wait_s = wait_s
        self.fetched = 0
        """Background fetches finished so far (successful or not)."""
        self._running: dict[Key, asyncio.Task[tuple[Candle, ...] | CockpitError]] = {}
        self._outcomes: dict[Key, tuple[Candle, ...] | CockpitError] = {}

    async def get(self, store: Store, window: Window) -> tuple[tuple[Candle, ...], bool]:
        """``(candles, pending)``: the venue's candles, or the cached ones and ``pending`` when
        the venue has not answered within ``wait_s``. ``CockpitError`` when it failed."""
        key = window.key
        outcome = self._outcomes.pop(key, None)
        if outcome is None:
            task = self._running.get(key)
            if task is None:
                task = self._spawn(f"chart:candles:{':'.join(key)}", self._fetch(store, window))
                self._running[key] = task
            done, _ = await asyncio.wait({task}, timeout=self.wait_s)
            if task not in done:
                cached: tuple[Candle, ...] = ()
                if window.source.cache_bars:
                    w = window
                    cached = await stored_bars(
                        store, key[0], w.symbol, w.timeframe, w.since, w.until
                    )
                return cached, True
            self._outcomes.pop(key, None)  # this asker takes the outcome itself
            outcome = task.result()
        if isinstance(outcome, CockpitError):
            raise outcome
        return outcome, False

    async def _fetch(self, store: Store, window: Window) -> tuple[Candle, ...] | CockpitError:
        try:
            outcome: tuple[Candle, ...] | CockpitError = await venue_bars(store, window)
        except CockpitError as exc:  # the asker shows it; nothing for the task's own log
            outcome = exc
        self._running.pop(window.key, None)
        self._outcomes[window.key] = outcome
        self.fetched += 1
        self._on_done()
        return outcome
