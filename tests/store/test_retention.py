"""Retention: old trades and journal frames go, in the store's own batch; the rest stays."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from core.journal import load_frames
from core.store import Store
from core.store.retention import first_rowid_at, prune
from tests.daemon.recorded import record_session

SECOND = 10**9


async def trades_at(store: Store, times: list[int]) -> None:
    store.add_many(
        "INSERT INTO trades (ts_ns, venue, symbol, price, qty, side) VALUES (?, ?, ?, ?, ?, ?)",
        ((t, "v", "BTC/USD", "1", "1", "buy") for t in times),
    )
    await store.flush()


async def test_the_cut_is_the_first_row_at_or_after_the_time_even_across_rowid_gaps(
    store: Store,
) -> None:
    assert await first_rowid_at(store, "trades", 5 * SECOND) is None  # empty table
    rng = random.Random(7)
    times = sorted(rng.randrange(0, 1_000) * SECOND for _ in range(400))
    await trades_at(store, times)
    # Holes in the rowids, as earlier prunes and deletes leave them.
    await store.fetch_all("DELETE FROM trades WHERE rowid % 7 = 0 OR rowid BETWEEN 100 AND 160")
    rows = await store.fetch_all("SELECT rowid, ts_ns FROM trades ORDER BY rowid")
    for cutoff in [0, 1, *rng.sample(range(0, 1_001), 40), 999 * SECOND, 2_000 * SECOND]:
        cutoff_ns = cutoff * SECOND if cutoff < 1_000_000 else cutoff
        cut = await first_rowid_at(store, "trades", cutoff_ns)
        old = [r for r, t in rows if t < cutoff_ns]
        if not old:
            assert cut is None, cutoff
            continue
        assert cut is not None
        kept = [r for r, _ in rows if r >= cut]
        assert [r for r, _ in rows if r < cut] == old, cutoff  # exactly the old rows go
        assert all(t >= cutoff_ns for r, t in rows if r in kept)


async def test_prune_deletes_old_trades_and_journal_frames_of_every_session(
    tmp_path: Path,
) -> None:
    db = tmp_path / "c.db"
    await record_session(db, states=20)
    await record_session(db, states=20)
    with sqlite3.connect(db) as conn:
        (newest,) = conn.execute("SELECT MAX(ts_ns) FROM journal").fetchone()
        (total_trades,) = conn.execute("SELECT COUNT(*) FROM trades").fetchone()
        sessions = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY id")]
        # Age the first half of each session's frames and of the trades by 30 days.
        for sid in sessions:
            frames = [
                r[0]
                for r in conn.execute(
                    "SELECT rowid FROM journal WHERE session_id = ? ORDER BY ts_ns", (sid,)
                )
            ]
            old = frames[: len(frames) // 2]
            conn.executemany(
                "UPDATE journal SET ts_ns = ts_ns - ? WHERE rowid = ?",
                [(30 * 86_400 * SECOND, r) for r in old],
            )
        conn.execute(
            "UPDATE trades SET ts_ns = ts_ns - ? WHERE rowid <= ?",
            (30 * 86_400 * SECOND, total_trades // 2),
        )
        (events_before,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
    store = await Store.open(db)
    try:
        cutoff = newest - 7 * 86_400 * SECOND
        await prune(store, journal_before_ns=cutoff, trades_before_ns=cutoff)
        await store.flush()
    finally:
        await store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM journal WHERE ts_ns < ?", (cutoff,)
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT COUNT(*) FROM trades WHERE ts_ns < ?", (cutoff,)
        ).fetchone() == (0,)
        (trades_left,) = conn.execute("SELECT COUNT(*) FROM trades").fetchone()
        assert trades_left == total_trades - total_trades // 2
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (events_before,)
        for sid in sessions:
            (left,) = conn.execute(
                "SELECT COUNT(*) FROM journal WHERE session_id = ?", (sid,)
            ).fetchone()
            assert left > 0
    # A trimmed session still replays: from its first full frame.
    for sid in sessions:
        _, frames = load_frames(db, sid)
        assert frames[0].full
