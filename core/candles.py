"""Candles: OHLCV buckets built from trade prints, daily closes or finer candles.

Sans-I/O and pure: the core aggregates the prints it stores into 1-minute candles and folds
those into any coarser timeframe; the chart renders the result. A :class:`ChartView` is the
frozen snapshot the chart screen hands its widget; a :class:`CandleTail` is what the core
publishes with every state (the newest 1-minute candles of the selected market), small enough
to cross the daemon socket at the UI rate, while history is fetched once with a command.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from core.models import ZERO, BookSnapshot, Model, Trade, UtcDatetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Timeframe(StrEnum):
    """The chart's bucket sizes."""

    M1 = "1m"
    M5 = "5m"
    H1 = "1h"
    D1 = "1d"

    @property
    def seconds(self) -> int:
        return _SECONDS[self]

    def start(self, ts: datetime) -> datetime:
        """The start of the bucket holding ``ts`` (buckets are aligned to the UTC epoch)."""
        elapsed = int((ts - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=elapsed - elapsed % self.seconds)


_SECONDS = {Timeframe.M1: 60, Timeframe.M5: 300, Timeframe.H1: 3600, Timeframe.D1: 86_400}
TIMEFRAMES: tuple[Timeframe, ...] = tuple(Timeframe)


class Candle(Model):
    """One bucket of prints: open, high, low, close and the base quantity traded."""

    ts: UtcDatetime
    """Start of the bucket."""
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = ZERO
    trades: int = 0
    """Prints in the bucket (0 for a candle made from a daily close)."""

    def add(self, price: Decimal, qty: Decimal) -> Candle:
        """This candle with one more print at its end."""
        return Candle.model_construct(
            ts=self.ts,
            open=self.open,
            high=max(self.high, price),
            low=min(self.low, price),
            close=price,
            volume=self.volume + qty,
            trades=self.trades + 1,
        )

    def join(self, later: Candle, ts: datetime | None = None) -> Candle:
        """This candle followed by ``later`` (a later part of the same bucket) as one."""
        return Candle.model_construct(
            ts=ts or self.ts,
            open=self.open,
            high=max(self.high, later.high),
            low=min(self.low, later.low),
            close=later.close,
            volume=self.volume + later.volume,
            trades=self.trades + later.trades,
        )


def _first(ts: datetime, price: Decimal, qty: Decimal) -> Candle:
    return Candle.model_construct(
        ts=ts, open=price, high=price, low=price, close=price, volume=qty, trades=1
    )


def aggregate(
    prints: Iterable[tuple[datetime, Decimal, Decimal]], timeframe: Timeframe
) -> tuple[Candle, ...]:
    """Candles from ``(ts, price, qty)`` prints in time order; empty buckets are left out.

    A print older than the bucket being built (feeds deliver slightly out of order across
    venues' clocks) joins that bucket rather than opening an old one again.
    """
    out: list[Candle] = []
    current: Candle | None = None
    end: datetime | None = None
    for ts, price, qty in prints:
        if current is not None and end is not None and ts < end:
            current = current.add(price, qty)
            continue
        if current is not None:
            out.append(current)
        start = timeframe.start(ts)
        end = start + timedelta(seconds=timeframe.seconds)
        current = _first(start, price, qty)
    if current is not None:
        out.append(current)
    return tuple(out)


def aggregate_trades(trades: Iterable[Trade], timeframe: Timeframe) -> tuple[Candle, ...]:
    """:func:`aggregate` over trade prints."""
    return aggregate(((t.ts, t.price, t.qty) for t in trades), timeframe)


def resample(candles: Iterable[Candle], timeframe: Timeframe) -> tuple[Candle, ...]:
    """Fold finer candles (in time order) into ``timeframe`` buckets."""
    return merge((), candles, timeframe)


def merge(
    history: Sequence[Candle], tail: Iterable[Candle], timeframe: Timeframe
) -> tuple[Candle, ...]:
    """``history`` (``timeframe`` candles of the prints before some instant) continued by
    ``tail`` (finer candles of the prints from that instant on), as ``timeframe`` candles.

    The two cover disjoint prints, so a bucket split between them is joined, never counted
    twice. Tail candles older than the history's last bucket are ignored.
    """
    out = list(history)
    for candle in tail:
        start = timeframe.start(candle.ts)
        if out and start < out[-1].ts:
            continue
        if out and out[-1].ts == start:
            out[-1] = out[-1].join(candle)
        else:
            out.append(candle if candle.ts == start else candle.model_copy(update={"ts": start}))
    return tuple(out)


def from_closes(closes: Iterable[tuple[date, float]]) -> tuple[Candle, ...]:
    """Daily candles from stored daily closes (a close only: open, high and low equal it)."""
    out = []
    for day, close in closes:
        price = Decimal(repr(close))
        ts = datetime(day.year, day.month, day.day, tzinfo=UTC)
        out.append(Candle(ts=ts, open=price, high=price, low=price, close=price))
    return tuple(out)


class CandleTail(Model):
    """The newest 1-minute candles of one market, oldest first (published with each state)."""

    venue: str
    symbol: str
    candles: tuple[Candle, ...] = ()


class ChartView(Model):
    """What the price chart shows: candles of one market at one timeframe (also the typed
    answer to ``ChartHistory``)."""

    kind: Literal["chart_view"] = "chart_view"

    venue: str
    symbol: str
    timeframe: Timeframe
    candles: tuple[Candle, ...] = ()
    until: UtcDatetime
    """The history covers the prints before this instant; live candles continue it."""
    close_only: bool = False
    """The candles come from daily closes (no open, high, low or volume): draw a line."""
    source: str = "trades"
    """Where the candles come from: ``trades`` (the stored prints), ``venue`` (the venue's
    own candles), ``closes`` (daily closes), or two of them joined (``venue+trades``)."""
    note: str = ""
    """Why the history is shorter than asked, when the chart should say so (a venue that
    could not send its candles)."""
    pending: bool = False
    """The venue's candles are still on their way: ask again when the state's
    ``candle_fetches`` moves."""


class LiveCandles:
    """The newest 1-minute candles of every market the core streams, updated per print.

    Mutable and owned by the core; :meth:`tail` hands out a frozen :class:`CandleTail` that
    stays the same object until a print changes it (the state codec sends a section only when
    its object changed).
    """

    def __init__(self, keep: int = 3) -> None:
        self.keep = keep
        self._candles: dict[tuple[str, str], list[Candle]] = {}
        self._ends: dict[tuple[str, str], datetime] = {}
        self._tails: dict[tuple[str, str], CandleTail] = {}

    def on_trade(self, trade: Trade) -> None:
        key = (trade.venue, trade.symbol)
        rows = self._candles.get(key)
        end = self._ends.get(key)
        if rows and end is not None and trade.ts < end:
            rows[-1] = rows[-1].add(trade.price, trade.qty)
        else:
            start = Timeframe.M1.start(trade.ts)
            rows = self._candles.setdefault(key, [])
            rows.append(_first(start, trade.price, trade.qty))
            del rows[: -self.keep]
            self._ends[key] = start + timedelta(minutes=1)
        self._tails.pop(key, None)

    def tail(self, venue: str, symbol: str) -> CandleTail:
        key = (venue, symbol)
        tail = self._tails.get(key)
        if tail is None:
            tail = CandleTail(venue=venue, symbol=symbol, candles=tuple(self._candles.get(key, ())))
            self._tails[key] = tail
        return tail


class DepthPoint(Model):
    """One step of a cumulative depth curve: up to ``price``, ``qty`` of base is on offer."""

    price: Decimal
    qty: Decimal


def depth_curve(book: BookSnapshot) -> tuple[tuple[DepthPoint, ...], tuple[DepthPoint, ...]]:
    """Cumulative bid and ask depth, each from the best price outwards."""

    def walk(levels: Iterable[tuple[Decimal, Decimal]]) -> tuple[DepthPoint, ...]:
        running = ZERO
        out = []
        for price, qty in levels:
            running += qty
            out.append(DepthPoint(price=price, qty=running))
        return tuple(out)

    return (
        walk((level.price, level.qty) for level in book.bids),
        walk((level.price, level.qty) for level in book.asks),
    )
