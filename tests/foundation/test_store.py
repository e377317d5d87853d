"""The SQLite store: migrations, WAL, batching windows, durable orders, reads."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import StoreError
from core.models import Order, OrderStatus, OrderType, Side, Trade
from core.store import Store
from core.store.migrations import LATEST_VERSION

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def count(path: Path, table: str) -> int:
    """Rows committed, as another process would see them."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def trades(n: int) -> list[Trade]:
    return [
        Trade(
            venue="sim-a",
            symbol="BTC/USDT",
            price=Decimal("42000.1") + i,
            qty=Decimal("0.00123"),
            side=Side.BUY if i % 2 else Side.SELL,
            ts=T0 + timedelta(milliseconds=i),
            trade_id=str(i),
        )
        for i in range(n)
    ]


def order(cid: str, status: OrderStatus, minute: int) -> Order:
    ts = T0 + timedelta(minutes=minute)
    return Order(
        client_order_id=cid,
        venue="sim-a",
        symbol="ETH/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal("1.5"),
        price=Decimal("2300.01"),
        status=status,
        created_ts=ts,
        updated_ts=ts,
    )


def watch_flushes(store: Store) -> asyncio.Event:
    """An event set whenever the store commits a batch (wraps the instance's flush)."""
    flushed = asyncio.Event()
    original: Callable[[], Awaitable[None]] = store.flush

    async def flush() -> None:
        before = store.rows_written
        await original()
        if store.rows_written > before:
            flushed.set()

    store.flush = flush  # type: ignore[method-assign]
    return flushed


async def test_fresh_db_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cockpit.db"
    store = await Store.open(path)
    try:
        assert await store.schema_version() == LATEST_VERSION
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "trades", "balances", "events", "orders", "fills", "daily_closes"} <= tables


async def test_reopening_does_not_rerun_migrations(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.db"
    caplog.set_level(logging.INFO, logger="core.store.connection")
    store = await Store.open(path)
    store.record_trades(trades(3))
    await store.close()
    assert sum("store migrated" in r.message for r in caplog.records) == LATEST_VERSION
    caplog.clear()

    store = await Store.open(path)
    try:
        assert not [r for r in caplog.records if "store migrated" in r.message]
        assert await store.schema_version() == LATEST_VERSION
        assert await store.count("trades") == 3
    finally:
        await store.close()


async def test_batch_commits_within_flush_ms(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = await Store.open(path, flush_ms=50, batch_rows=10_000)
    try:
        flushed = watch_flushes(store)
        started = time.monotonic()
        store.record_trades(trades(10))
        assert count(path, "trades") == 0  # queued, not yet committed
        await asyncio.wait_for(flushed.wait(), timeout=5)
        elapsed = time.monotonic() - started
        assert count(path, "trades") == 10
        # It waited for the batch to fill for about flush_ms, then committed what it had.
        assert 0.04 <= elapsed < 1.0
    finally:
        await store.close()


async def test_full_batch_commits_before_flush_ms(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = await Store.open(path, flush_ms=10_000, batch_rows=100)
    try:
        flushed = watch_flushes(store)
        started = time.monotonic()
        store.record_trades(trades(60))
        store.record_trades(trades(40))
        await asyncio.wait_for(flushed.wait(), timeout=5)
        assert time.monotonic() - started < 5  # far sooner than the 10 s window
        assert count(path, "trades") == 100
        with sqlite3.connect(path) as conn:
            row = conn.execute(
                "SELECT ts_ns, venue, symbol, price, qty, side, trade_id FROM trades "
                "WHERE trade_id = '7'"
            ).fetchone()
        ts_ns = int(T0.timestamp()) * 1_000_000_000 + 7_000_000
        assert row == (ts_ns, "sim-a", "BTC/USDT", "42007.1", "0.00123", "buy", "7")
    finally:
        await store.close()


async def test_close_flushes_pending_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = await Store.open(path, flush_ms=10_000, batch_rows=10_000)
    store.record_trades(trades(25))
    await store.close()
    assert count(path, "trades") == 25


async def test_record_order_is_durable_when_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = await Store.open(path, flush_ms=10_000, batch_rows=10_000)
    try:
        o = order("o-1", OrderStatus.NEW, 0)
        await store.record_order(o)
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT client_order_id, status, payload FROM orders").fetchall()
        assert [(r[0], r[1]) for r in rows] == [("o-1", "new")]
        assert Order.model_validate_json(rows[0][2]) == o

        filled = o.model_copy(update={"status": OrderStatus.FILLED, "filled_qty": o.qty})
        await store.record_order(filled)
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT client_order_id, status FROM orders").fetchall()
        assert rows == [("o-1", "filled")]
    finally:
        await store.close()


async def test_open_orders_returns_non_final_oldest_first(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "c.db")
    try:
        statuses = [
            OrderStatus.OPEN,
            OrderStatus.FILLED,
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.REJECTED,
            OrderStatus.CANCELLED,
            OrderStatus.EXPIRED,
            OrderStatus.SUBMITTED,
            OrderStatus.UNKNOWN,
        ]
        # Recorded newest first, so the order of the result comes from created time.
        for i, status in reversed(list(enumerate(statuses))):
            await store.record_order(order(f"o{i}", status, i))
        open_ = await store.open_orders()
        expected = [f"o{i}" for i, s in enumerate(statuses) if not s.is_final]
        assert [o.client_order_id for o in open_] == expected
        assert [o.status for o in open_] == [s for s in statuses if not s.is_final]
    finally:
        await store.close()


async def test_newer_schema_than_supported_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        await Store.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION + 1


async def test_daily_closes_round_trip(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "c.db")
    try:
        days = [datetime(2024, 1, d, tzinfo=UTC) for d in range(1, 11)]
        series = {
            "BTC": [(d, 40_000.0 + 123.25 * i) for i, d in enumerate(days)],
            "ETH": [(d, 2_000.0 - 7.5 * i) for i, d in enumerate(days)],
        }
        await store.save_daily_closes("sim", series)
        await store.save_daily_closes("other", {"BTC": [(days[0], 1.0)]})
        got = await store.daily_closes("sim")
        assert got == {a: [(d.date(), c) for d, c in pts] for a, pts in series.items()}
        since = await store.daily_closes("sim", assets=["ETH"], since=date(2024, 1, 8))
        assert since == {"ETH": [(d.date(), c) for d, c in series["ETH"][7:]]}
        # Saving again replaces rather than duplicates.
        await store.save_daily_closes("sim", {"BTC": [(days[0], 1.5)]})
        again = await store.daily_closes("sim", assets=["BTC"])
        assert again["BTC"][0] == (date(2024, 1, 1), 1.5) and len(again["BTC"]) == 10
        assert await store.daily_closes("other") == {"BTC": [(date(2024, 1, 1), 1.0)]}
    finally:
        await store.close()


async def test_sessions_are_marked_clean_on_end(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = await Store.open(path)
    first = await store.begin_session("paper", ["sim-a"], "0.1.0")
    await store.close()
    store = await Store.open(path)
    second = await store.begin_session("paper", ["sim-a", "sim-b"], "0.1.0")
    await store.end_session()
    await store.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, clean_exit, venues FROM sessions ORDER BY id").fetchall()
    assert rows == [(first, 0, '["sim-a"]'), (second, 1, '["sim-a", "sim-b"]')]


async def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match=str(path)):
        await Store.open(path)
