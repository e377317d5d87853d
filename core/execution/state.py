"""The order state machine: which status may follow which, and how an update is merged.

Orders move along a fixed graph::

    new ──► submitted ──► open ──► partially_filled ──► filled
     │          │  ▲        │            │
     │          ▼  │        └────────────┴──► cancelled / expired
     │       unknown ─────► (any status the venue reports)
     └──► rejected / expired (never sent)

``unknown`` means a submit's fate is unresolved (it timed out; the venue may or may not have
the order); only a venue lookup leaves it. Updates are immutable :class:`~core.models.Order`
values from streams and REST polls; they arrive late and out of order, so an update that
would move an order *backwards* (fewer fills, an earlier status) is stale and ignored, while
one that would move it along an edge that does not exist (filled → open with more fills) is
refused with :class:`~core.errors.IllegalTransition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import IllegalTransition
from core.models import Order, OrderStatus

S = OrderStatus
_LIVE = frozenset({S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.EXPIRED})

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.NEW: frozenset({S.SUBMITTED, S.REJECTED, S.EXPIRED}),
    S.SUBMITTED: _LIVE | {S.REJECTED, S.UNKNOWN},
    S.UNKNOWN: _LIVE | {S.SUBMITTED, S.REJECTED},
    S.OPEN: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.EXPIRED}),
    S.PARTIALLY_FILLED: frozenset({S.FILLED, S.CANCELLED, S.EXPIRED}),
    S.FILLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}
"""Every legal edge; a status may also repeat with more fills (partial → partial)."""

_RANK = {
    S.NEW: 0,
    S.SUBMITTED: 1,
    S.UNKNOWN: 1,
    S.OPEN: 2,
    S.PARTIALLY_FILLED: 3,
    S.FILLED: 4,
    S.CANCELLED: 4,
    S.REJECTED: 4,
    S.EXPIRED: 4,
}

VENUE_FIELDS = (
    "status",
    "filled_qty",
    "avg_price",
    "fee_paid",
    "exchange_order_id",
    "updated_ts",
)
"""What a venue's report may change; everything else is the order manager's own record."""


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Step:
    """The result of feeding one update to an order."""

    outcome: Outcome
    order: Order
    previous: Order

    @property
    def changed(self) -> bool:
        return self.outcome is Outcome.APPLIED


def can_move(current: OrderStatus, new: OrderStatus) -> bool:
    return new in TRANSITIONS[current]


def move(order: Order, status: OrderStatus, **changes: object) -> Order:
    """A local transition (submit, timeout, resubmit): refused if the edge does not exist."""
    if not can_move(order.status, status):
        raise IllegalTransition(
            f"{order.client_order_id}: {order.status.value} → {status.value} is not allowed"
        )
    return order.model_copy(update={"status": status, **changes})


def apply_update(current: Order, update: Order) -> Step:
    """Merge a venue's report into the order as the manager knows it.

    Never lowers the filled quantity; ignores reports that are behind the current state;
    refuses ones that contradict a final state.
    """
    if update.client_order_id != current.client_order_id:
        raise IllegalTransition(
            f"update for {update.client_order_id} applied to {current.client_order_id}"
        )
    if update.filled_qty < current.filled_qty:
        return Step(Outcome.STALE, current, current)
    same_fills = update.filled_qty == current.filled_qty and update.fee_paid == current.fee_paid
    if update.status == current.status:
        # Same status with more fills (partial → partial, or a final order whose last fill
        # arrives after its final status) is applied; an identical report changes nothing.
        if same_fills and update.exchange_order_id in (None, current.exchange_order_id):
            return Step(Outcome.UNCHANGED, current, current)
    elif not can_move(current.status, update.status):
        if _RANK[update.status] < _RANK[current.status] and same_fills:
            return Step(Outcome.STALE, current, current)
        raise IllegalTransition(
            f"{current.client_order_id}: venue reports {update.status.value} "
            f"(filled {update.filled_qty}) but the order is {current.status.value} "
            f"(filled {current.filled_qty})"
        )
    changes = {name: getattr(update, name) for name in VENUE_FIELDS}
    if changes["exchange_order_id"] is None:
        changes["exchange_order_id"] = current.exchange_order_id
    if update.status is S.REJECTED and update.reason:
        changes["reason"] = update.reason
    return Step(Outcome.APPLIED, current.model_copy(update=changes), current)
