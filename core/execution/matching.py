"""Pure book matching: what an order takes from an L2 book, and what crosses a resting order.

Used by the paper venue to fill orders and by the gate to price market orders, so both agree
on what a market order would cost; :class:`Consumed` is the paper account's memory of the
liquidity its own fills took.
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


class Consumed:
    """Liquidity the paper account's own fills took from a book, per level, until it updates.

    Keyed by (symbol, book side, price) -> (level quantity when first taken, quantity taken).
    A level whose quantity in the book differs from the one recorded has been updated by the
    venue; what was taken from the old quantity no longer applies.
    """

    def __init__(self) -> None:
        self._taken: dict[tuple[str, str, Decimal], tuple[Decimal, Decimal]] = {}

    def available(self, symbol: str, side: str, levels: Sequence[BookLevel]) -> list[BookLevel]:
        """``levels`` less what was taken from them (levels fully taken are left out)."""
        out: list[BookLevel] = []
        live = set()
        for level in levels:
            key = (symbol, side, level.price)
            live.add(key)
            seen = self._taken.get(key)
            if seen is not None and seen[0] != level.qty:
                del self._taken[key]  # the book updated this level
                seen = None
            left = level.qty - seen[1] if seen is not None else level.qty
            if left > 0:
                out.append(level if seen is None else BookLevel(price=level.price, qty=left))
        for key in [k for k in self._taken if k[0] == symbol and k[1] == side and k not in live]:
            del self._taken[key]  # the level left the book
        return out

    def take(
        self, symbol: str, side: str, levels: Sequence[BookLevel], price: Decimal, qty: Decimal
    ) -> None:
        """Record ``qty`` taken at ``price`` from ``levels`` (the book as it is now)."""
        level_qty = next((lv.qty for lv in levels if lv.price == price), None)
        if level_qty is None:
            return
        key = (symbol, side, price)
        seen = self._taken.get(key)
        before = seen[1] if seen is not None and seen[0] == level_qty else ZERO
        self._taken[key] = (level_qty, before + qty)

    def take_through(
        self, symbol: str, side: str, levels: Sequence[BookLevel], qty: Decimal
    ) -> None:
        """Record ``qty`` taken best level first (a resting order filled by a crossing book)."""
        for level in self.available(symbol, side, levels):
            if qty <= 0:
                return
            take = min(level.qty, qty)
            self.take(symbol, side, levels, level.price, take)
            qty -= take
