"""Kraken's public WebSocket v2 market data as a :class:`~core.ports.MarketDataPort`.

On every connection: subscribe ``instrument`` (precisions), then, once they are known, ``book``
at the chosen depth, ``trade`` and ``ticker`` (``event_trigger: bbo``) for the symbols. A failed
checksum resyncs one symbol by unsubscribing and resubscribing its book (Kraken answers with a
fresh snapshot), in that symbol's own task. Application pings keep the connection honest; a
``status`` frame announcing maintenance closes the connection and the backoff decides when to
come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import connect

from core.errors import ExchangeError, NetworkError
from core.feeds.backoff import Backoff
from core.feeds.events import FeedEvent, InstrumentsUpdated, ShutdownNotice, SyncState
from core.feeds.kraken_v2 import DEPTHS, KrakenV2Handler
from core.feeds.stream import Connection, FeedClient
from core.models import Instrument

PUBLIC_URL = "wss://ws.kraken.com/v2"


class KrakenFeed(FeedClient):
    """Kraken v2 public feed: books (checksum on every update), trades, instruments."""

    venue = "kraken"

    def __init__(
        self,
        url: str = PUBLIC_URL,
        *,
        depth: int = 10,
        ping_interval: float = 15.0,
        resync_timeout: float = 5.0,
        ticker: bool = True,
        **options: Any,
    ) -> None:
        if depth not in DEPTHS:
            raise ValueError(f"Kraken book depth must be one of {DEPTHS}")
        self.url = url
        self.depth = depth
        self.ping_interval = ping_interval
        self.resync_timeout = resync_timeout
        self.ticker = ticker
        """Subscribe ``ticker`` (best bid/ask on every top-of-book change): a cross-check of
        the book's top, counted in ``ticker_checks`` / ``ticker_disagreements``."""
        self._req_ids = itertools.count(1)
        self._books_subscribed: set[int] = set()
        self._last_ping = 0.0
        super().__init__(**options)
        self.kraken: KrakenV2Handler = self.handler  # type: ignore[assignment]

    def _make_handler(self) -> KrakenV2Handler:
        return KrakenV2Handler(depth=self.depth)

    def _url(self) -> str:
        return self.url

    async def _send(self, conn: Connection, method: str, params: dict[str, Any]) -> None:
        frame = {"method": method, "params": params, "req_id": next(self._req_ids)}
        await conn.ws.send(orjson.dumps(frame).decode())

    async def _on_open(self, conn: Connection) -> None:
        await self._send(conn, "subscribe", {"channel": "instrument", "snapshot": True})
        if self.kraken.precisions.keys() >= set(self.symbols):
            await self._subscribe_books(conn)

    async def _subscribe_books(self, conn: Connection) -> None:
        if conn.number in self._books_subscribed or not self.symbols:
            return
        self._books_subscribed.add(conn.number)
        symbols = list(self.symbols)
        params = {"channel": "book", "symbol": symbols, "depth": self.depth, "snapshot": True}
        await self._send(conn, "subscribe", params)
        await self._send(
            conn, "subscribe", {"channel": "trade", "symbol": symbols, "snapshot": False}
        )
        if self.ticker:
            params = {"channel": "ticker", "symbol": symbols, "event_trigger": "bbo"}
            await self._send(conn, "subscribe", params)

    def _on_event(self, event: FeedEvent, conn: Connection) -> None:
        if isinstance(event, InstrumentsUpdated):
            self._spawn(self._subscribe_books(conn), f"subscribe-{conn.number}")
        elif isinstance(event, ShutdownNotice):
            self._spawn(conn.ws.close(), f"close-{conn.number}")

    async def _resync(self, symbol: str) -> None:
        """Unsubscribe and resubscribe one book until a fresh snapshot verifies."""
        retry = Backoff(base=0.2, cap=5.0)
        synced = self._synced[symbol]
        while True:
            conn = self.connections[-1] if self.connections else None
            if conn is not None:
                params = {"channel": "book", "symbol": [symbol], "depth": self.depth}
                with contextlib.suppress(websockets.exceptions.ConnectionClosed):
                    await self._send(conn, "unsubscribe", params)
                    await self._send(conn, "subscribe", {**params, "snapshot": True})
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.resync_timeout):
                        await synced.wait()
                sb = self.kraken.book(symbol)
                if sb is not None and sb.state is SyncState.LIVE:
                    return
            synced.clear()
            await asyncio.sleep(retry.next_delay())

    async def _on_monitor(self, now: float) -> None:
        if now - self._last_ping >= self.ping_interval and self.connections:
            self._last_ping = now
            with contextlib.suppress(websockets.exceptions.ConnectionClosed):
                await self._send_ping(self.connections[-1])

    async def _send_ping(self, conn: Connection) -> None:
        await conn.ws.send(orjson.dumps({"method": "ping", "req_id": next(self._req_ids)}).decode())

    def _venue_time(self) -> float | None:
        stamp = self.kraken.last_venue_time
        if stamp is None:
            return None
        try:
            return datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            return None

    async def load_instruments(self) -> Sequence[Instrument]:
        """Every pair from the ``instrument`` channel (one short-lived connection)."""
        if self.kraken.instruments:
            return list(self.kraken.instruments.values())
        try:
            async with (
                asyncio.timeout(self.open_timeout),
                connect(self.url, max_size=2**24) as ws,
            ):
                frame = {"method": "subscribe", "params": {"channel": "instrument"}, "req_id": 0}
                await ws.send(orjson.dumps(frame).decode())
                async for raw in ws:
                    events = self.kraken.on_message(raw)
                    if any(isinstance(e, InstrumentsUpdated) for e in events):
                        break
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            raise NetworkError(f"kraken: cannot load instruments: {exc}") from exc
        if not self.kraken.instruments:
            raise ExchangeError("kraken: the instrument channel sent no pairs")
        return list(self.kraken.instruments.values())
