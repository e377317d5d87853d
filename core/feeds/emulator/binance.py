"""A loopback Binance spot endpoint: combined WebSocket stream plus REST depth snapshots.

The WebSocket side replays the recorded ``/stream?streams=...`` frames a client asked for and
answers ``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS``; the HTTP side serves
``GET /api/v3/depth`` from the emulator's own books as they stand at the current replay position
(so a resync at any moment gets a snapshot that bridges), and ``/api/v3/exchangeInfo`` when the
script has one. Faults: drop or duplicate a symbol's next depth event, stall, cut connections,
announce ``serverShutdown``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from aiohttp import web

from core.feeds.binance import BinanceHandler
from core.feeds.book import L2Book
from core.feeds.emulator.base import EmuConnection, Emulator
from core.feeds.emulator.scripts import BinanceScript
from core.feeds.encode import binance_depth_snapshot


class BinanceEmulator(Emulator):
    """Serve ``script``: WebSocket at :attr:`ws_url` + ``/stream``, REST at :attr:`rest_url`."""

    def __init__(self, script: BinanceScript, **options: Any) -> None:
        super().__init__(**options)
        self.script = script
        self.books: dict[str, L2Book] = {}
        for symbol, snap in script.snapshots.items():
            handler = BinanceHandler()
            handler.on_snapshot(symbol, snap)
            sb = handler.book(symbol)
            assert sb is not None
            self.books[symbol] = sb.book
        self.depth_requests: Counter[str] = Counter()
        self.depth_delay = 0.0
        """Seconds each depth request takes to answer (a slow REST endpoint)."""
        self.http_port = 0
        self._runner: web.AppRunner | None = None

    @property
    def stream_url(self) -> str:
        return f"{self.ws_url}/stream"

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    async def _start_extra(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v3/depth", self._depth)
        app.router.add_get("/api/v3/exchangeInfo", self._exchange_info)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.http_port = int(self._runner.addresses[0][1])

    async def _stop_extra(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ REST

    async def _depth(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        book = self.books.get(symbol)
        if book is None:
            return web.json_response({"code": -1121, "msg": "Invalid symbol."}, status=400)
        self.depth_requests[symbol] += 1
        if self.depth_delay:
            await asyncio.sleep(self.depth_delay)
        limit = int(request.query.get("limit", "100"))
        body = orjson.dumps(binance_depth_snapshot(book, limit))
        return web.Response(body=body, content_type="application/json")

    async def _exchange_info(self, request: web.Request) -> web.Response:
        if self.script.exchange_info is None:
            return web.Response(status=404)
        return web.Response(body=self.script.exchange_info, content_type="application/json")

    # ------------------------------------------------------------------ WebSocket

    async def _on_connect(self, conn: EmuConnection) -> None:
        request = conn.ws.request
        query = parse_qs(urlsplit(request.path if request is not None else "").query)
        for name in "/".join(query.get("streams", [])).split("/"):
            if name:
                conn.books[name] = 0

    async def _on_request(self, conn: EmuConnection, raw: str | bytes) -> None:
        try:
            msg = orjson.loads(raw)
            method, ident = msg["method"], msg.get("id")
        except (orjson.JSONDecodeError, KeyError, TypeError):
            conn.send('{"error":{"code":2,"msg":"Invalid request"}}')
            return
        result: Any = None
        if method == "SUBSCRIBE":
            for name in msg.get("params", []):
                conn.books[name] = 0
        elif method == "UNSUBSCRIBE":
            for name in msg.get("params", []):
                conn.books.pop(name, None)
        elif method == "LIST_SUBSCRIPTIONS":
            result = sorted(conn.books)
        else:
            conn.send(
                orjson.dumps({"error": {"code": 2, "msg": "Invalid method"}, "id": ident}).decode()
            )
            return
        conn.send(orjson.dumps({"result": result, "id": ident}).decode())

    def server_shutdown(self) -> None:
        """Announce an imminent shutdown to every client, as Binance does before the 24 h cut."""
        frame = orjson.dumps({"event": {"e": "serverShutdown", "E": int(time.time() * 1000)}})
        for conn in list(self.connections):
            conn.send(frame.decode())

    async def _market(self) -> None:
        frames = self.script.frames
        if not frames:
            self.finished.set()
            return
        t0 = frames[0][0]
        start = asyncio.get_running_loop().time()
        for t, stream, text, depth in frames:
            await self._pace(t, t0, start)
            self._send(stream, text, depth)
        self.finished.set()

    def _send(self, stream: str, text: str, depth: dict[str, Any] | None) -> None:
        copies = 1
        if depth is not None:
            symbol = depth["s"]
            book = self.books.get(symbol)
            if book is not None and depth["u"] > (book.update_id or 0):
                for price, qty in depth["b"]:
                    book.bids.set(_ticks(price, book.price_scale), _ticks(qty, book.qty_scale))
                for price, qty in depth["a"]:
                    book.asks.set(_ticks(price, book.price_scale), _ticks(qty, book.qty_scale))
                book.update_id = depth["u"]
            subscribers = [c for c in self.connections if stream in c.books]
            if subscribers and self.faults.take("drop", symbol):
                return
            if subscribers and self.faults.take("duplicate", symbol):
                copies = 2
        else:
            subscribers = [c for c in self.connections if stream in c.books]
        text = _rebase(text)
        for conn in subscribers:
            for _ in range(copies):
                conn.send(text)


def _ticks(text: str, scale: int) -> int:
    from core.feeds.numbers import str_ticks

    return str_ticks(text, scale)


def _rebase(text: str) -> str:
    """Move the recorded event time ``E`` to now (numbers are strings, so nothing else moves)."""
    if '"E":' not in text:
        return text
    msg = orjson.loads(text)
    data = msg.get("data")
    if isinstance(data, dict) and "E" in data:
        data["E"] = int(time.time() * 1000)
        return orjson.dumps(msg).decode()
    return text
