"""The store: one aiosqlite connection in WAL mode, migrations, batched and durable writes.

High-rate rows (trades, balances, events) go through :meth:`Store.add`, which appends to an
in-memory batch per statement; a flusher commits every batch when it reaches ``batch_rows`` or
``flush_ms`` has passed since its first row, whichever comes first, as one transaction with
``executemany``. Writes that must not be lost before an action (orders before they are sent)
use :meth:`Store.add_durable`, which returns only once its row is committed.

All SQL runs on aiosqlite's own thread, so long reads never block the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from core.errors import StoreError
from core.models import Balance, Fill, LogEvent, Order, Trade
from core.private_files import private_database
from core.store.migrations import LATEST_VERSION, MIGRATIONS

log = logging.getLogger(__name__)

TRADE_INSERT = (
    "INSERT INTO trades (ts_ns, venue, symbol, price, qty, side, trade_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
BALANCE_INSERT = (
    "INSERT INTO balances (ts_ns, location_id, asset, total, free, source)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
EVENT_INSERT = (
    "INSERT INTO events (ts_ns, session_id, kind, level, venue, symbol, client_order_id, message,"
    " payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
ORDER_UPSERT = (
    "INSERT INTO orders (client_order_id, venue, symbol, side, type, status, created_ns,"
    " updated_ns, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (client_order_id) DO UPDATE SET status = excluded.status,"
    " updated_ns = excluded.updated_ns, payload = excluded.payload"
)
FILL_INSERT = (
    "INSERT OR IGNORE INTO fills (venue, trade_id, client_order_id, symbol, ts_ns, payload)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
WAL_PAGES = 256
"""Pages (4 KiB) the WAL may hold before it is checkpointed into the database."""
WAL_LIMIT = 1 << 20
"""Bytes the WAL file is truncated to after a checkpoint."""
CLOSE_UPSERT = "INSERT OR REPLACE INTO daily_closes (source, asset, day, close) VALUES (?, ?, ?, ?)"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_ns(ts: datetime) -> int:
    """Aware datetime to integer nanoseconds since the epoch (exact to the microsecond)."""
    # timedelta // timedelta is exact integer arithmetic, and half the cost of assembling
    # days/seconds/microseconds by hand: this runs once per stored row.
    return (ts - EPOCH) // _MICROSECOND * 1_000


def from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


def readonly_uri(path: Path) -> str:
    """The ``mode=ro`` URI of an existing database (a missing file is a StoreError: opening it
    read-only must never create it)."""
    if not path.is_file():
        raise StoreError(f"{path}: no such database")
    return f"{path.resolve().as_uri()}?mode=ro"


def trade_row(t: Trade) -> tuple[int, str, str, str, str, str, str | None]:
    """The ``TRADE_INSERT`` parameters of a trade (prices and sizes as exact decimal text)."""
    # to_ns inlined: this runs once per public trade, the store's hottest path.
    ns = (t.ts - EPOCH) // _MICROSECOND * 1_000
    return (ns, t.venue, t.symbol, str(t.price), str(t.qty), t.side.value, t.trade_id)


class CommitHook(Protocol):
    """Told about every commit of queued rows (the audit anchor moves with its rows).

    ``staged`` runs when a batch is taken for writing and returns a token when this commit
    concerns the hook (None otherwise); ``before_commit`` and ``after_commit`` then run around
    the transaction with that token, and ``failed`` if it rolled back.
    """

    def staged(self) -> object | None: ...

    async def before_commit(self, token: object) -> None: ...

    async def after_commit(self, token: object) -> None: ...

    def failed(self, token: object) -> None: ...


class Store:
    """The cockpit's SQLite database. Create with :meth:`open`; always :meth:`close`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, flush_ms: int, batch_rows: int):
        self._conn = conn
        self.path = path
        self._flush_s = flush_ms / 1000.0
        self._batch_rows = batch_rows
        self._batches: dict[str, list[Sequence[Any]]] = {}
        self._models: dict[str, tuple[Callable[[Any], Sequence[Any]], list[Any]]] = {}
        """Per statement: objects queued as they are, turned into rows only when written."""
        self._pending = 0
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._closed = False
        self._flusher: asyncio.Task[None] | None = None
        self.rows_written = 0
        self.session_id: int | None = None
        self.read_only = False
        """Opened with :meth:`open_readonly`: every write raises :class:`StoreError`."""
        self._hooks: list[CommitHook] = []

    def add_commit_hook(self, hook: CommitHook) -> None:
        """Run ``hook`` around every commit of queued rows (see :class:`CommitHook`)."""
        self._hooks.append(hook)

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(cls, path: Path, *, flush_ms: int = 100, batch_rows: int = 5_000) -> Store:
        """Open (creating if needed) and migrate the database at ``path``."""
        try:
            # 0600 before SQLite opens it: its -wal and -shm inherit the main file's mode.
            private_database(path)
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, aiosqlite.Error) as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
        # From here on every failure closes the connection: its worker thread is not a
        # daemon, so leaving it open would keep the process alive after it has finished.
        try:
            try:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=NORMAL")
                # A small WAL: checkpoint every WAL_PAGES pages and truncate the file back to
                # WAL_LIMIT after each, instead of SQLite's 1000 pages (4 MiB) kept for good.
                await conn.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
                await conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
                await conn.execute("PRAGMA busy_timeout=5000")
                await conn.execute("PRAGMA foreign_keys=ON")
            except aiosqlite.Error as exc:
                raise StoreError(f"{path}: cannot open database: {exc}") from exc
            store = cls(conn, path, flush_ms, batch_rows)
            await store._migrate()
        except BaseException:
            await conn.close()
            raise
        store._flusher = asyncio.create_task(store._flush_loop(), name="store-flusher")
        return store

    @classmethod
    async def open_readonly(cls, path: Path) -> Store:
        """Open an existing database for reading only (SQLite ``mode=ro``).

        For commands that only read: no migration, no session, no flusher, and every write
        raises :class:`StoreError`, so a listing can never write beside the core that owns
        the database (one writer per database). A missing file or a schema other than this
        cockpit's is a one-line error, never a new or migrated database.
        """
        try:
            conn = await aiosqlite.connect(readonly_uri(path), uri=True, isolation_level=None)
        except (OSError, aiosqlite.Error) as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
        try:
            try:
                await conn.execute("PRAGMA query_only=ON")
                await conn.execute("PRAGMA busy_timeout=5000")
            except aiosqlite.Error as exc:
                raise StoreError(f"{path}: cannot open database: {exc}") from exc
            store = cls(conn, path, 100, 5_000)
            store.read_only = True
            version = await store.schema_version()
            if version != LATEST_VERSION:
                raise StoreError(
                    f"{path}: schema version {version}, this cockpit reads {LATEST_VERSION}; "
                    "open it once with a command that writes (e.g. `cockpit`) to migrate it"
                    if version < LATEST_VERSION
                    else f"{path}: schema version {version} is newer than this cockpit "
                    f"({LATEST_VERSION}); upgrade cockpit"
                )
        except BaseException:
            await conn.close()
            raise
        return store

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; this command may not write")

    async def _migrate(self) -> None:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        if current > LATEST_VERSION:
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this cockpit "
                f"({LATEST_VERSION}); upgrade cockpit"
            )
        for version, description, statements in MIGRATIONS:
            if version <= current:
                continue
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                for sql in statements:
                    await self._conn.execute(sql)
                await self._conn.execute(f"PRAGMA user_version = {version}")
                await self._conn.execute("COMMIT")
            except aiosqlite.Error as exc:
                await self._conn.execute("ROLLBACK")
                raise StoreError(f"{self.path}: migration {version} failed: {exc}") from exc
            log.info("store migrated to v%d: %s", version, description)

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        """Flush everything pending, stop the flusher and close the connection."""
        if self._closed:
            return
        self._closed = True
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self.flush()
        await self._conn.close()

    # ------------------------------------------------------------------ batched writes

    def add(self, sql: str, row: Sequence[Any]) -> None:
        """Queue one row; committed with its batch within ``flush_ms``."""
        self._check_writable()
        self._batches.setdefault(sql, []).append(row)
        self._pending += 1
        if self._pending == 1 or self._pending >= self._batch_rows:
            self._wake.set()

    def add_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._check_writable()
        batch = self._batches.setdefault(sql, [])
        before = len(batch)
        batch.extend(rows)
        self._pending += len(batch) - before
        if self._pending:
            self._wake.set()

    def _add_models(
        self, sql: str, items: Iterable[Any], to_row: Callable[[Any], Sequence[Any]]
    ) -> None:
        """Queue objects; ``to_row`` runs on the writer thread while the batch is written.

        Converting there, inside ``executemany``, keeps the per-row Python work off the event
        loop and avoids two threads contending for the GIL row by row (converting up front
        halved ingest speed).
        """
        self._check_writable()
        _, batch = self._models.setdefault(sql, (to_row, []))
        before = len(batch)
        batch.extend(items)
        self._pending += len(batch) - before
        if self._pending:
            self._wake.set()

    async def _add_async(self, sql: str, row: Sequence[Any]) -> None:
        self.add(sql, row)

    async def add_durable(self, sql: str, row: Sequence[Any]) -> None:
        """Queue one row and return only once it is committed (write-ahead)."""
        self.add(sql, row)
        await self.flush()

    async def flush(self) -> None:
        """Commit every queued row now, in one transaction.

        The write runs in its own task, shielded: a caller cancelled mid-write (a task stopped
        at shutdown while its order was being recorded) must not leave the transaction open,
        which would make every later write, and the session's end, fail.
        """
        if self.read_only:
            return  # nothing can be queued
        write = asyncio.ensure_future(self._flush_now())
        await asyncio.shield(write)

    async def _flush_now(self) -> None:
        async with self._flush_lock:
            if not self._pending:
                return
            batches, self._batches = self._batches, {}
            models, self._models = self._models, {}
            count, self._pending = self._pending, 0
            staged = [(h, t) for h in self._hooks if (t := h.staged()) is not None]
            try:
                for hook, token in staged:
                    await hook.before_commit(token)
                if staged:
                    # What a hook records outside the database (the audit anchor) must not
                    # get ahead of it after a power cut: this commit syncs the WAL.
                    await self._conn.execute("PRAGMA synchronous=FULL")
                await self._conn.execute("BEGIN")
                for sql, rows in batches.items():
                    await self._conn.executemany(sql, rows)
                for sql, (to_row, items) in models.items():
                    await self._conn.executemany(sql, map(to_row, items))
                await self._conn.execute("COMMIT")
            except (aiosqlite.Error, ValueError, TypeError, OSError) as exc:
                with contextlib.suppress(aiosqlite.Error):
                    await self._conn.execute("ROLLBACK")
                for hook, token in staged:
                    hook.failed(token)
                raise StoreError(f"{self.path}: write failed: {exc}") from exc
            finally:
                if staged:
                    with contextlib.suppress(aiosqlite.Error):
                        await self._conn.execute("PRAGMA synchronous=NORMAL")
            self.rows_written += count
            for hook, token in staged:
                await hook.after_commit(token)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One explicit write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``).

        Everything queued is committed first; the flusher waits until the block ends. Any
        exception inside the block rolls the whole transaction back, so a multi-row write
        (an import) lands completely or not at all. SQLite errors surface as StoreError.
        """
        self._check_writable()
        await self.flush()
        async with self._flush_lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except aiosqlite.Error as exc:
                raise StoreError(f"{self.path}: cannot start a transaction: {exc}") from exc
            except BaseException:
                # Cancelled while BEGIN ran in the worker thread: it may have started, and an
                # open transaction would make every later flush fail.
                with contextlib.suppress(aiosqlite.Error):
                    await self._conn.execute("ROLLBACK")
                raise
            try:
                yield self._conn
                await self._conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(aiosqlite.Error):
                    await self._conn.execute("ROLLBACK")
                if isinstance(exc, aiosqlite.Error):
                    raise StoreError(f"{self.path}: write failed: {exc}") from exc
                raise

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending < self._batch_rows:
                # Give the batch up to flush_ms to fill, unless it fills first.
                # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that lands
                # as the batch fills, and close() then waits on this loop for ever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._flush_s):
                        await self._wait_full()
            try:
                await self.flush()
            except StoreError:
                log.exception("store flush failed; rows kept for the next attempt are lost")

    async def _wait_full(self) -> None:
        while self._pending < self._batch_rows:
            self._wake.clear()
            await self._wake.wait()

    # ------------------------------------------------------------------ typed writes

    def record_trades(self, trades: Iterable[Trade]) -> None:
        self._add_models(TRADE_INSERT, trades, trade_row)

    def record_balances(self, balances: Iterable[Balance]) -> None:
        self.add_many(
            BALANCE_INSERT,
            (
                (to_ns(b.ts), b.location_id, b.asset, str(b.total), str(b.free), b.source)
                for b in balances
            ),
        )

    def record_event(self, event: LogEvent) -> None:
        self.add(EVENT_INSERT, self._event_row(event))

    def _event_row(self, e: LogEvent) -> tuple[Any, ...]:
        return (
            to_ns(e.ts),
            self.session_id,
            e.kind.value,
            e.level.value,
            e.venue,
            e.symbol,
            e.client_order_id,
            e.message,
            e.model_dump_json(),
        )

    async def record_order(self, order: Order, *, durable: bool = True) -> None:
        """Durably record an order's state (before it is sent, and on every change).

        ``durable=False`` only queues the row, for a caller that commits it together with
        other rows by calling :meth:`flush` itself (one commit instead of several).
        """
        write = self.add_durable if durable else self._add_async
        await write(
            ORDER_UPSERT,
            (
                order.client_order_id,
                order.venue,
                order.symbol,
                order.side.value,
                order.type.value,
                order.status.value,
                to_ns(order.created_ts),
                to_ns(order.updated_ts),
                order.model_dump_json(),
            ),
        )

    async def record_fill(self, fill: Fill) -> None:
        await self.add_durable(
            FILL_INSERT,
            (
                fill.venue,
                fill.trade_id,
                fill.client_order_id,
                fill.symbol,
                to_ns(fill.ts),
                fill.model_dump_json(),
            ),
        )

    async def save_daily_closes(
        self, source: str, series: dict[str, list[tuple[datetime, float]]]
    ) -> None:
        rows = [
            (source, asset, ts.date().isoformat(), close)
            for asset, points in series.items()
            for ts, close in points
        ]
        self.add_many(CLOSE_UPSERT, rows)
        await self.flush()

    # ------------------------------------------------------------------ sessions

    async def begin_session(self, mode: str, venues: Sequence[str], version: str) -> int:
        self._check_writable()
        await self.flush()
        now = to_ns(datetime.now(UTC))
        cur = await self._conn.execute(
            "INSERT INTO sessions (started_ns, mode, venues, version) VALUES (?, ?, ?, ?)",
            (now, mode, json.dumps(list(venues)), version),
        )
        self.session_id = cur.lastrowid
        await cur.close()
        return int(self.session_id or 0)

    async def end_session(self) -> None:
        if self.session_id is None:
            return
        await self.flush()
        now = to_ns(datetime.now(UTC))
        await self._conn.execute(
            "UPDATE sessions SET ended_ns = ?, clean_exit = 1 WHERE id = ?",
            (now, self.session_id),
        )

    # ------------------------------------------------------------------ reads

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [tuple(r) for r in rows]

    async def daily_closes(
        self, source: str, assets: Sequence[str] | None = None, since: date | None = None
    ) -> dict[str, list[tuple[date, float]]]:
        """Daily closes per asset, oldest first."""
        sql = "SELECT asset, day, close FROM daily_closes WHERE source = ?"
        params: list[Any] = [source]
        if since is not None:
            sql += " AND day >= ?"
            params.append(since.isoformat())
        sql += " ORDER BY asset, day"
        wanted = set(assets) if assets is not None else None
        out: dict[str, list[tuple[date, float]]] = {}
        for asset, day, close in await self.fetch_all(sql, params):
            if wanted is None or asset in wanted:
                out.setdefault(asset, []).append((date.fromisoformat(day), float(close)))
        return out

    async def recent_events(self, limit: int) -> list[LogEvent]:
        rows = await self.fetch_all("SELECT payload FROM events ORDER BY id DESC LIMIT ?", (limit,))
        return [LogEvent.model_validate_json(r[0]) for r in reversed(rows)]

    async def orders(self, *, include_final: bool = False) -> list[Order]:
        """Stored orders, oldest first; only those still working unless ``include_final``."""
        if not include_final:
            return await self.open_orders()
        rows = await self.fetch_all("SELECT payload FROM orders ORDER BY created_ns")
        return [Order.model_validate_json(r[0]) for r in rows]

    async def open_orders(self) -> list[Order]:
        """Every order not in a final state (for reconciliation after a restart)."""
        rows = await self.fetch_all(
            "SELECT payload FROM orders WHERE status NOT IN "
            "('filled', 'cancelled', 'rejected', 'expired') ORDER BY created_ns"
        )
        return [Order.model_validate_json(r[0]) for r in rows]

    async def count(self, table: str) -> int:
        if not table.isidentifier():
            raise StoreError(f"bad table name {table!r}")
        rows = await self.fetch_all(f"SELECT COUNT(*) FROM {table}")
        return int(rows[0][0])
