"""An exact L2 order book on integer ticks.

Prices and quantities are stored as integers in units of ``10**-scale`` (the pair's decimals),
so book keys are exact and comparisons are integer comparisons. Each side keeps its price keys in
one sorted Python list (insertion by :mod:`bisect`, top-of-book reads by slicing) and the
quantities in a dict; bids are keyed by the negated price so both sides sort best-first.

Kraken's CRC32 checksum needs "price then quantity, ``.`` removed, leading zeros removed" for the
best ten levels per side. With integer ticks that string is simply ``f"{price}{qty}"``; it is
kept per level in a list parallel to the sorted keys, so a checksum costs two slice-joins and one
``zlib.crc32``.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, insort
from decimal import Decimal

from core.models import BookLevel

CHECKSUM_LEVELS = 10


def ticks_to_decimal(ticks: int, scale: int) -> Decimal:
    """The exact decimal value of ``ticks * 10**-scale`` (e.g. ``294302, 1 -> 29430.2``)."""
    return Decimal(ticks).scaleb(-scale)


class BookSide:
    """One side of a book: sorted keys, quantities by key, and (optionally) checksum strings.

    ``texts`` runs parallel to ``keys`` and holds each level's checksum string, so the checksum
    of the best ten levels is ``"".join(texts[:10])``. Books that never need a checksum
    (Binance) pass ``checksum=False`` and skip that work.
    """

    __slots__ = ("bids", "keys", "qty", "texts")

    def __init__(self, *, bids: bool, checksum: bool = True) -> None:
        self.bids = bids
        self.keys: list[int] = []
        """Sort keys ascending: the price for asks, the negated price for bids (best first)."""
        self.qty: dict[int, int] = {}
        """Quantity in ticks, by sort key."""
        self.texts: list[str] | None = [] if checksum else None

    def __len__(self) -> int:
        return len(self.keys)

    def clear(self) -> None:
        self.keys.clear()
        self.qty.clear()
        if self.texts is not None:
            self.texts.clear()

    def set(self, price: int, qty: int) -> None:
        """Set the absolute quantity at ``price``; zero deletes (a missing level is fine)."""
        key = -price if self.bids else price
        book_qty = self.qty
        keys = self.keys
        texts = self.texts
        if qty:
            if key in book_qty:
                if texts is not None:
                    texts[bisect_left(keys, key)] = f"{price}{qty}"
            elif texts is None:
                insort(keys, key)
            else:
                index = bisect_left(keys, key)
                keys.insert(index, key)
                texts.insert(index, f"{price}{qty}")
            book_qty[key] = qty
        elif key in book_qty:
            del book_qty[key]
            index = bisect_left(keys, key)
            del keys[index]
            if texts is not None:
                del texts[index]

    def truncate(self, depth: int) -> None:
        """Drop every level beyond ``depth`` (venues never send deletes for those)."""
        keys = self.keys
        if len(keys) > depth:
            book_qty = self.qty
            for key in keys[depth:]:
                del book_qty[key]
            del keys[depth:]
            if self.texts is not None:
                del self.texts[depth:]

    def best(self) -> int | None:
        """The best price in ticks, or ``None`` when the side is empty."""
        if not self.keys:
            return None
        key = self.keys[0]
        return -key if self.bids else key

    def top(self, depth: int) -> list[tuple[int, int]]:
        """The best ``depth`` levels as ``(price, qty)`` ticks, best first."""
        book_qty = self.qty
        sign = -1 if self.bids else 1
        return [(sign * key, book_qty[key]) for key in self.keys[:depth]]

    def checksum_text(self) -> str:
        """Kraken's checksum string for this side's best ten levels."""
        if self.texts is None:
            raise ValueError("this book side keeps no checksum strings")
        return "".join(self.texts[:CHECKSUM_LEVELS])


class L2Book:
    """A price-level book with exact integer ticks; ``price_scale``/``qty_scale`` are decimals."""

    __slots__ = (
        "asks",
        "bids",
        "price_factor",
        "price_scale",
        "qty_factor",
        "qty_scale",
        "update_id",
    )

    def __init__(self, price_scale: int, qty_scale: int, *, checksum: bool = True) -> None:
        self.price_scale = price_scale
        self.qty_scale = qty_scale
        self.price_factor = 10.0**price_scale
        self.qty_factor = 10.0**qty_scale
        self.bids = BookSide(bids=True, checksum=checksum)
        self.asks = BookSide(bids=False, checksum=checksum)
        self.update_id: int | None = None
        """The venue's sequence number of the last applied update, where it has one."""

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.update_id = None

    def truncate(self, depth: int) -> None:
        self.bids.truncate(depth)
        self.asks.truncate(depth)

    def rescale(self, price_scale: int, qty_scale: int) -> None:
        """Move to finer scales (more decimals), exactly; for books that keep no checksum
        strings (a venue that once sends an extra decimal must not break the book)."""
        dp, dq = price_scale - self.price_scale, qty_scale - self.qty_scale
        if dp < 0 or dq < 0:
            raise ValueError("a book can only move to finer scales")
        pm, qm = 10**dp, 10**dq
        for side in (self.bids, self.asks):
            if side.texts is not None and (dp or dq):
                raise ValueError("cannot rescale a book that keeps checksum strings")
            side.keys[:] = [key * pm for key in side.keys]
            side.qty = {key * pm: qty * qm for key, qty in side.qty.items()}
        self.price_scale, self.qty_scale = price_scale, qty_scale
        self.price_factor = 10.0**price_scale
        self.qty_factor = 10.0**qty_scale

    def is_crossed(self) -> bool:
        """True when the best bid is at or above the best ask: the book cannot be right."""
        bid = self.bids.best()
        ask = self.asks.best()
        return bid is not None and ask is not None and bid >= ask

    def kraken_checksum(self) -> int:
        """CRC32 of the best ten asks (low→high) then the best ten bids (high→low)."""
        payload = self.asks.checksum_text() + self.bids.checksum_text()
        return zlib.crc32(payload.encode("ascii")) & 0xFFFFFFFF

    def levels(self, depth: int) -> tuple[tuple[BookLevel, ...], tuple[BookLevel, ...]]:
        """The best ``depth`` bids (high→low) and asks (low→high) as exact decimals."""
        ps, qs = self.price_scale, self.qty_scale
        bids = tuple(
            BookLevel(price=ticks_to_decimal(p, ps), qty=ticks_to_decimal(q, qs))
            for p, q in self.bids.top(depth)
        )
        asks = tuple(
            BookLevel(price=ticks_to_decimal(p, ps), qty=ticks_to_decimal(q, qs))
            for p, q in self.asks.top(depth)
        )
        return bids, asks
