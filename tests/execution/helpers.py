"""Execution test helpers: real Kraken and Binance books, a static market view, a
fault-injecting venue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from pathlib import Path

from core.errors import NetworkError, OrderRejected, RateLimitError
from core.execution.paper_venue import PaperVenue
from core.feeds.binance import BinanceHandler
from core.feeds.events import BookSynced
from core.models import (
    Balance,
    BookIntegrity,
    BookLevel,
    BookSnapshot,
    Instrument,
    Location,
    Order,
    OrderRequest,
    utcnow,
)
from core.ports import UserEvent

VENUE = "kraken"
SYMBOL = "BTC/USD"

BTC_USD = Instrument(
    venue=VENUE,
    symbol=SYMBOL,
    base="BTC",
    quote="USD",
    price_tick=Decimal("0.1"),
    qty_step=Decimal("0.00000001"),
    min_qty=Decimal("0.0001"),
    min_notional=Decimal("0.5"),
    maker_fee=Decimal("0.0016"),
    taker_fee=Decimal("0.0026"),
)


def kraken_book(shared_data: Path) -> BookSnapshot:
    """The recorded Kraken v2 BTC/USD depth-10 snapshot (python-kraken-sdk fixture), as-is."""
    raw = json.loads(
        (shared_data / "exchange" / "python-kraken-sdk" / "orderbook-v2.json").read_text()
    )
    data = raw["init"]["data"][0]

    def levels(rows: list[dict[str, float]]) -> tuple[BookLevel, ...]:
        # repr of the JSON float is the wire text (json.loads keeps the shortest round-trip).
        return tuple(
            BookLevel(price=Decimal(repr(r["price"])), qty=Decimal(repr(r["qty"]))) for r in rows
        )

    return BookSnapshot(
        venue=VENUE,
        symbol=data["symbol"],
        bids=levels(data["bids"]),
        asks=levels(data["asks"]),
        ts=utcnow(),
        integrity=BookIntegrity.VERIFIED,
    )


def binance_book(depth_body: str, symbol: str) -> BookSnapshot:
    """A recorded Binance ``GET /api/v3/depth`` body (cryptofeed capture) as a verified book.

    The body goes through the feed's own snapshot handler, so the levels are exactly what
    the live feed would hold after that snapshot; ``symbol`` is the unified name (``NKN/USDT``).
    """
    handler = BinanceHandler()
    events = handler.on_snapshot(symbol, depth_body)
    synced = handler.book(symbol)
    if synced is None or not any(isinstance(e, BookSynced) for e in events):
        raise ValueError(f"the recorded {symbol} depth snapshot did not sync: {events}")
    bids, asks = synced.book.levels(max(len(synced.book.bids), len(synced.book.asks)))
    return BookSnapshot(
        venue="binance",
        symbol=symbol,
        bids=bids,
        asks=asks,
        ts=utcnow(),
        integrity=BookIntegrity.VERIFIED,
        sequence=synced.book.update_id,
    )


class StaticMarket:
    """A MarketView over books and instruments the test controls.

    ``instruments`` defaults to Kraken BTC/USD; ``usd`` (USD value per asset) defaults to the
    book's instrument quoted at 1 and its base at the book's mid.
    """

    def __init__(
        self,
        book: BookSnapshot,
        *,
        instruments: Sequence[Instrument] = (BTC_USD,),
        usd: dict[str, Decimal] | None = None,
    ) -> None:
        self.books = {(book.venue, book.symbol): book}
        self.instruments = {(i.venue, i.symbol): i for i in instruments}
        if usd is None:
            inst = self.instruments.get((book.venue, book.symbol))
            if inst is None:
                raise ValueError(f"no instrument for the book {book.venue} {book.symbol}")
            usd = {inst.quote: Decimal(1), inst.base: book.mid or Decimal(0)}
        self.usd = usd
        self.total = Decimal(1_000_000)

    def set_book(self, book: BookSnapshot) -> None:
        self.books[(book.venue, book.symbol)] = book

    def instrument(self, venue: str, symbol: str) -> Instrument | None:
        return self.instruments.get((venue, symbol))

    def book(self, venue: str, symbol: str) -> BookSnapshot | None:
        return self.books.get((venue, symbol))

    def book_of(self, symbol: str) -> BookSnapshot | None:
        return self.books.get((VENUE, symbol))

    def usd_price(self, asset: str) -> Decimal | None:
        return self.usd.get(asset)

    def portfolio_usd(self) -> Decimal:
        return self.total


def paper_venue(market: StaticMarket, balances: dict[str, Decimal], **kw: object) -> PaperVenue:
    return PaperVenue(VENUE, market.book_of, {SYMBOL: BTC_USD}, balances, **kw)  # type: ignore[arg-type]


class FaultyVenue:
    """Wraps a venue and injects one scripted fault per submit call.

    Faults: ``ok``; ``5xx`` (NetworkError before the venue sees it); ``429``; ``reject``
    (OrderRejected); ``timeout_after_accept`` (the venue accepts, the reply is lost);
    ``hang_after_accept`` (accepted, the reply never comes). ``lookup_5xx`` makes the next
    fetch_order fail once.
    """

    def __init__(self, inner: PaperVenue, faults: Sequence[str] = ()) -> None:
        self.inner = inner
        self.venue = inner.venue
        self.faults = list(faults)
        self.submit_calls: list[str] = []
        self.fetch_faults: list[str] = []
        self.store_rows_at_submit: list[int] = []
        self.before_submit: list[object] = []

    async def submit(self, request: OrderRequest) -> Order:
        fault = self.faults.pop(0) if self.faults else "ok"
        self.submit_calls.append(f"{request.client_order_id}:{fault}")
        for hook in self.before_submit:
            await hook(request)  # type: ignore[operator]
        if fault == "5xx":
            raise NetworkError("HTTP 503 Service Unavailable")
        if fault == "429":
            raise RateLimitError("HTTP 429 Too Many Requests")
        if fault == "reject":
            raise OrderRejected("EOrder:Insufficient funds")
        reply = await self.inner.submit(request)
        if fault == "timeout_after_accept":
            raise TimeoutError("read timed out")
        if fault == "hang_after_accept":
            await asyncio.Event().wait()
        return reply

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        if self.fetch_faults and self.fetch_faults.pop(0) == "5xx":
            raise NetworkError("HTTP 502 Bad Gateway")
        return await self.inner.fetch_order(client_order_id, symbol)

    async def cancel(self, client_order_id: str, symbol: str) -> Order:
        return await self.inner.cancel(client_order_id, symbol)

    async def fetch_open_orders(self) -> Sequence[Order]:
        return await self.inner.fetch_open_orders()

    def user_stream(self) -> AsyncIterator[UserEvent]:
        return self.inner.user_stream()

    def locations(self) -> Sequence[Location]:
        return self.inner.locations()

    async def fetch_balances(self) -> Sequence[Balance]:
        return await self.inner.fetch_balances()


class FakeSleep:
    """Records requested delays and returns at once (no real waiting in tests)."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.now = 0.0
        self.on_sleep: list[Callable[[float], None]] = []
        """Called with each delay as it is requested (to see what happened before a wait)."""

    def clock(self) -> float:
        return self.now

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        for hook in self.on_sleep:
            hook(seconds)
        self.now += seconds
        await asyncio.sleep(0)
