"""Candles read from the stored trade prints, aggregated by SQLite.

The trades table has no time index (it would slow ingest, see ``core.store.migrations``), so
the first row of the window is found by a binary search over the rowid (as
:func:`core.store.retention.first_rowid_at` does, here inside the query) and the rest is one
grouped scan: SQLite computes each bucket's high, low, volume and count, and the rowids of its
first and last print, whose exact prices are read as open and close. High and low go
through SQLite's REAL, which keeps a price of up to 15 significant digits exact (the decimal
text is read back from the shortest repr); volume is summed as a float and kept to 12
significant digits (a display figure, exact for the usual sizes).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from core.candles import Candle, Timeframe
from core.store.db import Store, to_ns

CANDLES = """
WITH RECURSIVE search(lo, hi) AS (
    SELECT (SELECT MIN(rowid) FROM trades), (SELECT MAX(rowid) FROM trades) + 1
    UNION ALL
    SELECT
        CASE WHEN (SELECT ts_ns FROM trades WHERE rowid >= (lo + hi) / 2 ORDER BY rowid LIMIT 1)
            < ?1 THEN (lo + hi) / 2 + 1 ELSE lo END,
        CASE WHEN (SELECT ts_ns FROM trades WHERE rowid >= (lo + hi) / 2 ORDER BY rowid LIMIT 1)
            < ?1 THEN hi ELSE (lo + hi) / 2 END
    FROM search WHERE lo < hi
),
buckets AS (
    SELECT ts_ns / ?3 AS bucket, MIN(rowid) AS first, MAX(rowid) AS last,
        MIN(CAST(price AS REAL)) AS low, MAX(CAST(price AS REAL)) AS high,
        TOTAL(CAST(qty AS REAL)) AS volume, COUNT(*) AS prints
    FROM trades
    WHERE rowid >= (SELECT COALESCE(MIN(lo), 0) FROM search WHERE lo >= hi)
        AND venue = ?4 AND symbol = ?5 AND ts_ns >= ?1 AND ts_ns < ?2
    GROUP BY bucket
)
SELECT bucket, o.price, high, low, c.price, volume, prints
FROM buckets JOIN trades o ON o.rowid = first JOIN trades c ON c.rowid = last
ORDER BY bucket
"""
"""One statement, so one round trip to the database thread whatever the table's size: the
first row of the window by a binary search over the rowid (a recursive query), the buckets in
one grouped scan from there, and each bucket's first and last print (open and close) by rowid."""


def _exact(value: float) -> Decimal:
    return Decimal(repr(value))


async def stored_candles(
    store: Store,
    venue: str,
    symbol: str,
    timeframe: Timeframe,
    since: datetime,
    until: datetime,
) -> tuple[Candle, ...]:
    """``timeframe`` candles of the prints of one market stored in ``[since, until)``."""
    params = (to_ns(since), to_ns(until), timeframe.seconds * 1_000_000_000, venue, symbol)
    out = []
    for bucket, open_, high, low, close, volume, count in await store.fetch_all(CANDLES, params):
        ts = datetime.fromtimestamp(int(bucket) * timeframe.seconds, UTC)
        out.append(
            Candle(
                ts=ts,
                open=Decimal(open_),
                high=_exact(high),
                low=_exact(low),
                close=Decimal(close),
                volume=Decimal(f"{volume:.12g}"),
                trades=int(count),
            )
        )
    return tuple(out)
