"""Book serving: the order books of the core's venues, for pricing, the pane and clients.

:class:`MarketBooks` reads books from the venues the core runs (each venue keeps its own
books from its feed). The portfolio prices holdings from the top of every book, the planner
prices orders from deeper ones, the gate checks orders against them, and a client's
:class:`~core.views.GetBook` is answered here.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.answers import BookAnswer
from core.models import BookSnapshot, Instrument
from core.ports import Venue
from core.views import CommandResult, GetBook

GATE_DEPTH = 50
"""Levels the pre-trade gate and plan checks read of a book."""


class MarketBooks:
    """The books of every loaded market, read from its venue."""

    def __init__(self, venues: Mapping[str, Venue], instruments: Mapping[str, Instrument]) -> None:
        self._venues = venues
        self._instruments = instruments

    def book(self, venue: str, symbol: str, depth: int = GATE_DEPTH) -> BookSnapshot | None:
        """One market's book, or None when the venue is not run or has no book yet."""
        source = self._venues.get(venue)
        return source.book(symbol, depth) if source is not None else None

    def for_pricing(self, depth: int = 1) -> list[BookSnapshot]:
        """The book of every loaded market that has one (to ``depth`` levels)."""
        books = []
        for inst in self._instruments.values():
            book = self.book(inst.venue, inst.symbol, depth)
            if book is not None:
                books.append(book)
        return books

    def books(self) -> list[BookSnapshot]:
        """The top of every book (the portfolio service's quote source)."""
        return self.for_pricing()

    def answer(self, command: GetBook) -> CommandResult:
        """A client's request for one book."""
        if command.venue not in self._venues:
            return CommandResult(ok=False, message=f"unknown venue {command.venue}")
        book = self.book(command.venue, command.symbol, command.depth)
        answer = BookAnswer(venue=command.venue, symbol=command.symbol, book=book)
        return CommandResult(ok=True, data=answer)
