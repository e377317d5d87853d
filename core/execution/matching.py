"""Pure book matching: what an order takes from an L2 book, and what crosses a resting order.

Used by the paper venue to fill orders and by the gate to price market orders, so both agree
on what a market order would cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from core.models import ZERO, BookLevel, BookSnapshot, Side


def walk(
    levels: Sequence[BookLevel], qty: Decimal, limit: Decimal | None, side: Side
) -> list[tuple[Decimal, Decimal]]:
    """(price, qty) taken level by level from ``levels`` (the opposite side, best first).

    Stops at ``qty`` or at the first level beyond ``limit`` (above it for buys, below for
    sells). The result may hold less than ``qty`` when the book runs out.
    """
    taken: list[tuple[Decimal, Decimal]] = []
    remaining = qty
    for level in levels:
        if remaining <= 0:
            break
        if limit is not None and (
            (side is Side.BUY and level.price > limit)
            or (side is Side.SELL and level.price < limit)
        ):
            break
        take = min(level.qty, remaining)
        if take > 0:
            taken.append((level.price, take))
            remaining -= take
    return taken


def vwap(fills: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Quantity-weighted average price of ``fills``."""
    qty = sum((q for _, q in fills), ZERO)
    if qty == 0:
        return None
    return sum((p * q for p, q in fills), ZERO) / qty


def crossing_qty(book: BookSnapshot, side: Side, price: Decimal) -> Decimal:
    """How much of the opposite side trades at or through a resting order's ``price``.

    A resting buy at ``price`` fills when asks come down to it; a resting sell when bids rise.
    """
    if side is Side.BUY:
        return sum((lv.qty for lv in book.asks if lv.price <= price), ZERO)
    return sum((lv.qty for lv in book.bids if lv.price >= price), ZERO)


def would_take(book: BookSnapshot, side: Side, price: Decimal) -> bool:
    """Whether a limit order at ``price`` would take liquidity (what post-only refuses)."""
    touch = book.best_ask if side is Side.BUY else book.best_bid
    if touch is None:
        return False
    return price >= touch if side is Side.BUY else price <= touch
