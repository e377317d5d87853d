"""Promise against outcome: what a plan said it would do, and what its run did.

A plan promises a residual drift per group (its post-plan weights against target). After it
runs, :func:`plan_outcome` sets beside each promise the drift the portfolio has reached, and
accounts for every order of the plan: filled, still open (an unfilled limit), refused (by the
gate or the venue), cancelled, expired, or never sent (indicative, or the run stopped first),
each with why. Pure: the caller passes the orders, the refusals and today's group weights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from core.models import ZERO, Model, Order, OrderStatus, Side, UtcDatetime
from core.plan.models import Plan, PlanOrder

SHOWN = Decimal("0.01")


class OrderOutcome(StrEnum):
    """Where one order of an executed plan ended up."""

    FILLED = "filled"
    OPEN = "open"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    NOT_SENT = "not_sent"
    UNKNOWN = "unknown"


OPEN_STATUSES = frozenset(
    {OrderStatus.NEW, OrderStatus.SUBMITTED, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED}
)


class OutcomeOrder(Model):
    """One plan order (or TWAP slice) and what became of it."""

    client_order_id: str
    seq: int
    venue: str
    symbol: str
    side: Side
    qty: Decimal
    filled_qty: Decimal = ZERO
    outcome: OrderOutcome
    why: str = Field(description="In words: e.g. 'unfilled limit at 101.5 (0 of 2 filled)'.")


class OutcomeGroup(Model):
    """One group: the drift the plan promised and the drift reached."""

    group: str
    target_pct: Decimal
    promised_drift_pp: Decimal
    reached_pct: Decimal | None = Field(description="None when no valuation since the plan.")
    reached_drift_pp: Decimal | None

    @property
    def gap_pp(self) -> Decimal | None:
        """How far the reached drift is from the promise (None if not known)."""
        if self.reached_drift_pp is None:
            return None
        return self.reached_drift_pp - self.promised_drift_pp


class PlanOutcome(Model):
    """An executed plan's promise per group against what was reached, and every order."""

    plan_id: str
    plan_as_of: UtcDatetime
    checked_at: UtcDatetime
    valued_at: UtcDatetime | None = Field(description="When the reached weights were valued.")
    groups: tuple[OutcomeGroup, ...]
    orders: tuple[OutcomeOrder, ...]
    promised_max_pp: Decimal
    reached_max_pp: Decimal | None

    def count(self, outcome: OrderOutcome) -> int:
        return sum(1 for o in self.orders if o.outcome is outcome)

    @property
    def still_open(self) -> tuple[OutcomeOrder, ...]:
        return tuple(o for o in self.orders if o.outcome is OrderOutcome.OPEN)

    @property
    def not_done(self) -> tuple[OutcomeOrder, ...]:
        """Orders that did not fill, with why (open, refused, cancelled, expired, not sent)."""
        return tuple(o for o in self.orders if o.outcome is not OrderOutcome.FILLED)


def _why(order: Order) -> tuple[OrderOutcome, str]:
    filled = f"{order.filled_qty:f} of {order.qty:f} filled"
    reason = f": {order.reason}" if order.reason else ""
    status = order.status
    if status is OrderStatus.FILLED:
        return OrderOutcome.FILLED, f"filled at {order.avg_price or order.price}"
    if status in OPEN_STATUSES:
        at = f" at {order.price:f}" if order.price is not None else ""
        return OrderOutcome.OPEN, f"unfilled limit{at} ({filled})"
    if status is OrderStatus.REJECTED:
        return OrderOutcome.REFUSED, f"refused by {order.venue}{reason}"
    if status is OrderStatus.CANCELLED:
        return OrderOutcome.CANCELLED, f"cancelled ({filled}){reason}"
    if status is OrderStatus.EXPIRED:
        return OrderOutcome.EXPIRED, f"expired ({filled}){reason}"
    return OrderOutcome.UNKNOWN, f"state unknown until reconciled ({filled})"


