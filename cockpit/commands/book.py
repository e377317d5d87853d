"""``cockpit book VENUE SYMBOL [--depth N] [--json]``: one market's order book, read-only.

From the running cockpit when one holds the database (the book its feed keeps), else from the
venue's own feed started for this command alone (:mod:`core.books`); nothing is written
either way. ``--json`` prints one JSON document (a :class:`~core.answers.BookAnswer`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.answers import BookAnswer
    from core.models import BookSnapshot


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "book",
        help="print one market's order book (read-only)",
        description="Print the order book of SYMBOL on VENUE: from the running cockpit when "
        "one holds the database, else from the venue's feed alone. Writes nothing.",
    )
    parser.add_argument("venue", help="a configured venue, e.g. sim-a")
    parser.add_argument("symbol", help="unified BASE/QUOTE, e.g. BTC/USDT")
    parser.add_argument("--depth", type=_depth, default=10, help="levels per side (default 10)")
    parser.add_argument("--json", action="store_true", help="one JSON document")
    add_common_options(parser)
    parser.set_defaults(func=_run)


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be between 1 and 1000: {text!r}")
    return value


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from cockpit.commands.headless import CLI_CLIENT
    from cockpit.commands.tui import settings_from_args
    from core.access import reader_client
    from core.answers import BookAnswer
    from core.books import venue_book
    from core.errors import CockpitError
    from core.views import GetBook

    settings = settings_from_args(args)

    async def read() -> BookAnswer:
        async with reader_client(settings, client=CLI_CLIENT) as remote:
            if remote is not None:
                result = await remote.send(
                    GetBook(venue=args.venue, symbol=args.symbol, depth=args.depth)
                )
                if not result.ok or not isinstance(result.data, BookAnswer):
                    raise CockpitError(result.message, title=result.title or "Refused")
                if result.data.book is None:
                    raise CockpitError(
                        f"{args.venue} has no book for {args.symbol} yet", title="No book"
                    )
                return result.data
        book = await venue_book(settings, args.venue, args.symbol, args.depth)
        return BookAnswer(venue=args.venue, symbol=args.symbol, book=book)

    answer = asyncio.run(read())
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        assert answer.book is not None
        print_book(answer, answer.book)
    return 0


def print_book(answer: BookAnswer, book: BookSnapshot) -> None:
    """Asks high to low above the spread, bids high to low below it, with cumulative sizes."""
    from decimal import Decimal

    print(
        f"{answer.venue} {answer.symbol}  {book.ts:%Y-%m-%d %H:%M:%S} UTC  "
        f"integrity {book.integrity.value}"
    )
    print(f"{'':4}{'price':>18}{'qty':>18}{'cumulative':>18}")
    cumulative = sum((level.qty for level in book.asks), Decimal(0))
    for level in reversed(book.asks):
        print(f"{'ask':4}{level.price!s:>18}{level.qty!s:>18}{cumulative!s:>18}")
        cumulative -= level.qty
    if book.best_ask is not None and book.best_bid is not None:
        print(f"{'':4}{'spread ' + str(book.best_ask - book.best_bid):>18}")
    cumulative = Decimal(0)
    for level in book.bids:
        cumulative += level.qty
        print(f"{'bid':4}{level.price!s:>18}{level.qty!s:>18}{cumulative!s:>18}")
