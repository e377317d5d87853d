"""Sans-I/O handler for Kraken's public WebSocket v2 frames (book, trade, ticker, instrument).

Books are rebuilt exactly and the CRC32 checksum is verified on the snapshot and on **every**
update, with each side cut back to the subscribed depth after each frame (Kraken never sends
deletions for levels that fall out of the window). v2 sends JSON numbers; they are turned into
integer ticks with the pair's ``price_precision`` / ``qty_precision`` from the ``instrument``
channel (see :mod:`core.feeds.numbers` for why that is exact). A failed checksum or a crossed
book marks that one symbol for resync; other symbols are untouched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zlib import crc32

import orjson

from core.feeds.book import L2Book
from core.feeds.events import (
    HEARTBEAT,
    BookSynced,
    FeedEvent,
    InstrumentsUpdated,
    Malformed,
    ResyncNeeded,
    ShutdownNotice,
    Subscribed,
    SymbolBook,
    SyncState,
    TickerUpdated,
    TradePrinted,
    VenueReply,
)
from core.feeds.handler import BookHandler
from core.feeds.numbers import FLOAT_EXACT_LIMIT, InexactNumber, decimal_ticks
from core.models import Instrument, Side, Trade

VENUE = "kraken"
_LIVE = SyncState.LIVE
DEPTHS = (10, 25, 100, 500, 1000)


@dataclass(frozen=True, slots=True)
class Precision:
    """Decimals Kraken uses for a pair's prices and quantities (checksum formatting)."""

    price: int
    qty: int


@dataclass(frozen=True, slots=True)
class Ticker:
    bid: Decimal | None
    bid_qty: Decimal | None
    ask: Decimal | None
    ask_qty: Decimal | None
    last: Decimal | None


def infer_depth(levels: int) -> int:
    """The smallest subscribable depth that holds a snapshot side of ``levels`` levels."""
    for depth in DEPTHS:
        if levels <= depth:
            return depth
    return DEPTHS[-1]


def _exact(raw: str | bytes) -> Any:
    return json.loads(raw, parse_float=Decimal)


