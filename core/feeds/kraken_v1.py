"""Sans-I/O handler for Kraken WebSocket v1 book frames (the format of older captures).

v1 data frames are arrays ``[channelID, payload, ..., "book-DEPTH", "PAIR"]``. Snapshots carry
``as``/``bs`` and no checksum; updates carry ``a``/``b`` (a frame may hold two payload dicts,
the checksum ``c`` then sits in the last one). Prices and volumes are padded decimal strings and
are used exactly as received; the pair's decimals are taken from its snapshot. A level's fourth
element ``"r"`` marks a republished level and is applied like any other.
"""

from __future__ import annotations

from typing import Any

import orjson

from core.feeds.book import L2Book
from core.feeds.events import (
    HEARTBEAT,
    BookSynced,
    FeedEvent,
    ShutdownNotice,
    Subscribed,
    SymbolBook,
    SyncState,
    VenueReply,
)
from core.feeds.handler import BookHandler
from core.feeds.numbers import decimals_of, str_ticks

VENUE = "kraken"
_LIVE = SyncState.LIVE


class KrakenV1Handler(BookHandler[SymbolBook]):
    """Rebuilds Kraken v1 books, checking the CRC32 checksum on every update."""

    venue = VENUE

    def __init__(self) -> None:
        super().__init__()
        self.last_venue_time: str | None = None

    def on_message(self, raw: str | bytes) -> list[FeedEvent]:
        """Handle one received frame; never raises for bad input (reports :class:`Malformed`)."""
        self.frames += 1
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return self._malformed(f"not JSON: {exc}")
        try:
            if type(msg) is list:
                channel = msg[-2]
                if isinstance(channel, str) and channel.startswith("book-"):
                    return self._on_book(msg)
                return []
            if type(msg) is dict:
                return self._on_event(msg)
            return self._malformed("neither an array nor an object")
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            return self._malformed(f"{type(exc).__name__}: {exc}")

    def _on_event(self, msg: dict[str, Any]) -> list[FeedEvent]:
        event = msg.get("event")
        if event == "heartbeat":
            return [HEARTBEAT]
        if event == "systemStatus":
            status = msg.get("status")
            return [] if status == "online" else [ShutdownNotice(f"system {status}")]
        if event == "subscriptionStatus":
            ok = msg.get("status") == "subscribed"
            out: list[FeedEvent] = [
                VenueReply("subscribe", ok, str(msg.get("errorMessage", "")), msg.get("reqid"))
            ]
            if ok:
                out.append(Subscribed(str(msg.get("channelName", "")), msg.get("pair")))
            return out
        if event == "pong":
            return [VenueReply("ping", True, "", msg.get("reqid"))]
        return []

    def _on_book(self, msg: list[Any]) -> list[FeedEvent]:
        symbol = msg[-1]
        depth = int(msg[-2][5:])
        payloads = msg[1:-2]
        first = payloads[0]
        if "as" in first or "bs" in first:
            return self._on_snapshot(symbol, depth, first)
        sb = self.books.get(symbol)
        if sb is None or sb.state is not _LIVE:
            if sb is not None:
                sb.stats.skipped += 1
            return []
        book = sb.book
        ps, qs = book.price_scale, book.qty_scale
        expected: str | None = None
        for payload in payloads:
            for key, side in (("a", book.asks), ("b", book.bids)):
                levels = payload.get(key)
                if levels:
                    for level in levels:
                        side.set(str_ticks(level[0], ps), str_ticks(level[1], qs))
                        self.last_venue_time = level[2]
            expected = payload.get("c", expected)
        book.truncate(depth)
        stats = sb.stats
        stats.updates += 1
        out: list[FeedEvent] = []
        if expected is not None:
            if book.kraken_checksum() != int(expected):
                stats.checksum_failures += 1
                return [sb.fail(f"checksum mismatch (expected {expected})")]
            stats.checksums_ok += 1
            sb.verified = True
        if book.is_crossed():
            stats.crossed += 1
            return [sb.fail("crossed book")]
        book.update_id = (book.update_id or 0) + 1
        out.append(sb.updated)
        return out

    def _on_snapshot(self, symbol: str, depth: int, payload: dict[str, Any]) -> list[FeedEvent]:
        asks = payload.get("as", [])
        bids = payload.get("bs", [])
        sample = (asks or bids or [["0", "0"]])[0]
        ps, qs = decimals_of(sample[0]), decimals_of(sample[1])
        sb = self.books.get(symbol)
        if sb is None or (sb.book.price_scale, sb.book.qty_scale) != (ps, qs):
            old = sb.stats if sb is not None else None
            sb = SymbolBook(symbol, L2Book(ps, qs), depth=depth)
            if old is not None:
                sb.stats = old
            self.books[symbol] = sb
        book = sb.book
        book.clear()
        sb.depth = depth
        for levels, side in ((asks, book.asks), (bids, book.bids)):
            for level in levels:
                side.set(str_ticks(level[0], ps), str_ticks(level[1], qs))
        book.truncate(depth)
        sb.stats.updates += 1
        sb.stats.snapshots += 1
        if book.is_crossed():
            sb.stats.crossed += 1
            return [sb.fail("crossed book")]
        sb.state = _LIVE
        sb.verified = False
        book.update_id = 0
        return [BookSynced(symbol), sb.updated]
