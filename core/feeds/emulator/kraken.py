"""A loopback Kraken WS v2 public endpoint replaying a :class:`KrakenScript`.

Speaks enough of the real protocol for the stream client: ``status`` on connect, ``subscribe`` /
``unsubscribe`` for ``instrument``, ``book`` (snapshot from the emulator's own book at the current
replay position, with its checksum), ``trade`` and ``ticker`` (best bid/ask whenever the top
of a book changes), application ``ping``, and a heartbeat every second. Faults: drop, duplicate
or corrupt-checksum a symbol's next update, stall, cut connections.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson

from core.feeds.book import L2Book, ticks_to_decimal
from core.feeds.emulator.base import EmuConnection, Emulator
from core.feeds.emulator.scripts import KrakenEvent, KrakenScript
from core.feeds.encode import kraken_v2_book_snapshot


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class KrakenEmulator(Emulator):
    """Serve ``script`` at ``ws_url``; books move on a shared timeline whoever is connected.

    Timestamps are re-based to the emulator's clock (the recordings are years old).
    """

    def __init__(self, script: KrakenScript, *, heartbeat: float = 1.0, **options: Any) -> None:
        super().__init__(**options)
        self.script = script
        self.heartbeat = heartbeat
        self.books: dict[str, L2Book] = {}
        for symbol, book in script.books.items():
            copy = L2Book(book.price_scale, book.qty_scale)
            for p, q in book.bids.top(10**9):
                copy.bids.set(p, q)
            for p, q in book.asks.top(10**9):
                copy.asks.set(p, q)
            self.books[symbol] = copy
        self.book_subscriptions: Counter[str] = Counter()
        """How many times each symbol's book was subscribed (first time plus resyncs)."""
        self.sent_updates = 0

    async def _start_extra(self) -> None:
        self._spawn(self._heartbeats(), "heartbeat")

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            await self._running.wait()
            for conn in list(self.connections):
                conn.send('{"channel":"heartbeat"}')

    async def _on_connect(self, conn: EmuConnection) -> None:
        conn.send(
            '{"channel":"status","type":"update","data":[{"api_version":"v2",'
            f'"connection_id":{self.connects},"system":"online","version":"2.0.0"}}]}}'
        )

    def maintenance(self) -> None:
        """Announce maintenance on every connection (the client should leave and come back)."""
        frame = (
            '{"channel":"status","type":"update","data":[{"api_version":"v2",'
            '"system":"maintenance","version":"2.0.0"}]}'
        )
        for conn in list(self.connections):
            conn.send(frame)

    def _reply(self, conn: EmuConnection, method: str, req_id: Any, **extra: Any) -> None:
        stamp = _now_iso()
        body = {"method": method, "req_id": req_id, "time_in": stamp, "time_out": stamp, **extra}
        conn.send(orjson.dumps(body).decode())

    async def _on_request(self, conn: EmuConnection, raw: str | bytes) -> None:
        try:
            msg = orjson.loads(raw)
            method = msg["method"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            conn.send('{"error":"malformed request","success":false}')
            return
        req_id = msg.get("req_id")
        params = msg.get("params") or {}
        if method == "ping":
            self._reply(conn, "pong", req_id)
            return
        if method not in ("subscribe", "unsubscribe"):
            self._reply(conn, method, req_id, success=False, error="unsupported method")
            return
        channel = params.get("channel")
        if channel == "instrument":
            self._reply(conn, method, req_id, success=True, result={"channel": "instrument"})
            if method == "subscribe":
                conn.send(self.script.instrument_frame())
            return
        if channel == "trade":
            for symbol in params.get("symbol", []):
                result = {"channel": "trade", "symbol": symbol}
                self._reply(conn, method, req_id, success=True, result=result)
            return
        if channel == "ticker":
            for symbol in params.get("symbol", []):
                if symbol not in self.books:
                    self._reply(conn, method, req_id, success=False, error=f"unknown {symbol}")
                    continue
                result = {"channel": "ticker", "symbol": symbol}
                self._reply(conn, method, req_id, success=True, result=result)
                if method == "subscribe":
                    conn.tickers.add(symbol)
                    conn.send(_ticker(symbol, self.books[symbol], "snapshot"))
                else:
                    conn.tickers.discard(symbol)
            return
        if channel != "book":
            self._reply(conn, method, req_id, success=False, error=f"unsupported channel {channel}")
            return
        depth = int(params.get("depth", 10))
        for symbol in params.get("symbol", []):
            self._book_request(conn, method, req_id, symbol, depth)

    def _book_request(
        self, conn: EmuConnection, method: str, req_id: Any, symbol: str, depth: int
    ) -> None:
        if symbol not in self.books:
            self._reply(conn, method, req_id, success=False, error=f"unknown symbol {symbol}")
            return
        recorded = self.script.depth[symbol]
        if depth != recorded:
            error = f"{symbol} was recorded at depth {recorded}, not {depth}"
            self._reply(conn, method, req_id, success=False, error=error, symbol=symbol)
            return
        result = {"channel": "book", "symbol": symbol, "depth": depth, "snapshot": True}
        if method == "unsubscribe":
            conn.books.pop(symbol, None)
            self._reply(conn, method, req_id, success=True, result=result)
            return
        self.book_subscriptions[symbol] += 1
        self._reply(conn, method, req_id, success=True, result=result)
        snapshot = kraken_v2_book_snapshot(symbol, self.books[symbol], depth, _now_iso())
        conn.send(snapshot.decode())
        conn.books[symbol] = depth

    async def _market(self) -> None:
        events = self.script.events
        if not events:
            self.finished.set()
            return
        t0 = events[0].t
        start = asyncio.get_running_loop().time()
        for event in events:
            await self._pace(event.t, t0, start)
            self._apply(event)
        self.finished.set()

    def _apply(self, event: KrakenEvent) -> None:
        """Apply one recorded update, send it to book subscribers, then (if the top of the book
        moved) a ticker to ticker subscribers, the order Kraken's bbo trigger implies."""
        book = self.books[event.symbol]
        top_before = (book.bids.top(1), book.asks.top(1))
        self._apply_book(event, book)
        if (book.bids.top(1), book.asks.top(1)) != top_before:
            frame = _ticker(event.symbol, book, "update")
            for conn in list(self.connections):
                if event.symbol in conn.tickers:
                    conn.send(frame)

    def _apply_book(self, event: KrakenEvent, book: L2Book) -> None:
        visible = _touches_top(book, event)
        for p, q in event.bids:
            book.bids.set(p, q)
        for p, q in event.asks:
            book.asks.set(p, q)
        book.truncate(self.script.depth[event.symbol])
        subscribers = [c for c in self.connections if event.symbol in c.books]
        if not subscribers:
            return
        faults = self.faults
        if visible and faults.take("drop", event.symbol):
            return
        checksum = event.checksum
        if faults.take("corrupt", event.symbol):
            checksum ^= 0x5A5A
        text = _render(event, book, checksum)
        copies = 2 if faults.take("duplicate", event.symbol) else 1
        for conn in subscribers:
            for _ in range(copies):
                conn.send(text)
        self.sent_updates += 1


def _touches_top(book: L2Book, event: KrakenEvent, levels: int = 10) -> bool:
    """Whether an update changes one of the best ``levels`` on either side (the checksummed
    part of the book): only dropping such an update is visible to a checksum at once."""
    bids = book.bids.top(levels)
    asks = book.asks.top(levels)
    bid_cut = bids[-1][0] if len(bids) == levels else -1
    ask_cut = asks[-1][0] if len(asks) == levels else 1 << 62
    return any(p >= bid_cut for p, _ in event.bids) or any(p <= ask_cut for p, _ in event.asks)


def _ticker(symbol: str, book: L2Book, kind: str) -> str:
    """A v2 ``ticker`` frame (``event_trigger: bbo``) with the book's best bid and ask."""
    ps, qs = book.price_scale, book.qty_scale
    (bid,), (ask,) = book.bids.top(1) or [(0, 0)], book.asks.top(1) or [(0, 0)]
    item = (
        f'{{"symbol":"{symbol}","bid":{ticks_to_decimal(bid[0], ps):.{ps}f},'
        f'"bid_qty":{ticks_to_decimal(bid[1], qs):.{qs}f},'
        f'"ask":{ticks_to_decimal(ask[0], ps):.{ps}f},'
        f'"ask_qty":{ticks_to_decimal(ask[1], qs):.{qs}f}}}'
    )
    return f'{{"channel":"ticker","type":"{kind}","data":[{item}]}}'


def _render(event: KrakenEvent, book: L2Book, checksum: int) -> str:
    ps, qs = book.price_scale, book.qty_scale

    def levels(rows: list[tuple[int, int]]) -> str:
        return ",".join(
            f'{{"price":{ticks_to_decimal(p, ps):.{ps}f},"qty":{ticks_to_decimal(q, qs):.{qs}f}}}'
            for p, q in rows
        )

    return (
        '{"channel":"book","type":"update","data":[{"symbol":'
        f'"{event.symbol}","bids":[{levels(event.bids)}],"asks":[{levels(event.asks)}],'
        f'"checksum":{checksum},"timestamp":"{_now_iso()}"}}]}}'
    )
