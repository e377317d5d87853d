"""The order ticket's arithmetic: a quantity at the market's step, a price at its tick, and the
cost and fee the order would have against the current book.

Sans-I/O: an :class:`~core.models.Instrument` and a :class:`~core.models.BookSnapshot` in, a
:class:`TicketEstimate` out. The TUI's ticket and the ``:buy``/``:sell`` command line show the
estimate before the confirm modal; the pre-trade gate in the core still decides.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from core.models import BookLevel, BookSnapshot, Instrument, Model, OrderType, Side

TicketType = Literal[
    "limit", "market", "post_only", "ioc", "stop", "trailing_stop", "oco", "iceberg"
]
TICKET_TYPES: tuple[TicketType, ...] = (
    "limit",
    "market",
    "post_only",
    "ioc",
    "stop",
    "trailing_stop",
    "oco",
    "iceberg",
)
"""Every type the ticket offers: the venue's own four, then the client-side (emulated) ones."""
DIRECT_TYPES: frozenset[str] = frozenset(t.value for t in OrderType)
NEEDS_PRICE: frozenset[str] = frozenset({"limit", "post_only", "ioc", "oco", "iceberg"})
NEEDS_TRIGGER: frozenset[str] = frozenset({"stop", "oco"})


def round_to_step(qty: Decimal, step: Decimal) -> Decimal:
    """``qty`` down to a whole number of ``step`` (an order never exceeds what was typed)."""
    return (qty / step).to_integral_value(rounding=ROUND_FLOOR) * step


def round_to_tick(price: Decimal, tick: Decimal, side: Side) -> Decimal:
    """``price`` to the tick, never worse for the trader: a buy rounds down, a sell up."""
    rounding = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
    return (price / tick).to_integral_value(rounding=rounding) * tick


class TicketEstimate(Model):
    """What an order would cost now: average price, notional and fee in the quote currency."""

    qty: Decimal
    """The quantity at the market's step."""
    price: Decimal | None
    """The limit (or trigger) price at the market's tick; None for a market order."""
    avg_price: Decimal | None
    """Expected average fill price: the book walked for the part that takes liquidity."""
    notional: Decimal | None
    """qty x avg_price, in the quote currency."""
    fee: Decimal | None
    fee_rate: Decimal
    liquidity: Literal["maker", "taker"]
    problems: tuple[str, ...] = ()
    """Why the order would be refused or misbehave, in words (empty when it looks fine)."""


def walk(
    levels: tuple[BookLevel, ...], qty: Decimal, limit: Decimal | None, side: Side
) -> tuple[Decimal, Decimal]:
    """Fill ``qty`` against ``levels`` (asks for a buy, bids for a sell) up to ``limit``:
    returns (quantity filled, quote spent)."""
    filled = Decimal(0)
    quote = Decimal(0)
    for level in levels:
        if limit is not None and (level.price > limit if side is Side.BUY else level.price < limit):
            break
        take = min(level.qty, qty - filled)
        filled += take
        quote += take * level.price
        if filled >= qty:
            break
    return filled, quote


def estimate(
    instrument: Instrument,
    book: BookSnapshot | None,
    side: Side,
    kind: TicketType,
    qty: Decimal,
    price: Decimal | None = None,
    trigger: Decimal | None = None,
) -> TicketEstimate:
    """The order's rounded quantity and price, expected average price, notional and fee.

    A market, IOC or marketable limit order takes liquidity (taker fee, the book walked); a
    resting limit, post-only, OCO take-profit or iceberg adds it (maker fee at its price); a
    stop or trailing stop becomes a market order when it fires (taker, at the trigger or mid).
    """
    problems: list[str] = []
    rounded = round_to_step(qty, instrument.qty_step)
    if rounded <= 0:
        problems.append(f"quantity below one step ({instrument.qty_step})")
    elif rounded < instrument.min_qty:
        problems.append(f"quantity below the minimum {instrument.min_qty}")
    limit = round_to_tick(price, instrument.price_tick, side) if price is not None else None
    if kind == "market":
        limit = None  # a market order has no price: it walks the book as far as it must
    stop = round_to_tick(trigger, instrument.price_tick, side) if trigger is not None else None
    if kind in NEEDS_PRICE and limit is None:
        problems.append(f"{kind} needs a price")
    if kind in NEEDS_TRIGGER and stop is None:
        problems.append(f"{kind} needs a trigger price")
    far: tuple[BookLevel, ...] = ()
    if book is not None:
        far = book.asks if side is Side.BUY else book.bids
    best = far[0].price if far else None
    crosses = (
        limit is not None
        and best is not None
        and (limit >= best if side is Side.BUY else limit <= best)
    )
    taker = kind in ("market", "ioc", "stop", "trailing_stop") or (kind == "limit" and crosses)
    if kind == "post_only" and crosses:
        problems.append("post-only would cross the book (the venue rejects it)")
    avg: Decimal | None = None
    if kind in ("market", "ioc") or (kind == "limit" and crosses):
        if not far:
            problems.append("no book to price against")
        else:
            filled, quote = walk(far, rounded, limit, side)
            avg = quote / filled if filled else None
            if kind == "market" and filled < rounded:
                problems.append(f"the book shows only {filled} to fill")
            elif kind == "ioc" and filled < rounded:
                problems.append(f"IOC: only {filled} would fill at this price now")
    elif kind in ("stop",):
        avg = stop
    elif kind == "trailing_stop":
        avg = book.mid if book is not None else None
    else:
        avg = limit
    rate = instrument.taker_fee if taker else instrument.maker_fee
    notional = rounded * avg if avg is not None else None
    if notional is not None and notional < instrument.min_notional:
        problems.append(f"notional below the minimum {instrument.min_notional}")
    return TicketEstimate(
        qty=rounded,
        price=stop if kind in ("stop",) else limit,
        avg_price=avg,
        notional=notional,
        fee=notional * rate if notional is not None else None,
        fee_rate=rate,
        liquidity="taker" if taker else "maker",
        problems=tuple(problems),
    )
