"""Reconciliation: settle the order manager's non-final orders and balances against the venues.

Run at start-up (before trading is enabled) and periodically beside the streams, since a
stream alone is never trusted. For each non-final order the venue is asked by client order id:

- the venue knows it: its report goes through the state machine like any update;
- the venue never saw it and no submit for it is running here (``new``/``submitted``/
  ``unknown`` left by a crash or an abandoned retry): it is expired, never resent, since its
  prices are stale and the operator did not confirm it again;
- the venue does not know an order it once acknowledged: an alert, the order left as it is.

Open orders the venue has and the manager does not are adopted (recorded and alerted), and
each venue's balances are refreshed. A venue that cannot be reached is counted, not fatal.

The start-up pass (:func:`reconcile_startup`) is what recovers from a crash: trading stays
disabled until a pass has reached every venue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from core.errors import CockpitError
from core.execution.events import order_payload
from core.execution.state import move
from core.models import EventKind, EventLevel, Order, OrderStatus, utcnow

RECONCILING = "reconciling"
"""The manager's disabled-trading key while a start-up pass has not completed."""

if TYPE_CHECKING:
    from core.execution.manager import OrderManager
    from core.execution.ports import TradingVenue

NEVER_SENT = "never reached the venue; not resent"


async def reconcile_orders(
    manager: OrderManager, venues: Mapping[str, TradingVenue]
) -> dict[str, int]:
    """One reconciliation pass; returns counts per outcome."""
    counts = dict.fromkeys(
        ("checked", "updated", "expired", "adopted", "missing", "unreachable"), 0
    )
    for order in list(manager.open_orders()):
        venue = venues.get(order.venue)
        if venue is None or order.client_order_id in manager.inflight:
            continue  # not ours to trade, or its submit loop in this process owns it
        counts["checked"] += 1

        async def fetch(o: Order = order, v: TradingVenue = venue) -> Order | None:
            return await v.fetch_order(o.client_order_id, o.symbol)

        try:
            remote = await manager.retrying(order.venue, fetch)
        except CockpitError:
            counts["unreachable"] += 1
            continue
        if remote is not None:
            before = manager.orders[order.client_order_id]
            if (await manager.apply(remote)) is not before:
                counts["updated"] += 1
        elif order.status in (OrderStatus.NEW, OrderStatus.SUBMITTED, OrderStatus.UNKNOWN):
            expired = move(order, OrderStatus.EXPIRED, reason=NEVER_SENT, updated_ts=utcnow())
            await manager.record(expired)
            await manager.audit.append("order.expired", "reconcile", order_payload(expired))
            manager.emit_order(expired, note=NEVER_SENT)
            counts["expired"] += 1
        else:
            counts["missing"] += 1
            manager.emit(
                EventKind.ALERT,
                f"{order.client_order_id} is {order.status.value} here but unknown to "
                f"{order.venue}",
                order,
                level=EventLevel.ALERT,
            )
    for name, venue in venues.items():
        try:
            for remote in await manager.retrying(name, venue.fetch_open_orders):
                if remote.client_order_id not in manager.orders:
                    await manager.apply(remote)
                    counts["adopted"] += 1
            await manager.refresh_balances(name)
        except CockpitError:
            counts["unreachable"] += 1
    return counts


async def reconcile_startup(
    manager: OrderManager, venues: Mapping[str, TradingVenue]
) -> dict[str, int]:
    """A pass that gates trading: disabled until one completes without unreachable venues.

    Audited and logged with its counts; a complete pass marks the manager ``reconciled``.
    """
    manager.disable(RECONCILING, "reconciling orders with the venues")
    counts = await reconcile_orders(manager, venues)
    await manager.audit.append("reconcile", "system", dict(counts))
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    if counts["unreachable"]:
        manager.disable(RECONCILING, f"reconciliation incomplete ({summary}); retrying")
        level = EventLevel.ERROR
    else:
        manager.enable(RECONCILING)
        manager.reconciled = True
        level = EventLevel.INFO
    manager.emit(EventKind.SYSTEM, f"reconciled: {summary}", None, level=level)
    return counts