def _parent(plan: Plan, order: Order, ids: Mapping[str, int]) -> PlanOrder | None:
    """The plan order an order belongs to: by its id (as requested, or as the venue took it),
    else (a TWAP slice under a venue id) the plan's order on the same market and side."""
    seq = ids.get(order.client_order_id)
    if seq is None and order.client_order_id.startswith(f"{plan.id}-"):
        digits = order.client_order_id[len(plan.id) + 1 :].split("-", 1)[0]
        seq = int(digits) if digits.isdigit() else None
    if seq is not None:
        return next((o for o in plan.orders if o.seq == seq), None)
    if order.plan_id != plan.id:
        return None
    return next(
        (
            o
            for o in plan.orders
            if (o.venue, o.symbol, o.side) == (order.venue, order.symbol, order.side)
        ),
        None,
    )


def plan_outcome(
    plan: Plan,
    orders: Iterable[Order],
    refused: Mapping[str, str],
    group_pct: Mapping[str, Decimal] | None,
    *,
    now: datetime,
    valued_at: datetime | None,
    venue_id: Callable[[str], str] = lambda cid: cid,
) -> PlanOutcome:
    """Account for every order of ``plan`` and set reached drift beside promised drift.

    ``orders`` are the orders placed (any; those of other plans are ignored), ``refused`` maps
    a client id to why it was never placed (gate refusals, indicative orders), ``group_pct``
    the group weights (percent) of the portfolio valued at ``valued_at`` (None: not known).
    ``venue_id`` maps a requested client id to the one the venue was sent (ids a venue would
    not take are replaced, :mod:`core.execution.ids`).
    """
    ids: dict[str, int] = {}
    for o in plan.orders:
        requested = f"{plan.id}-{o.seq:04d}"
        ids[requested] = ids[venue_id(requested)] = o.seq
    rows: list[OutcomeOrder] = []
    placed: set[int] = set()
    for order in sorted(orders, key=lambda o: o.client_order_id):
        parent = _parent(plan, order, ids)
        if parent is None:
            continue
        placed.add(parent.seq)
        outcome, why = _why(order)
        rows.append(
            OutcomeOrder(
                client_order_id=order.client_order_id,
                seq=parent.seq,
                venue=order.venue,
                symbol=order.symbol,
                side=order.side,
                qty=order.qty,
                filled_qty=order.filled_qty,
                outcome=outcome,
                why=why,
            )
        )
    for o in plan.orders:
        if o.seq in placed:
            continue
        cid = f"{plan.id}-{o.seq:04d}"
        reason = refused.get(cid) or refused.get(venue_id(cid))
        if reason is None and o.indicative:
            reason = f"indicative: no live book on {o.venue}, never sent"
        outcome = OrderOutcome.REFUSED if reason and not o.indicative else OrderOutcome.NOT_SENT
        rows.append(
            OutcomeOrder(
                client_order_id=cid,
                seq=o.seq,
                venue=o.venue,
                symbol=o.symbol,
                side=o.side,
                qty=o.qty,
                outcome=outcome,
                why=reason or "not placed (the run stopped first)",
            )
        )
    rows.sort(key=lambda r: (r.seq, r.client_order_id))
    groups = []
    for row in plan.groups:
        # To the hundredth of a point shown: the view changes when a figure shown does.
        reached = None if group_pct is None else group_pct.get(row.group, ZERO).quantize(SHOWN)
        groups.append(
            OutcomeGroup(
                group=row.group,
                target_pct=row.target_pct,
                promised_drift_pp=row.drift_pp,
                reached_pct=reached,
                reached_drift_pp=None if reached is None else reached - row.target_pct,
            )
        )
    reached_max = (
        None
        if group_pct is None
        else max((abs(g.reached_drift_pp or ZERO) for g in groups), default=ZERO)
    )
    return PlanOutcome(
        plan_id=plan.id,
        plan_as_of=plan.as_of,
        checked_at=now,
        valued_at=valued_at,
        groups=tuple(groups),
        orders=tuple(rows),
        promised_max_pp=plan.totals.residual_drift_max_pp,
        reached_max_pp=reached_max,
    )


def group_weights(values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """USD per group -> percent of the total (empty total: no weights)."""
    total = sum(values.values(), ZERO)
    return {g: v * 100 / total for g, v in values.items()} if total > 0 else {}