class KrakenV2Handler(BookHandler[SymbolBook]):
    """Turns Kraken v2 frames into book state and :mod:`core.feeds.events`.

    ``depth`` fixes the book depth for every symbol; ``None`` takes it from the subscription
    acknowledgement, or else infers it from the snapshot's size.
    """

    venue = VENUE

    def __init__(
        self, depth: int | None = None, precisions: Mapping[str, Precision] | None = None
    ) -> None:
        super().__init__()
        self.depth = depth
        self.precisions: dict[str, Precision] = dict(precisions or {})
        self.instruments: dict[str, Instrument] = {}
        self.tickers: dict[str, Ticker] = {}
        self.last_venue_time: str | None = None
        """The latest exchange timestamp seen (ISO 8601), for the clock-offset estimate."""
        self._depths: dict[str, int] = {}
        self._last_trade_id: dict[str, int] = {}
        self._missing: set[str] = set()

    # ------------------------------------------------------------------ public reads

    # ------------------------------------------------------------------ frames

    def on_message(self, raw: str | bytes) -> list[FeedEvent]:
        """Handle one received frame; never raises for bad input (reports :class:`Malformed`)."""
        self.frames += 1
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return self._malformed(f"not JSON: {exc}")
        if type(msg) is not dict:
            return self._malformed("not a JSON object")
        try:
            channel = msg.get("channel")
            if channel == "book":
                return self._on_book(msg, raw)
            if channel == "heartbeat":
                return [HEARTBEAT]
            if channel == "trade":
                return self._on_trade(raw)
            if channel == "ticker":
                return self._on_ticker(raw)
            if channel == "instrument":
                return self._on_instrument(raw)
            if channel == "status":
                return self._on_status(msg)
            if "method" in msg:
                return self._on_reply(msg)
            return []
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            return self._malformed(f"{channel or 'frame'}: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ book

    def _symbol_book(self, symbol: str) -> SymbolBook | None:
        precision = self.precisions.get(symbol)
        if precision is None:
            return None
        sb = SymbolBook(symbol, L2Book(precision.price, precision.qty))
        sb.depth = self.depth or self._depths.get(symbol)
        self.books[symbol] = sb
        return sb

    def _on_book(self, msg: dict[str, Any], raw: str | bytes) -> list[FeedEvent]:
        snapshot = msg.get("type") == "snapshot"
        out: list[FeedEvent] = []
        data = msg["data"]
        for entry in data:
            symbol = entry["symbol"]
            sb = self.books.get(symbol) or self._symbol_book(symbol)
            if sb is None:
                if symbol not in self._missing:
                    self._missing.add(symbol)
                    out.append(
                        Malformed(
                            f"book {symbol}: no instrument precisions yet (a v2 recording "
                            "needs the instrument snapshot frame before the book frames)"
                        )
                    )
                continue
            stats = sb.stats
            if snapshot:
                sb.book.clear()
                if sb.depth is None:
                    sb.depth = infer_depth(max(len(entry["bids"]), len(entry["asks"])))
            elif sb.state is not _LIVE:
                stats.skipped += 1
                continue
            book = sb.book
            try:
                _apply_floats(book, entry)
            except InexactNumber:
                _apply_decimals(book, _exact(raw)["data"][data.index(entry)])
            bid_side = book.bids
            ask_side = book.asks
            depth = sb.depth
            if depth is not None:
                if len(bid_side.keys) > depth:
                    bid_side.truncate(depth)
                if len(ask_side.keys) > depth:
                    ask_side.truncate(depth)
            stats.updates += 1
            ts = entry.get("timestamp")
            if ts is not None:
                self.last_venue_time = ts
            expected = entry.get("checksum")
            if expected is not None:
                texts = ask_side.texts[:10] + bid_side.texts[:10]  # type: ignore[index]
                if crc32("".join(texts).encode()) != expected:
                    stats.checksum_failures += 1
                    out.append(sb.fail(f"checksum mismatch (expected {expected})"))
                    continue
                stats.checksums_ok += 1
            bids = book.bids.keys
            asks = book.asks.keys
            if bids and asks and -bids[0] >= asks[0]:
                stats.crossed += 1
                out.append(sb.fail("crossed book"))
                continue
            if snapshot:
                stats.snapshots += 1
                sb.state = _LIVE
                sb.verified = expected is not None
                book.update_id = 0
                out.append(BookSynced(symbol))
            else:
                book.update_id = (book.update_id or 0) + 1
                if expected is not None:
                    sb.verified = True
            out.append(sb.updated)
        return out

    # ------------------------------------------------------------------ other channels

    def _on_trade(self, raw: str | bytes) -> list[FeedEvent]:
        msg = _exact(raw)
        out: list[FeedEvent] = []
        for item in msg["data"]:
            symbol = item["symbol"]
            trade_id = item.get("trade_id")
            sb = self.books.get(symbol)
            if isinstance(trade_id, int):
                last = self._last_trade_id.get(symbol)
                if last is not None and trade_id <= last:
                    continue  # already seen
                if last is not None and trade_id > last + 1 and sb is not None:
                    sb.stats.trade_gaps += 1
                self._last_trade_id[symbol] = max(trade_id, last or 0)
            if sb is not None:
                sb.stats.trades += 1
            trade = Trade(
                venue=VENUE,
                symbol=symbol,
                price=item["price"],
                qty=item["qty"],
                side=Side(item["side"]),
                ts=datetime.fromisoformat(item["timestamp"]),
                trade_id=None if trade_id is None else str(trade_id),
            )
            self.last_venue_time = item["timestamp"]
            out.append(TradePrinted(trade))
        return out

    def _on_ticker(self, raw: str | bytes) -> list[FeedEvent]:
        msg = _exact(raw)
        out: list[FeedEvent] = []
        for item in msg["data"]:
            symbol = item["symbol"]
            self.tickers[symbol] = Ticker(
                bid=item.get("bid"),
                bid_qty=item.get("bid_qty"),
                ask=item.get("ask"),
                ask_qty=item.get("ask_qty"),
                last=item.get("last"),
            )
            self._cross_check(symbol, self.tickers[symbol])
            out.append(TickerUpdated(symbol))
        return out

    def _cross_check(self, symbol: str, ticker: Ticker) -> None:
        """Compare the ticker's best bid/ask with the verified book's top (a free check).

        Kraken's ticker and book channels carry no common sequence, so a ticker can lag the
        book by a frame: a difference is counted (``ticker_disagreements``), never a failure.
        """
        sb = self.books.get(symbol)
        if sb is None or sb.state is not SyncState.LIVE or ticker.bid is None or ticker.ask is None:
            return
        bids, asks = sb.book.levels(1)
        if not bids or not asks:
            return
        sb.stats.ticker_checks += 1
        if bids[0].price != ticker.bid or asks[0].price != ticker.ask:
            sb.stats.ticker_disagreements += 1

    def _on_instrument(self, raw: str | bytes) -> list[FeedEvent]:
        msg = _exact(raw)
        out: list[FeedEvent] = []
        pairs = msg["data"].get("pairs", [])
        for pair in pairs:
            symbol = pair["symbol"]
            precision = Precision(int(pair["price_precision"]), int(pair["qty_precision"]))
            old = self.precisions.get(symbol)
            self.precisions[symbol] = precision
            self.instruments[symbol] = _instrument(pair, precision)
            sb = self.books.get(symbol)
            if old is not None and old != precision and sb is not None:
                sb.book = L2Book(precision.price, precision.qty)
                sb.stats.resyncs += 1
                sb.state = SyncState.AWAITING
                out.append(ResyncNeeded(symbol, "instrument precision changed"))
        out.append(InstrumentsUpdated(len(pairs)))
        return out

    def _on_status(self, msg: dict[str, Any]) -> list[FeedEvent]:
        for item in msg.get("data", []):
            system = item.get("system")
            if system is not None and system != "online":
                return [ShutdownNotice(f"system {system}")]
        return []

    def _on_reply(self, msg: dict[str, Any]) -> list[FeedEvent]:
        method = str(msg["method"])
        ok = bool(msg.get("success", True))
        req_id = msg.get("req_id")
        result = msg.get("result") or {}
        if not ok:
            return [VenueReply(method, False, str(msg.get("error", "")), req_id)]
        out: list[FeedEvent] = [VenueReply(method, True, "", req_id)]
        if method == "subscribe" and isinstance(result, dict):
            channel = str(result.get("channel", ""))
            symbol = result.get("symbol")
            depth = result.get("depth")
            if channel == "book" and isinstance(symbol, str) and isinstance(depth, int):
                self._depths[symbol] = depth
                sb = self.books.get(symbol)
                if sb is not None and self.depth is None:
                    sb.depth = depth
            out.append(Subscribed(channel, symbol if isinstance(symbol, str) else None))
        return out


def _apply_floats(book: L2Book, entry: dict[str, Any]) -> None:
    """Apply one entry's levels in order, converting floats to ticks (see module doc)."""
    pf = book.price_factor
    qf = book.qty_factor
    limit = FLOAT_EXACT_LIMIT
    levels = entry["bids"]
    if levels:
        put = book.bids.set
        for level in levels:
            p = level["price"] * pf
            q = level["qty"] * qf
            if not (0.0 <= p < limit and 0.0 <= q < limit):
                raise InexactNumber(f"{level['price']!r} / {level['qty']!r}")
            put(round(p), round(q))
    levels = entry["asks"]
    if levels:
        put = book.asks.set
        for level in levels:
            p = level["price"] * pf
            q = level["qty"] * qf
            if not (0.0 <= p < limit and 0.0 <= q < limit):
                raise InexactNumber(f"{level['price']!r} / {level['qty']!r}")
            put(round(p), round(q))


def _apply_decimals(book: L2Book, entry: dict[str, Any]) -> None:
    """The exact slow path: the same levels parsed as :class:`Decimal`.

    Re-applying a whole entry after a partial float pass is safe: every level sets an absolute
    quantity, so the last write per price wins either way.
    """
    ps, qs = book.price_scale, book.qty_scale
    for side, levels in ((book.bids, entry["bids"]), (book.asks, entry["asks"])):
        for level in levels:
            side.set(
                decimal_ticks(Decimal(level["price"]), ps), decimal_ticks(Decimal(level["qty"]), qs)
            )


def _instrument(pair: Mapping[str, Any], precision: Precision) -> Instrument:
    symbol = str(pair["symbol"])
    base, _, quote = symbol.partition("/")
    tick = pair.get("price_increment") or Decimal(1).scaleb(-precision.price)
    step = pair.get("qty_increment") or Decimal(1).scaleb(-precision.qty)
    return Instrument(
        venue=VENUE,
        symbol=symbol,
        base=str(pair.get("base", base)),
        quote=str(pair.get("quote", quote)),
        price_tick=Decimal(tick),
        qty_step=Decimal(step),
        min_qty=Decimal(pair.get("qty_min") or 0),
        min_notional=Decimal(pair.get("cost_min") or 0),
        venue_symbol=symbol,
    )
