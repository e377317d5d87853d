"""Binance spot public market data as a :class:`~core.ports.MarketDataPort`.

One combined-stream connection carries ``@depth@100ms``, ``@bookTicker`` and ``@aggTrade`` for
every symbol. Each book is synced from a REST depth snapshot in that symbol's own task (the
receive loop keeps buffering meanwhile). Binance closes connections after 24 hours and may warn
with ``serverShutdown``: the client opens the replacement first and closes the old one once the
new one delivers, feeding both into the same handler meanwhile (duplicate events are skipped by
their update ids, so no book notices). A ``LIST_SUBSCRIPTIONS`` request whenever the stream has
been quiet for a second doubles as an application-level ping: its reply proves the server is
still sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
import websockets

from core.errors import ExchangeError, NetworkError, RateLimitError
from core.feeds.backoff import Backoff
from core.feeds.binance import BinanceHandler
from core.feeds.events import FeedEvent, ResyncNeeded, ShutdownNotice, SyncState
from core.feeds.stream import Connection, FeedClient
from core.models import Instrument

log = logging.getLogger(__name__)

STREAM_URL = "wss://stream.binance.com:9443/stream"
REST_URL = "https://api.binance.com"
MAX_AGE = 23.5 * 3600.0
"""Roll over well before Binance's 24-hour connection limit."""


def venue_symbol(symbol: str) -> str:
    """``BTC/USDT`` → ``BTCUSDT`` (Binance's spelling)."""
    return symbol.replace("/", "").upper()


