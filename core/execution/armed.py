"""Client-side orders waiting for their trigger, as the open-orders view and commands see them.

A stop, trailing stop, OCO or iceberg worked by :class:`~core.execution.emulation.Emulator` is
not a venue order until it fires (an OCO's limit leg and an iceberg's live slice are). An
:class:`ArmedOrder` is the frozen picture of one such order the core publishes with each state,
so the TUI can list it beside the venue's open orders and disarm it (``CancelOrder`` with its
client id, the same command ``cockpit order cancel`` sends).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from core.execution.emulated import Iceberg, TrailingStop
from core.execution.emulation import EmulatedType, Working
from core.models import Model, Side


class ArmedOrder(Model):
    """One working client-side order: what it will send, and when."""

    client_order_id: str
    venue: str
    symbol: str
    side: Side
    type: EmulatedType
    qty: Decimal
    price: Decimal | None = None
    """The limit price of the order it sends (an OCO's take-profit); None sends a market order."""
    trigger: Decimal | None = None
    """The stop price now (a trailing stop's moves with the best price; None before any)."""
    trail: Decimal | None = None
    """Trailing stop: the distance behind the best price, as a fraction."""
    visible: Decimal | None = None
    legs: tuple[str, ...] = ()
    """Its legs in words: an OCO's limit and stop, an iceberg's slices."""
    state: Literal["armed", "working"] = "armed"
    """``armed``: waiting for its trigger; ``working``: an iceberg sending slices."""


def armed_order(w: Working) -> ArmedOrder:
    """The picture of one working emulated order."""
    spec, r, m = w.spec, w.spec.request, w.machine
    trigger = spec.trigger
    legs: tuple[str, ...] = ()
    if isinstance(m, TrailingStop):
        trigger = m.trigger
    if spec.type == "oco":
        placed = "live" if w.limit_placed else "to place"
        legs = (f"limit {w.limit_id} @ {r.price} ({placed})", f"stop @ {spec.trigger}")
    if isinstance(m, Iceberg):
        live = f", {m.live} live" if m.live else ""
        legs = (f"{m.sent}/{r.qty} sent in {m.slices} slice(s){live}",)
    return ArmedOrder(
        client_order_id=w.id,
        venue=r.venue,
        symbol=r.symbol,
        side=r.side,
        type=spec.type,
        qty=r.qty,
        price=r.price,
        trigger=trigger,
        trail=spec.trail,
        visible=spec.visible,
        legs=legs,
        state="working" if isinstance(m, Iceberg) else "armed",
    )


def armed_orders(working: Iterable[Working]) -> tuple[ArmedOrder, ...]:
    """Every working emulated order, in the order they were armed (or loaded)."""
    return tuple(armed_order(w) for w in working if not w.done)
