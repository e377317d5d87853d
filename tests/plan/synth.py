"""Synthetic venues for planner tests: instruments and verified books around given USD prices.

The lead's simulator will provide real markets later; these are small, deterministic and
built from the prices the test hands in (never hard-coded results).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from core.models import BookIntegrity, BookLevel, BookSnapshot, Instrument

NOW = datetime(2025, 8, 31, 12, 0, tzinfo=UTC)


def _pow10(exp: int) -> Decimal:
    return Decimal(1).scaleb(exp)


def increments(mid: Decimal, base_usd: Decimal) -> tuple[Decimal, Decimal]:
    """A price tick giving ~6 significant digits and a qty step worth ~1-10 US cents."""
    mag = math.floor(math.log10(float(mid)))
    usd_mag = math.floor(math.log10(float(base_usd)))
    return _pow10(mag - 5), _pow10(-usd_mag - 2)


def market(
    venue: str,
    base: str,
    quote: str,
    mid: Decimal,
    *,
    levels: int = 12,
    level_usd: Decimal = Decimal(50_000),
    quote_usd: Decimal = Decimal(1),
    spread_bps: int = 8,
    fee: Decimal = Decimal("0.001"),
    min_notional: Decimal = Decimal(5),  # USD, converted to quote units
    ts: datetime = NOW,
) -> tuple[Instrument, BookSnapshot]:
    """One instrument and a verified book: ``levels`` per side, each worth ``level_usd``."""
    tick, step = increments(mid, mid * quote_usd)
    inst = Instrument(
        venue=venue,
        symbol=f"{base}/{quote}",
        base=base,
        quote=quote,
        price_tick=tick,
        qty_step=step,
        min_qty=step,
        min_notional=min_notional / quote_usd,
        maker_fee=fee,
        taker_fee=fee,
    )
    half = Decimal(spread_bps) / 20_000
    bids, asks = [], []
    for i in range(levels):
        off = half + Decimal(i) * Decimal("0.0007")
        bid = inst.round_price(mid * (1 - off))
        ask = inst.round_price(mid * (1 + off)) + tick
        bids.append(BookLevel(price=bid, qty=inst.round_qty(level_usd / quote_usd / bid)))
        asks.append(BookLevel(price=ask, qty=inst.round_qty(level_usd / quote_usd / ask)))
    book = BookSnapshot(
        venue=venue,
        symbol=inst.symbol,
        bids=tuple(bids),
        asks=tuple(asks),
        ts=ts,
        integrity=BookIntegrity.VERIFIED,
    )
    return inst, book


def markets(
    specs: Iterable[tuple[str, str, str]],
    usd: Mapping[str, Decimal],
    **kwargs: object,
) -> tuple[list[Instrument], list[BookSnapshot]]:
    """Markets for ``(venue, base, quote)`` triples, mids from USD prices of base and quote."""
    instruments, books = [], []
    for venue, base, quote in specs:
        mid = usd[base] / usd[quote]
        inst, book = market(venue, base, quote, mid, quote_usd=usd[quote], **kwargs)  # type: ignore[arg-type]
        instruments.append(inst)
        books.append(book)
    return instruments, books