class BinanceFeed(FeedClient):
    """Binance spot public feed: diff-depth books synced to REST snapshots, trades, best prices."""

    venue = "binance"

    def __init__(
        self,
        url: str = STREAM_URL,
        rest_url: str = REST_URL,
        *,
        snapshot_limit: int = 1000,
        max_age: float = MAX_AGE,
        probe_after: float = 1.0,
        **options: Any,
    ) -> None:
        self.url = url
        self.rest_url = rest_url.rstrip("/")
        self.snapshot_limit = snapshot_limit
        self.max_age = max_age
        self.probe_after = probe_after
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._rolling = False
        self._last_probe = 0.0
        super().__init__(**options)
        self.binance: BinanceHandler = self.handler  # type: ignore[assignment]

    def _make_handler(self) -> BinanceHandler:
        return BinanceHandler()

    def _url(self) -> str:
        self.binance.names = {venue_symbol(s): s for s in self.symbols}
        streams = []
        for symbol in self.symbols:
            lower = venue_symbol(symbol).lower()
            streams += [f"{lower}@depth@100ms", f"{lower}@bookTicker", f"{lower}@aggTrade"]
        return f"{self.url}?streams={quote('/'.join(streams), safe='/@')}"

    async def _on_open(self, conn: Connection) -> None:
        if self._rolling:
            return  # the books carry on through the overlap
        for symbol in self.symbols:
            self._schedule_resync(symbol, "connected", failure=False)

    # ------------------------------------------------------------------ snapshots

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def _get(self, path: str, **params: str) -> bytes:
        session = await self._http()
        try:
            async with session.get(f"{self.rest_url}{path}", params=params) as response:
                body = await response.read()
                if self.http_tap is not None and response.status == 200:
                    self.http_tap(time.time(), str(response.url), body)
                if response.status in (418, 429):
                    raise RateLimitError(f"binance: HTTP {response.status} on {path}")
                if response.status >= 500:
                    raise NetworkError(f"binance: HTTP {response.status} on {path}")
                if response.status != 200:
                    raise ExchangeError(
                        f"binance: HTTP {response.status} on {path}: {body[:200]!r}"
                    )
                return body
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NetworkError(f"binance: {path}: {exc}") from exc

    async def _resync(self, symbol: str) -> None:
        """Fetch depth snapshots until one bridges the buffered diff stream."""
        retry = Backoff(base=0.25, cap=10.0)
        for _ in range(20):  # a quiet market may never buffer: wait up to ~1s, not forever
            sb = self.binance.book(symbol)
            if sb is not None and sb.buffer:
                break
            await asyncio.sleep(0.05)
        while True:
            try:
                body = await self._get(
                    "/api/v3/depth", symbol=venue_symbol(symbol), limit=str(self.snapshot_limit)
                )
            except NetworkError as exc:
                delay = retry.next_delay() * (4 if isinstance(exc, RateLimitError) else 1)
                log.warning("%s: depth %s: %s (retry in %.1fs)", self.venue, symbol, exc, delay)
                await asyncio.sleep(delay)
                continue
            events = self.binance.on_snapshot(symbol, body)
            for event in events:
                if not (isinstance(event, ResyncNeeded) and event.symbol == symbol):
                    self._dispatch(event, None, time.monotonic())
            sb = self.binance.book(symbol)
            if sb is not None and sb.state is SyncState.LIVE:
                return
            await asyncio.sleep(retry.next_delay())

    # ------------------------------------------------------------------ connection care

    def _on_event(self, event: FeedEvent, conn: Connection) -> None:
        if isinstance(event, ShutdownNotice) and not self._rolling:
            self._spawn(self._rollover(conn), "rollover")

    async def _rollover(self, old: Connection) -> None:
        """Open the replacement, wait until it delivers (5 s at most), then close the old one."""
        self._rolling = True
        try:
            new = await self._open()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await new.delivered.wait()
            await old.ws.close()
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            log.warning("%s: rollover failed: %s", self.venue, exc)
        finally:
            self._rolling = False

    def _reset_books(self) -> None:
        super()._reset_books()
        for sb in self.binance.books.values():
            sb.buffer.clear()
            sb.pending_ticker = None

    async def _on_monitor(self, now: float) -> None:
        if not self.connections:
            return
        newest = self.connections[-1]
        if now - newest.opened > self.max_age and not self._rolling:
            self._spawn(self._rollover(newest), "rollover")
        silent = self.health_tracker.silent_for(now)
        if (
            silent is None or silent >= self.probe_after
        ) and now - self._last_probe >= self.probe_after:
            self._last_probe = now
            frame = {"method": "LIST_SUBSCRIPTIONS", "id": next(self._ids)}
            with contextlib.suppress(websockets.exceptions.ConnectionClosed):
                await newest.ws.send(orjson.dumps(frame).decode())

    def _venue_time(self) -> float | None:
        ms = self.binance.last_venue_time
        return None if ms is None else ms / 1000.0

    async def _close_extra(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ instruments

    async def load_instruments(self) -> Sequence[Instrument]:
        """Spot markets from ``GET /api/v3/exchangeInfo`` with their tick and step sizes."""
        try:
            body = orjson.loads(await self._get("/api/v3/exchangeInfo"))
        finally:
            if not self._streaming:
                await self._close_extra()
        out = []
        for item in body.get("symbols", []):
            if item.get("status") not in (None, "TRADING"):
                continue
            filters = {f["filterType"]: f for f in item.get("filters", [])}
            tick = Decimal(filters.get("PRICE_FILTER", {}).get("tickSize", "0.00000001"))
            lot = filters.get("LOT_SIZE", {})
            notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
            out.append(
                Instrument(
                    venue=self.venue,
                    symbol=f"{item['baseAsset']}/{item['quoteAsset']}",
                    base=item["baseAsset"],
                    quote=item["quoteAsset"],
                    price_tick=tick.normalize() if tick > 0 else Decimal("1e-8"),
                    qty_step=Decimal(lot.get("stepSize", "0.00000001")).normalize()
                    or Decimal("1e-8"),
                    min_qty=Decimal(lot.get("minQty", "0")),
                    min_notional=Decimal(notional.get("minNotional", "0")),
                    venue_symbol=item["symbol"],
                )
            )
        return out
