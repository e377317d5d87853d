"""What approved orders hold back from the gate until their venue has answered.

Between the gate's approval and the venue's answer an order's cash (a buy) or coins (a sell)
are not locked at the venue yet, so the next approval must not spend them: they are *held*
here. Once the venue has answered, its own balances lock them (a resting order's free balance
is net of it) and the hold is dropped at once; holding it longer counted the same money twice,
and a plan's concurrent buys were refused "for cash" they had (issue 11: "needs 1401 USD,
-994 free"). Pure bookkeeping, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

Held = Mapping[str, tuple[str, str, Decimal]]
"""Client order id -> (venue, asset, quantity held)."""


class Reservations:
    """Holds per order, taken at approval and dropped when the venue answers."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[str, str, Decimal]] = {}

    def hold(self, coid: str, venue: str, asset: str, qty: Decimal) -> None:
        self._held[coid] = (venue, asset, qty)

    def release(self, coid: str) -> None:
        """Drop an order's hold (again is a no-op)."""
        self._held.pop(coid, None)

    def held(self) -> dict[str, tuple[str, str, Decimal]]:
        """The holds now (a copy)."""
        return dict(self._held)


def free_after(free: Mapping[str, Decimal], venue: str, *held: Held) -> dict[str, Decimal]:
    """``free`` (one venue's balances) less every hold on it in any of ``held``.

    The gate passes the holds from before and after it read the venue's balances: an order
    the venue answered meanwhile may or may not be in those balances, so it stays held
    (counting it twice for that instant refuses, never overspends).
    """
    merged: dict[str, tuple[str, str, Decimal]] = {}
    for snapshot in held:
        merged.update(snapshot)
    out = dict(free)
    for where, asset, qty in merged.values():
        if where == venue and asset in out:
            out[asset] -= qty
    return out
