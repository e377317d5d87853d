"""The I/O edge shared by the venue stream clients: connections, supervision, health, books.

A :class:`FeedClient` owns one sans-I/O handler and any number of WebSocket connections feeding
it (normally one; two while Binance's 24-hour rollover overlaps them). Receive loops only parse
and apply frames; anything slow (a REST snapshot, a resubscription) runs in its own named task,
one per symbol, so one bad book never stalls the others. A monitor task watches silence and
staleness and reports :class:`~core.models.FeedHealth`.

Subclasses supply the venue: the handler, the URL, what to send on connect, and how to resync
one symbol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import websockets
from websockets.asyncio.client import ClientConnection, connect

from core.feeds.backoff import Backoff
from core.feeds.events import (
    BookStats,
    BookSynced,
    BookUpdated,
    FeedEvent,
    Malformed,
    ResyncNeeded,
    ShutdownNotice,
    SymbolBook,
    SyncState,
    TradePrinted,
    VenueReply,
)
from core.feeds.health import HealthTracker
from core.models import BookIntegrity, BookSnapshot, FeedHealth, FeedState
from core.ports import BookChanged, MarketEvent

log = logging.getLogger(__name__)

RETRYABLE = (OSError, TimeoutError, websockets.exceptions.WebSocketException)
"""What a lost or refused connection raises; anything else is a bug and surfaces."""


class Handler(Protocol):
    """What the clients need from a sans-I/O frame handler."""

    frames: int

    def on_message(self, raw: str | bytes) -> list[FeedEvent]: ...

    def book(self, symbol: str) -> SymbolBook | None: ...

    def totals(self) -> BookStats: ...


class Connection:
    """One WebSocket connection and the task reading it."""

    def __init__(self, number: int, ws: ClientConnection, opened: float) -> None:
        self.number = number
        self.ws = ws
        self.opened = opened
        self.frames = 0
        self.delivered = asyncio.Event()
        """Set by the first frame received: the connection is really carrying data."""
        self.reader: asyncio.Task[None] | None = None


class FeedClient(ABC):
    """Base of the venue stream clients; implements :class:`~core.ports.MarketDataPort`."""

    venue: str

    def __init__(
        self,
        *,
        stale_after: float = 1.5,
        symbol_stale_after: float = 60.0,
        silence_reconnect_after: float = 10.0,
        backoff: Backoff | None = None,
        monitor_interval: float = 0.1,
        open_timeout: float = 10.0,
    ) -> None:
        self.health_tracker = HealthTracker(
            self.venue, stale_after=stale_after, symbol_stale_after=symbol_stale_after
        )
        self.silence_reconnect_after = silence_reconnect_after
        self.backoff = backoff or Backoff()
        self.monitor_interval = monitor_interval
        self.open_timeout = open_timeout
        self.symbols: tuple[str, ...] = ()
        self.handler: Handler = self._make_handler()
        self.connections: list[Connection] = []
        self._queue: asyncio.Queue[MarketEvent] = asyncio.Queue()
        self._pending: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._resyncs: dict[str, asyncio.Task[None]] = {}
        self._synced: dict[str, asyncio.Event] = {}
        self._book_ts: dict[str, datetime] = {}
        self._stale: set[str] = set()
        self._all_closed = asyncio.Event()
        self._conn_count = 0
        self._streaming = False
        self.tap: Callable[[float, str | bytes], None] | None = None
        """Called with (unix time, frame) for every received frame (the feed recorder)."""
        self.http_tap: Callable[[float, str, bytes], None] | None = None
        """Called with (unix time, url, body) for every REST body the client used."""

    # ------------------------------------------------------------------ venue hooks

    @abstractmethod
    def _make_handler(self) -> Handler: ...

    @abstractmethod
    def _url(self) -> str: ...

    @abstractmethod
    async def _on_open(self, conn: Connection) -> None:
        """Subscribe on a fresh connection."""

    @abstractmethod
    async def _resync(self, symbol: str) -> None:
        """Bring one symbol's book back (runs in its own task)."""

    def _on_event(self, event: FeedEvent, conn: Connection) -> None:
        """Venue-specific reaction to a handler event (default: none)."""
        return

    async def _on_monitor(self, now: float) -> None:
        """Periodic venue duties: pings, liveness probes, rollovers (default: none)."""
        return

    def _venue_time(self) -> float | None:
        """The latest venue timestamp the handler saw, in Unix seconds."""
        return None

    def _reset_books(self) -> None:
        """Every book is unusable after a lost connection; keep their counters."""
        for symbol in self.symbols:
            sb = self.handler.book(symbol)
            if sb is not None:
                sb.state = SyncState.AWAITING
                sb.verified = False
                sb.book.clear()

    # ------------------------------------------------------------------ the port

    async def stream(self, symbols: Sequence[str]) -> AsyncIterator[MarketEvent]:
        """Run the feed for ``symbols`` until the consumer stops iterating."""
        if self._streaming:
            raise RuntimeError(f"{self.venue}: already streaming")
        self._streaming = True
        self.symbols = tuple(dict.fromkeys(symbols))
        self._spawn(self._run(), "connection")
        self._spawn(self._monitor(), "monitor")
        try:
            while True:
                event = await self._queue.get()
                if isinstance(event, BookChanged):
                    self._pending.discard(event.symbol)
                yield event
        finally:
            await self.close()

    def book(self, symbol: str, depth: int = 25) -> BookSnapshot | None:
        sb = self.handler.book(symbol)
        if sb is None:
            return None
        if sb.state is not SyncState.LIVE:
            integrity = BookIntegrity.RESYNCING
        elif self.health_tracker.symbol_stale(symbol, time.monotonic()):
            integrity = BookIntegrity.STALE
        elif sb.verified:
            integrity = BookIntegrity.VERIFIED
        else:
            integrity = BookIntegrity.UNVERIFIED
        bids, asks = sb.book.levels(depth)
        return BookSnapshot(
            venue=self.venue,
            symbol=symbol,
            bids=bids,
            asks=asks,
            ts=self._book_ts.get(symbol) or datetime.now(UTC),
            integrity=integrity,
            sequence=sb.book.update_id,
        )

    def health(self) -> FeedHealth:
        resyncing = [
            s
            for s in self.symbols
            if (sb := self.handler.book(s)) is not None and sb.state is not SyncState.LIVE
        ]
        return self.health_tracker.snapshot(
            self.handler.totals(), self.symbols, time.monotonic(), resyncing
        )

    async def close(self) -> None:
        """Stop every task and connection.

        Connections are closed while their readers still drain them: a reader cancelled first
        would leave unread frames ahead of the server's close frame and the closing handshake
        would wait for its timeout.
        """
        readers = {c.reader for c in self.connections if c.reader is not None}
        others = [t for t in self._tasks if not t.done() and t not in readers]
        for task in others:
            task.cancel()
        for task in others:
            with contextlib.suppress(asyncio.CancelledError, *RETRYABLE):
                await task
        for conn in list(self.connections):
            await conn.ws.close()
        for task in readers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, *RETRYABLE):
                await task
        self.connections.clear()
        self.health_tracker.state = FeedState.STOPPED
        self._streaming = False
        await self._close_extra()

    async def _close_extra(self) -> None:
        """Release venue resources (HTTP sessions)."""
        return

    # ------------------------------------------------------------------ tasks

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.venue}-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    def _emit(self, event: MarketEvent) -> None:
        self._queue.put_nowait(event)

    def _book_changed(self, symbol: str) -> None:
        if symbol not in self._pending:
            self._pending.add(symbol)
            self._emit(BookChanged(self.venue, symbol, datetime.now(UTC)))

    def _emit_health(self) -> None:
        self._emit(self.health())

    # ------------------------------------------------------------------ connections

    async def _open(self) -> Connection:
        ws = await connect(
            self._url(), open_timeout=self.open_timeout, close_timeout=2.0, max_size=2**24
        )
        self._conn_count += 1
        conn = Connection(self._conn_count, ws, time.monotonic())
        self.connections.append(conn)
        self._all_closed.clear()
        conn.reader = self._spawn(self._read(conn), f"reader-{conn.number}")
        await self._on_open(conn)
        return conn

    async def _run(self) -> None:
        while True:
            self.health_tracker.state = FeedState.CONNECTING
            try:
                await self._open()
            except RETRYABLE as exc:
                log.warning("%s: connect failed: %s", self.venue, exc)
            else:
                self.health_tracker.state = FeedState.LIVE
                self._emit_health()
                await self._all_closed.wait()
            self.health_tracker.state = FeedState.DISCONNECTED
            self._after_disconnect()
            await asyncio.sleep(self.backoff.next_delay())
            self.health_tracker.reconnects += 1

    def _after_disconnect(self) -> None:
        for task in self._resyncs.values():
            task.cancel()
        self._resyncs.clear()
        self._reset_books()
        for symbol in self.symbols:
            self._book_changed(symbol)
        self._emit_health()

    async def _read(self, conn: Connection) -> None:
        try:
            async for raw in conn.ws:
                self._on_frame(raw, conn)
        except websockets.exceptions.ConnectionClosed as exc:
            log.info("%s: connection %d closed: %s", self.venue, conn.number, exc)
        finally:
            if conn in self.connections:
                self.connections.remove(conn)
            if not self.connections:
                self._all_closed.set()

    def _on_frame(self, raw: str | bytes, conn: Connection) -> None:
        now = time.monotonic()
        conn.frames += 1
        if conn.frames == 1:
            conn.delivered.set()
        if self.tap is not None:
            self.tap(time.time(), raw)
        self.health_tracker.on_message(now)
        for event in self.handler.on_message(raw):
            self._dispatch(event, conn, now)

    def _dispatch(self, event: FeedEvent, conn: Connection | None, now: float) -> None:
        if isinstance(event, BookUpdated):
            symbol = event.symbol
            self.health_tracker.on_book(symbol, now)
            self._book_ts[symbol] = datetime.now(UTC)
            if symbol in self._stale:
                self._stale.discard(symbol)
            self._book_changed(symbol)
        elif isinstance(event, TradePrinted):
            self._emit(event.trade)
        elif isinstance(event, BookSynced):
            self.backoff.reset()
            synced = self._synced.get(event.symbol)
            if synced is not None:
                synced.set()
            self._book_changed(event.symbol)
        elif isinstance(event, ResyncNeeded):
            self._schedule_resync(event.symbol, event.reason, failure=event.failure)
        elif isinstance(event, ShutdownNotice):
            log.warning("%s: %s", self.venue, event.reason)
            if conn is not None:
                self._on_event(event, conn)
        elif isinstance(event, Malformed):
            log.warning("%s: %s", self.venue, event.reason)
        elif isinstance(event, VenueReply) and not event.ok:
            log.warning("%s: %s refused: %s", self.venue, event.method, event.message)
        elif conn is not None:
            self._on_event(event, conn)

    def _schedule_resync(self, symbol: str, reason: str, *, failure: bool) -> None:
        running = self._resyncs.get(symbol)
        if running is not None and not running.done():
            return
        if failure:
            log.warning("%s: resync %s: %s", self.venue, symbol, reason)
            self._book_changed(symbol)
            self._emit_health()
        self._synced[symbol] = asyncio.Event()
        self._resyncs[symbol] = self._spawn(self._resync(symbol), f"resync-{symbol}")

    # ------------------------------------------------------------------ monitor

    async def _monitor(self) -> None:
        last_health = 0.0
        while True:
            await asyncio.sleep(self.monitor_interval)
            now = time.monotonic()
            tracker = self.health_tracker
            venue_ts = self._venue_time()
            if venue_ts is not None:
                tracker.on_venue_time(venue_ts, time.time())
            stale = {s for s in self.symbols if tracker.symbol_stale(s, now)}
            changed = stale ^ self._stale
            self._stale = stale
            for symbol in changed:
                self._book_changed(symbol)
            silent = tracker.silent_for(now)
            if silent is not None and silent > self.silence_reconnect_after:
                log.warning("%s: silent for %.1fs, reconnecting", self.venue, silent)
                tracker.last_message = now
                for conn in list(self.connections):
                    await conn.ws.close()
            await self._on_monitor(now)
            if changed or now - last_health >= 1.0:
                tracker.tick(now)
                self._emit_health()
                last_health = now
