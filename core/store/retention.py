"""Retention: the store forgets old journal frames and old trades, so a core that runs for
weeks does not fill its disk.

A running core prunes at start and every hour (``RETENTION_EVERY_S``). Deletions are queued
into the store's next batch transaction, like every other write: no separate transaction
that a shutdown could interrupt half-way.

- **Journal** frames (the flight recorder) older than ``journal.retention_days``, by frame
  time, in every session, so a session that lasts longer than the retention is trimmed too.
  A replay starts at a session's first full frame (:func:`core.journal.load_frames`), so a
  trimmed session still replays.
- **Trades** (market prints) older than ``store.trade_retention_days``. The trades table has
  no time index on purpose (an index there divides ingest speed by ~8, issue 2), so the cut
  is found by a binary search over the rowid, which follows arrival order: about 2·log₂(n)
  point lookups, then one range delete on the rowid. Prints arrive in time order per venue,
  so the cut is exact to within the venues' clock skew.

- **Venue candles** cached for the chart (``venue_bars``) older than ``BARS_KEEP_DAYS``: a
  cache, fetched again from the venue when a chart needs them.

Orders, fills, events, balances, plans and daily closes are kept: they are small and they are
the record (the audit trail's hash chain spans orders and events).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings
    from core.store.db import Store

DAY_NS = 86_400 * 10**9

RETENTION_EVERY_S = 3600.0
JOURNAL_PRUNE = "DELETE FROM journal WHERE session_id IN (SELECT id FROM sessions) AND ts_ns < ?"
"""(``session_id IN (...)`` lets SQLite walk the (session_id, ts_ns) index per session.)"""
TRADES_PRUNE = "DELETE FROM trades WHERE rowid < ?"
BARS_PRUNE = "DELETE FROM venue_bars WHERE ts_ns < ?"
BARS_KEEP_DAYS = 30
"""Venue candles cached for the chart are kept this long (a default 1h chart spans 17 days;
a longer window fetches its older candles again)."""


async def run_retention(store: Store, settings: Settings, *, clock: Callable[[], datetime]) -> None:
    """Prune now, then every ``RETENTION_EVERY_S``, until cancelled (a core's task): journal
    frames after ``journal.retention_days``, trades after ``store.trade_retention_days``."""
    from core.store.db import to_ns

    while True:
        now = to_ns(clock())
        await prune(
            store,
            journal_before_ns=now - int(settings.journal.retention_days * DAY_NS),
            trades_before_ns=now - int(settings.store.trade_retention_days * DAY_NS),
            bars_before_ns=now - BARS_KEEP_DAYS * DAY_NS,
        )
        await asyncio.sleep(RETENTION_EVERY_S)


async def prune(
    store: Store,
    *,
    journal_before_ns: int,
    trades_before_ns: int,
    bars_before_ns: int | None = None,
) -> int | None:
    """Queue the deletion of journal frames, trades and cached venue candles older than the
    given times (candles only when ``bars_before_ns`` is given).

    Returns the first trade rowid kept (None when no trade is old enough to go).
    """
    store.add(JOURNAL_PRUNE, (journal_before_ns,))
    if bars_before_ns is not None:
        store.add(BARS_PRUNE, (bars_before_ns,))
    cut = await first_rowid_at(store, "trades", trades_before_ns)
    if cut is not None:
        store.add(TRADES_PRUNE, (cut,))
    return cut


async def first_rowid_at(store: Store, table: str, ts_ns: int) -> int | None:
    """The smallest rowid of ``table`` whose ``ts_ns`` is at or after ``ts_ns``, found by a
    binary search over rowids (rows in arrival order); None when the oldest row is already
    that recent (nothing to cut). When every row is older, one past the newest rowid. A
    returned cut may fall in a gap of rowids: deleting below it is the same either way."""
    ((low, high),) = await store.fetch_all(f"SELECT MIN(rowid), MAX(rowid) FROM {table}")
    if low is None:
        return None
    lo, hi = int(low), int(high) + 1  # the answer is in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        rows = await store.fetch_all(
            f"SELECT rowid, ts_ns FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1", (mid,)
        )
        rowid, row_ts = int(rows[0][0]), int(rows[0][1])
        if rowid >= hi:  # no row in [mid, hi): cutting below mid or below hi is the same
            hi = mid
        elif row_ts < ts_ns:
            lo = rowid + 1
        else:
            hi = rowid
    return None if lo <= int(low) else lo
