"""Sans-I/O handler for Binance spot combined-stream frames and REST depth snapshots.

Local books follow Binance's documented procedure: buffer ``depthUpdate`` events, take a REST
snapshot, drop buffered events with ``u <= lastUpdateId``, require the first applied event to
straddle ``lastUpdateId + 1`` (else the snapshot is too old: fetch another), then require every
event to continue where the previous one stopped. A break marks that one symbol for resync and
buffers from the breaking event on, so the fresh snapshot can bridge it. ``bookTicker`` frames
are a free self-check: when one carries the id of the last applied event, the book's best levels
must equal it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from core.feeds.book import L2Book
from core.feeds.events import (
    BookSynced,
    FeedEvent,
    Malformed,
    ResyncNeeded,
    ShutdownNotice,
    SymbolBook,
    SyncState,
    TickerUpdated,
    TradePrinted,
    VenueReply,
)
from core.feeds.handler import BookHandler
from core.feeds.numbers import decimals_of, str_ticks
from core.models import Side, Trade

VENUE = "binance"
MAX_BUFFER = 5000
"""Events kept per symbol while awaiting a snapshot; beyond that the oldest are dropped."""
_LIVE = SyncState.LIVE


class BinanceBook(SymbolBook):
    """A Binance book plus its pre-snapshot buffer and the last unchecked ``bookTicker``."""

    __slots__ = ("buffer", "pending_ticker")

    def __init__(self, symbol: str, price_scale: int, qty_scale: int) -> None:
        super().__init__(symbol, L2Book(price_scale, qty_scale, checksum=False))
        self.buffer: list[dict[str, Any]] = []
        self.pending_ticker: dict[str, Any] | None = None


class BinanceHandler(BookHandler[BinanceBook]):
    """Turns Binance frames and depth snapshots into book state and events.

    ``names`` maps the venue's symbols (``BTCUSDT``) to the names events should carry
    (``BTC/USDT``); unmapped symbols keep the venue's spelling. Price decimals are learnt from
    the first numbers seen for a symbol (Binance pads every number to a fixed width).
    """

    venue = VENUE

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.names: dict[str, str] = dict(names or {})
        self.last_venue_time: int | None = None
        """The latest exchange event time seen (ms since the epoch)."""
        self.best: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = {}
        """Latest ``bookTicker`` per symbol: bid, bid qty, ask, ask qty."""
        self._last_trade_id: dict[str, int] = {}

    # ------------------------------------------------------------------ public

    def on_message(self, raw: str | bytes) -> list[FeedEvent]:
        """Handle one received frame; never raises for bad input (reports :class:`Malformed`)."""
        self.frames += 1
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return self._malformed(f"not JSON: {exc}")
        if type(msg) is not dict:
            return self._malformed("not a JSON object")
        data = msg.get("data", msg)
        if type(msg.get("event")) is dict:  # connection events: {"event": {"e": ..., "E": ...}}
            data = msg["event"]
        try:
            event = data.get("e")
            if event == "depthUpdate":
                return self._on_depth(data)
            if event is None and "u" in data and "b" in data and "a" in data:
                return self._on_book_ticker(data)
            if event == "aggTrade" or event == "trade":
                return self._on_trade(data, event)
            if event == "serverShutdown":
                return [ShutdownNotice("serverShutdown")]
            if "id" in msg and ("result" in msg or "error" in msg):
                error = msg.get("error")
                return [VenueReply("request", error is None, str(error or ""), msg.get("id"))]
            return []
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            return self._malformed(f"{event or 'frame'}: {type(exc).__name__}: {exc}")

    def on_snapshot(self, symbol: str, body: str | bytes | Mapping[str, Any]) -> list[FeedEvent]:
        """Apply a ``GET /api/v3/depth`` response for ``symbol`` (a name as events carry it)."""
        try:
            snap = orjson.loads(body) if isinstance(body, str | bytes) else body
            last_id = int(snap["lastUpdateId"])
            bids, asks = snap["bids"], snap["asks"]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            return self._malformed(f"depth snapshot {symbol}: {type(exc).__name__}: {exc}")
        sb = self.books.get(symbol)
        if sb is None:
            sample = (bids or asks or [["0", "0"]])[0]
            sb = self._new_book(symbol, sample)
        try:
            _fit_scales(sb.book, bids, asks)
        except (TypeError, ValueError, IndexError) as exc:
            return self._malformed(f"depth snapshot {symbol}: {exc}")
        buffer = [e for e in sb.buffer if e["u"] > last_id]
        if buffer and buffer[0]["U"] > last_id + 1:
            # Events between the snapshot and the buffer were missed: this snapshot is too old.
            sb.buffer = buffer
            return [ResyncNeeded(symbol, "snapshot older than buffered events", failure=False)]
        book = sb.book
        book.clear()
        ps, qs = book.price_scale, book.qty_scale
        try:
            for levels, side in ((bids, book.bids), (asks, book.asks)):
                for price, qty in levels:
                    side.set(str_ticks(price, ps), str_ticks(qty, qs))
        except (ValueError, TypeError) as exc:
            book.clear()
            return self._malformed(f"depth snapshot {symbol}: {exc}")
        book.update_id = last_id
        sb.stats.snapshots += 1
        sb.stats.stale_events += len(sb.buffer) - len(buffer)
        sb.buffer = []
        sb.state = _LIVE
        sb.verified = False
        out: list[FeedEvent] = []
        for event in buffer:
            out.extend(self._apply(sb, event))
            if sb.state is not _LIVE:
                return out
        if book.is_crossed():
            sb.stats.crossed += 1
            return [*out, sb.fail("crossed book after snapshot")]
        sb.verified = True
        out.append(BookSynced(symbol))
        out.append(sb.updated)
        return out

    # ------------------------------------------------------------------ internals

    def _new_book(self, symbol: str, sample: list[str]) -> BinanceBook:
        sb = BinanceBook(symbol, decimals_of(sample[0]), decimals_of(sample[1]))
        self.books[symbol] = sb
        return sb

    def _on_depth(self, data: dict[str, Any]) -> list[FeedEvent]:
        venue_symbol = data["s"]
        symbol = self.names.get(venue_symbol, venue_symbol)
        self.last_venue_time = data["E"]
        sb = self.books.get(symbol)
        if sb is None:
            sample = (data["b"] or data["a"] or [["0.0", "0.0"]])[0]
            sb = self._new_book(symbol, sample)
            sb.buffer.append(data)
            return [ResyncNeeded(symbol, "initial snapshot", failure=False)]
        if sb.state is not _LIVE:
            buffer = sb.buffer
            buffer.append(data)
            if len(buffer) > MAX_BUFFER:
                del buffer[0]
            sb.stats.skipped += 1
            return []
        return self._apply(sb, data)

    def _apply(self, sb: BinanceBook, data: dict[str, Any]) -> list[FeedEvent]:
        """Apply one depth event to a live book, enforcing continuity."""
        book = sb.book
        last = book.update_id or 0
        last_u = data["u"]
        stats = sb.stats
        if last_u <= last:
            stats.stale_events += 1
            return []
        if data["U"] > last + 1:
            stats.gaps += 1
            event = sb.fail(f"gap: expected U={last + 1}, got U={data['U']}")
            sb.buffer.append(data)
            return [event]
        try:
            _apply_levels(book, data)
        except ValueError:
            # A number with more decimals than the book has seen: refine the book's scale and
            # apply the event again (absolute quantities, so re-applying is harmless).
            try:
                _fit_scales(book, data["b"], data["a"])
                _apply_levels(book, data)
            except (ValueError, TypeError) as exc:
                self.malformed += 1
                return [Malformed(f"depthUpdate: {exc}"), sb.fail("malformed depth event")]
        book.update_id = last_u
        stats.updates += 1
        bids = book.bids.keys
        asks = book.asks.keys
        if bids and asks and -bids[0] >= asks[0]:
            stats.crossed += 1
            return [sb.fail("crossed book")]
        ticker = sb.pending_ticker
        if ticker is not None and ticker["u"] <= last_u:
            sb.pending_ticker = None
            if ticker["u"] == last_u and not self._ticker_agrees(sb, ticker):
                return [sb.fail(f"bookTicker {last_u} disagrees with the book")]
        return [sb.updated]

    def _ticker_agrees(self, sb: BinanceBook, ticker: dict[str, Any]) -> bool:
        book = sb.book
        stats = sb.stats
        stats.ticker_checks += 1
        bids, asks = book.levels(1)
        want_bid = (Decimal(ticker["b"]), Decimal(ticker["B"]))
        want_ask = (Decimal(ticker["a"]), Decimal(ticker["A"]))
        have_bid = (bids[0].price, bids[0].qty) if bids else None
        have_ask = (asks[0].price, asks[0].qty) if asks else None
        if have_bid != want_bid or have_ask != want_ask:
            stats.ticker_mismatches += 1
            return False
        return True

    def _on_book_ticker(self, data: dict[str, Any]) -> list[FeedEvent]:
        venue_symbol = data["s"]
        symbol = self.names.get(venue_symbol, venue_symbol)
        self.best[symbol] = (
            Decimal(data["b"]),
            Decimal(data["B"]),
            Decimal(data["a"]),
            Decimal(data["A"]),
        )
        out: list[FeedEvent] = [TickerUpdated(symbol)]
        sb = self.books.get(symbol)
        if sb is None or sb.state is not _LIVE:
            return out
        last = sb.book.update_id or 0
        u = data["u"]
        if u == last:
            if not self._ticker_agrees(sb, data):
                out.append(sb.fail(f"bookTicker {u} disagrees with the book"))
        elif u > last:
            sb.pending_ticker = data
        return out

    def _on_trade(self, data: dict[str, Any], event: str) -> list[FeedEvent]:
        venue_symbol = data["s"]
        symbol = self.names.get(venue_symbol, venue_symbol)
        trade_id = int(data["a"] if event == "aggTrade" else data["t"])
        self.last_venue_time = data["E"]
        sb = self.books.get(symbol)
        last = self._last_trade_id.get(symbol)
        if last is not None and trade_id <= last:
            return []  # a duplicate (e.g. both connections during a rollover)
        if sb is not None:
            sb.stats.trades += 1
            if last is not None and trade_id > last + 1:
                sb.stats.trade_gaps += 1
        self._last_trade_id[symbol] = max(trade_id, last or 0)
        trade = Trade(
            venue=VENUE,
            symbol=symbol,
            price=Decimal(data["p"]),
            qty=Decimal(data["q"]),
            side=Side.SELL if data["m"] else Side.BUY,
            ts=datetime.fromtimestamp(data["T"] / 1000, UTC),
            trade_id=str(trade_id),
        )
        return [TradePrinted(trade)]


def _apply_levels(book: L2Book, data: dict[str, Any]) -> None:
    """Apply a depth event's levels; :class:`ValueError` if a number is off the book's scale."""
    ps, qs = book.price_scale, book.qty_scale
    # Fast path: Binance pads every number to the symbol's decimals, so a '.' exactly that far
    # from the end means dropping it gives the ticks; anything else takes str_ticks.
    pd, qd = -1 - ps, -1 - qs
    for levels, put in ((data["b"], book.bids.set), (data["a"], book.asks.set)):
        for price, qty in levels:
            put(
                int(price.replace(".", "")) if price[pd : pd + 1] == "." else str_ticks(price, ps),
                int(qty.replace(".", "")) if qty[qd : qd + 1] == "." else str_ticks(qty, qs),
            )


def _fit_scales(book: L2Book, *sides: list[list[str]]) -> None:
    """Refine the book's scales to hold every number of ``sides`` exactly."""
    ps, qs = book.price_scale, book.qty_scale
    for levels in sides:
        for price, qty in levels:
            ps = max(ps, decimals_of(price))
            qs = max(qs, decimals_of(qty))
    if (ps, qs) != (book.price_scale, book.qty_scale):
        book.rescale(ps, qs)
