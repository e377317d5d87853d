"""One aiosqlite connection in WAL mode: opening, migrations, batched and durable writes.

High-rate rows (trades, balances, events) go through :meth:`Database.add`, which appends to
an in-memory batch per statement; a flusher commits every batch when it reaches
``batch_rows`` or ``flush_ms`` has passed since its first row, whichever comes first, as one
transaction with ``executemany``. Writes that must not be lost before an action (orders
before they are sent) use :meth:`Database.add_durable`, which returns only once its row is
committed. The typed records and reads of the cockpit's tables are
:class:`~core.store.db.Store`'s, built on this.

All SQL runs on aiosqlite's own thread, so long reads never block the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, Self

import aiosqlite

from core.errors import StoreError
from core.private_files import private_database
from core.store.migrations import LATEST_VERSION, MIGRATIONS

log = logging.getLogger(__name__)

WAL_PAGES = 256
"""Pages (4 KiB) the WAL may hold before it is checkpointed into the database."""
WAL_LIMIT = 1 << 20
"""Bytes the WAL file is truncated to after a checkpoint."""


def readonly_uri(path: Path) -> str:
    """The ``mode=ro`` URI of an existing database (a missing file is a StoreError: opening it
    read-only must never create it)."""
    if not path.is_file():
        raise StoreError(f"{path}: no such database")
    return f"{path.resolve().as_uri()}?mode=ro"


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


WRITER_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    # A small WAL: checkpoint every WAL_PAGES pages and truncate the file back to WAL_LIMIT
    # after each, instead of SQLite's 1000 pages (4 MiB) kept for good.
    "PRAGMA wal_autocheckpoint={wal_pages}",
    "PRAGMA journal_size_limit={wal_limit}",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
)
READER_PRAGMAS = ("PRAGMA query_only=ON", "PRAGMA busy_timeout=5000")


async def _connect(
    path: Path, target: str, pragmas: Sequence[str], *, uri: bool = False
) -> aiosqlite.Connection:
    """A connection with ``pragmas`` set; any failure closes it and is a :class:`StoreError`."""
    try:
        conn = await aiosqlite.connect(target, uri=uri, isolation_level=None)
    except (OSError, aiosqlite.Error) as exc:
        raise StoreError(f"{path}: cannot open database: {exc}") from exc
    try:
        for pragma in pragmas:  # WAL_* read now: a benchmark may change them
            await conn.execute(pragma.format(wal_pages=WAL_PAGES, wal_limit=WAL_LIMIT))
    except BaseException as exc:
        await conn.close()
        if isinstance(exc, aiosqlite.Error):
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
        raise
    return conn


class Database:
    """One SQLite database. Create with :meth:`open`; always :meth:`close`."""

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
    async def open(cls, path: Path, *, flush_ms: int = 100, batch_rows: int = 5_000) -> Self:
        """Open (creating if needed) and migrate the database at ``path``."""
        try:
            # 0600 before SQLite opens it: its -wal and -shm inherit the main file's mode.
            private_database(path)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
        conn = await _connect(path, str(path), WRITER_PRAGMAS)
        # From here on every failure closes the connection: its worker thread is not a
        # daemon, so leaving it open would keep the process alive after it has finished.
        try:
            store = cls(conn, path, flush_ms, batch_rows)
            await store._migrate()
        except BaseException:
            await conn.close()
            raise
        store._flusher = asyncio.create_task(store._flush_loop(), name="store-flusher")
        return store

    @classmethod
    async def open_readonly(cls, path: Path) -> Self:
        """Open an existing database for reading only (SQLite ``mode=ro``).

        For commands that only read: no migration, no session, no flusher, and every write
        raises :class:`StoreError`, so a listing can never write beside the core that owns
        the database (one writer per database). A missing file or a schema other than this
        cockpit's is a one-line error, never a new or migrated database.
        """
        conn = await _connect(path, readonly_uri(path), READER_PRAGMAS, uri=True)
        try:
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

    # ------------------------------------------------------------------ reads

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [tuple(r) for r in rows]

    async def count(self, table: str) -> int:
        if not table.isidentifier():
            raise StoreError(f"bad table name {table!r}")
        rows = await self.fetch_all(f"SELECT COUNT(*) FROM {table}")
        return int(rows[0][0])
