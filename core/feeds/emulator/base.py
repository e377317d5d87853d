"""Shared machinery of the loopback exchange emulators: the server, paced replay, faults.

Every frame to a client goes through that client's outgoing queue, written by one task per
connection, so a snapshot queued at subscription time always precedes the updates queued after
it (exactly what a real venue guarantees) and a stall can hold every writer at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

log = logging.getLogger(__name__)


class EmuConnection:
    """One client of the emulator."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.books: dict[str, int] = {}
        """Book subscriptions: symbol → depth (Kraken) or stream names (Binance, value 0)."""
        self.tickers: set[str] = set()
        """Ticker subscriptions (Kraken)."""
        self.writer: asyncio.Task[None] | None = None

    def send(self, text: str) -> None:
        self.queue.put_nowait(text)


class Faults:
    """Faults armed for the next frame(s) of a symbol; each fires once per arming."""

    def __init__(self) -> None:
        self.drop: Counter[str] = Counter()
        self.duplicate: Counter[str] = Counter()
        self.corrupt: Counter[str] = Counter()
        self.fired: Counter[str] = Counter()

    def take(self, kind: str, symbol: str) -> bool:
        armed: Counter[str] = getattr(self, kind)
        if armed[symbol] > 0:
            armed[symbol] -= 1
            self.fired[kind] += 1
            return True
        return False


class Emulator:
    """A WebSocket server on 127.0.0.1 replaying a script at ``speed``× the recorded pace."""

    def __init__(self, *, speed: float = 1.0, host: str = "127.0.0.1", port: int = 0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.host = host
        self.port = port
        self.faults = Faults()
        self.connections: set[EmuConnection] = set()
        self.connects = 0
        self.finished = asyncio.Event()
        """Set when the whole script has been replayed."""
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = asyncio.Event()
        self._running.set()
        self._paused_for = 0.0
        self._paused_at: float | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._server = await serve(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1] if self.port == 0 else self.port
        await self._start_extra()
        self._spawn(self._market(), "market")

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self._stop_extra()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    async def _start_extra(self) -> None:
        pass

    async def _stop_extra(self) -> None:
        pass

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro, name=f"emu-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ faults

    def stall(self) -> None:
        """Stop sending anything (data, heartbeats, replies) while keeping connections open."""
        if self._running.is_set():
            self._running.clear()
            self._paused_at = asyncio.get_running_loop().time()

    def resume(self) -> None:
        if not self._running.is_set() and self._paused_at is not None:
            self._paused_for += asyncio.get_running_loop().time() - self._paused_at
            self._paused_at = None
            self._running.set()

    def drop_connections(self) -> None:
        """Cut every client connection abruptly (no closing handshake)."""
        for conn in list(self.connections):
            transport = conn.ws.transport
            if transport is not None:
                transport.abort()

    def drop_next(self, symbol: str, count: int = 1) -> None:
        """Do not send the symbol's next update(s) (Kraken: the next one that changes the
        checksummed top ten, since Kraken cannot notice a change deeper down)."""
        self.faults.drop[symbol] += count

    def duplicate_next(self, symbol: str, count: int = 1) -> None:
        self.faults.duplicate[symbol] += count

    def corrupt_next(self, symbol: str, count: int = 1) -> None:
        self.faults.corrupt[symbol] += count

    # ------------------------------------------------------------------ serving

    async def _serve(self, ws: ServerConnection) -> None:
        conn = EmuConnection(ws)
        self.connections.add(conn)
        self.connects += 1
        conn.writer = self._spawn(self._write(conn), "writer")
        try:
            await self._on_connect(conn)
            async for raw in ws:
                await self._on_request(conn, raw)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(conn)
            conn.writer.cancel()

    async def _write(self, conn: EmuConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                text = await conn.queue.get()
                await self._running.wait()
                await conn.ws.send(text)

    async def _on_connect(self, conn: EmuConnection) -> None:
        pass

    async def _on_request(self, conn: EmuConnection, raw: str | bytes) -> None:
        pass

    async def _market(self) -> None:
        raise NotImplementedError

    async def _pace(self, t: float, t0: float, start: float) -> None:
        """Wait until recorded time ``t`` (script start ``t0``) is due, honouring stalls."""
        loop = asyncio.get_running_loop()
        while True:
            await self._running.wait()
            due = start + (t - t0) / self.speed + self._paused_for
            delay = due - loop.time()
            if delay <= 0:
                if self._running.is_set():
                    return
                continue
            await asyncio.sleep(delay)
