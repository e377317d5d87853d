"""Venue frames built from a book: what an exchange would send for the book we hold.

The loopback emulator uses these to answer a resubscription (Kraken) or a depth request
(Binance) at any point of a replayed stream, and tests use them to heal a book after an injected
fault. Numbers are written with the book's exact decimals, as the venues do.
"""

from __future__ import annotations

from typing import Any

import orjson

from core.feeds.book import L2Book, ticks_to_decimal


def _fixed(ticks: int, scale: int) -> str:
    return f"{ticks_to_decimal(ticks, scale):.{scale}f}"


def kraken_v2_book_snapshot(symbol: str, book: L2Book, depth: int, timestamp: str) -> bytes:
    """A v2 ``book`` snapshot frame (JSON numbers at the pair's precision, with checksum)."""
    ps, qs = book.price_scale, book.qty_scale

    def levels(rows: list[tuple[int, int]]) -> str:
        return ",".join(f'{{"price":{_fixed(p, ps)},"qty":{_fixed(q, qs)}}}' for p, q in rows)

    copy = L2Book(ps, qs)
    for p, q in book.bids.top(depth):
        copy.bids.set(p, q)
    for p, q in book.asks.top(depth):
        copy.asks.set(p, q)
    entry = (
        f'{{"symbol":{orjson.dumps(symbol).decode()},'
        f'"bids":[{levels(book.bids.top(depth))}],"asks":[{levels(book.asks.top(depth))}],'
        f'"checksum":{copy.kraken_checksum()},"timestamp":"{timestamp}"}}'
    )
    return f'{{"channel":"book","type":"snapshot","data":[{entry}]}}'.encode()


def kraken_v1_book_snapshot(channel_id: int, pair: str, book: L2Book, depth: int, ts: str) -> bytes:
    """A v1 book snapshot frame ``[id, {"as": ..., "bs": ...}, "book-DEPTH", PAIR]``."""
    ps, qs = book.price_scale, book.qty_scale

    def rows(levels: list[tuple[int, int]]) -> list[list[str]]:
        return [[_fixed(p, ps), _fixed(q, qs), ts] for p, q in levels]

    payload = {"as": rows(book.asks.top(depth)), "bs": rows(book.bids.top(depth))}
    return orjson.dumps([channel_id, payload, f"book-{depth}", pair])


def binance_depth_snapshot(book: L2Book, limit: int = 1000) -> dict[str, Any]:
    """A ``GET /api/v3/depth`` body for the book's current state and update id."""
    ps, qs = book.price_scale, book.qty_scale
    return {
        "lastUpdateId": book.update_id or 0,
        "bids": [[_fixed(p, ps), _fixed(q, qs)] for p, q in book.bids.top(limit)],
        "asks": [[_fixed(p, ps), _fixed(q, qs)] for p, q in book.asks.top(limit)],
    }
