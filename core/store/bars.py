"""Venue OHLCV candles cached for the price chart (the ``venue_bars`` table).

A venue's closed candles never change, so the chart asks the venue only for the buckets after
the newest cached one (:mod:`core.venue_candles`). Prices and volumes are stored as decimal
text, exactly as the venue sent them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from core.candles import Candle, Timeframe
from core.store.db import Store, to_ns

UPSERT = (
    "INSERT OR REPLACE INTO venue_bars (venue, symbol, timeframe, ts_ns, open, high, low, close,"
    " volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT = (
    "SELECT ts_ns, open, high, low, close, volume FROM venue_bars WHERE venue = ? AND symbol = ?"
    " AND timeframe = ? AND ts_ns >= ? AND ts_ns < ? ORDER BY ts_ns"
)


async def stored_bars(
    store: Store, venue: str, symbol: str, timeframe: Timeframe, since: datetime, until: datetime
) -> tuple[Candle, ...]:
    """The cached candles of one market and timeframe starting in ``[since, until)``."""
    rows = await store.fetch_all(
        SELECT, (venue, symbol, timeframe.value, to_ns(since), to_ns(until))
    )
    return tuple(
        Candle(
            ts=datetime.fromtimestamp(ts_ns // 1_000_000_000, UTC),
            open=Decimal(o),
            high=Decimal(h),
            low=Decimal(lo),
            close=Decimal(c),
            volume=Decimal(v),
        )
        for ts_ns, o, h, lo, c, v in rows
    )


async def save_bars(
    store: Store, venue: str, symbol: str, timeframe: Timeframe, candles: Iterable[Candle]
) -> None:
    """Cache closed candles (committed before this returns)."""
    rows = [
        (venue, symbol, timeframe.value, to_ns(c.ts), str(c.open), str(c.high), str(c.low),
         str(c.close), str(c.volume))
        for c in candles
    ]  # fmt: skip
    if rows:
        store.add_many(UPSERT, rows)
        await store.flush()
