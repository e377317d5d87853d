"""What every sans-I/O feed handler shares: its books, frame counters and book-level reads."""

from __future__ import annotations

from typing import Generic, TypeVar

from core.feeds.events import BookStats, FeedEvent, Malformed, SymbolBook

BookT = TypeVar("BookT", bound=SymbolBook)


class BookHandler(Generic[BookT]):
    """Base of the Kraken v1/v2 and Binance handlers: per-symbol books and counters."""

    def __init__(self) -> None:
        self.books: dict[str, BookT] = {}
        self.frames = 0
        self.malformed = 0

    def book(self, symbol: str) -> BookT | None:
        return self.books.get(symbol)

    def totals(self) -> BookStats:
        """Integrity counters summed over every symbol."""
        total = BookStats()
        for sb in self.books.values():
            total.add(sb.stats)
        return total

    def forget(self, symbol: str) -> None:
        """Drop a symbol's book (after an unsubscribe); its next snapshot starts afresh."""
        self.books.pop(symbol, None)

    def _malformed(self, reason: str) -> list[FeedEvent]:
        self.malformed += 1
        return [Malformed(reason)]
