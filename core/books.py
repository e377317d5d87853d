"""One order book from a venue on its own, without a core: ``cockpit book`` when no cockpit runs.

Reading a book needs no database: the venue is built from the configuration, its feed runs
until the market's book has levels, and the venue is closed again. Nothing is stored.
"""

from __future__ import annotations

import asyncio
import contextlib

from core.config import Settings
from core.errors import DataError, NetworkError
from core.models import BookSnapshot
from core.ports import Venue

BOOK_TIMEOUT_S = 15.0
"""How long a venue's feed may take to deliver its first book."""


async def first_book(
    venue: Venue, symbol: str, depth: int, timeout_s: float = BOOK_TIMEOUT_S
) -> BookSnapshot:
    """The first book of ``symbol`` with levels on both sides or one, from ``venue``'s feed."""
    symbols = {i.symbol for i in await venue.load_instruments()}
    if symbol not in symbols:
        raise DataError(f"{venue.venue} has no market {symbol} (it lists {len(symbols)} markets)")

    def ready() -> BookSnapshot | None:
        book = venue.book(symbol, depth)
        return book if book is not None and (book.bids or book.asks) else None

    async def wait() -> BookSnapshot:
        stream = venue.stream([symbol])
        try:
            async for _event in stream:
                book = ready()
                if book is not None:
                    return book
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]
        raise NetworkError(f"{venue.venue}: the feed ended before a book for {symbol}")

    book = ready()
    if book is not None:
        return book
    try:
        return await asyncio.wait_for(wait(), timeout_s)
    except TimeoutError:
        raise NetworkError(
            f"{venue.venue}: no book for {symbol} within {timeout_s:g}s", title="No book"
        ) from None


async def venue_book(settings: Settings, venue_name: str, symbol: str, depth: int) -> BookSnapshot:
    """Build the configured venue ``venue_name`` alone, read one book, close it."""
    from core.bootstrap import build_venues

    venues = build_venues(settings).venues
    try:
        chosen = next((v for v in venues if v.venue == venue_name), None)
        if chosen is None:
            names = ", ".join(v.venue for v in venues)
            raise DataError(f"no enabled venue {venue_name!r} (configured: {names})")
        return await first_book(chosen, symbol, depth)
    finally:
        for venue in venues:
            with contextlib.suppress(Exception):
                await venue.close()
