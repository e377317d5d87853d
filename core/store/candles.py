"""Candles read from the stored trade prints, aggregated by SQLite.

The trades table has no time index (it would slow ingest, see ``core.store.migrations``), so
the first row of the window is found by a binary search over the rowid
(:func:`core.store.retention.first_rowid_at`) and the rest is one grouped scan: SQLite
computes each bucket's high, low, volume and count, and the rowids of its first and last print,
whose exact prices are then read as open and close. High and low go through SQLite's REAL,
which keeps a price of up to 15 significant digits exact (the decimal text is read back from
the shortest repr); volume is summed as a float and kept to 12 significant digits (a
display figure, exact for the usual sizes).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from core.candles import Candle, Timeframe
from core.store.db import Store, to_ns
from core.store.retention import first_rowid_at

BUCKETS = (
    "SELECT ts_ns / ? AS bucket, MIN(rowid), MAX(rowid), MIN(CAST(price AS REAL)),"
    " MAX(CAST(price AS REAL)), TOTAL(CAST(qty AS REAL)), COUNT(*) FROM trades"
    " WHERE rowid >= ? AND venue = ? AND symbol = ? AND ts_ns >= ? AND ts_ns < ?"
    " GROUP BY bucket ORDER BY bucket"
)
PRICES = "SELECT rowid, price FROM trades WHERE rowid IN ({})"
CHUNK = 400
"""Rowids per ``IN (...)`` lookup (well under SQLite's parameter limit)."""


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
    since_ns, until_ns = to_ns(since), to_ns(until)
    first = await first_rowid_at(store, "trades", since_ns)
    if first is None:  # every stored print is at or after ``since``
        first = 0
    bucket_ns = timeframe.seconds * 1_000_000_000
    rows = await store.fetch_all(BUCKETS, (bucket_ns, first, venue, symbol, since_ns, until_ns))
    wanted = [rowid for row in rows for rowid in (row[1], row[2])]
    prices: dict[int, Decimal] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        sql = PRICES.format(",".join("?" * len(chunk)))
        for rowid, price in await store.fetch_all(sql, chunk):
            prices[int(rowid)] = Decimal(price)
    out = []
    for bucket, first_id, last_id, low, high, volume, count in rows:
        ts = datetime.fromtimestamp(int(bucket) * timeframe.seconds, UTC)
        out.append(
            Candle(
                ts=ts,
                open=prices[int(first_id)],
                high=_exact(high),
                low=_exact(low),
                close=prices[int(last_id)],
                volume=Decimal(f"{volume:.12g}"),
                trades=int(count),
            )
        )
    return tuple(out)
