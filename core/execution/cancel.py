"""Cancelling: one order by id, or every open order on a venue (the kill switch, the operator).

"Every open order" is the union of what the venue reports open and what the manager holds as
acknowledged and not final, so an order the stream has not reported yet is cancelled too.
Orders still ``new`` or ``unknown`` are left to reconciliation: the venue may never have seen
them. A cancel that fails is logged and the sweep goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from core.errors import ExchangeError
from core.models import EventKind, EventLevel, Order, OrderStatus

if TYPE_CHECKING:
    from core.execution.manager import OrderManager
    from core.execution.ports import TradingVenue


async def cancel_order(
    manager: OrderManager,
    venue_name: str,
    venue: TradingVenue,
    symbol: str,
    coid: str,
    *,
    actor: str,
) -> Order:
    """Audit, then cancel ``coid`` on ``venue`` (retrying); returns the order as it now is."""
    await manager.audit.append(
        "order.cancel", actor, {"venue": venue_name, "symbol": symbol, "client_order_id": coid}
    )

    async def call() -> Order:
        return await venue.cancel(coid, symbol)

    return await manager.apply(await manager.retrying(venue_name, call))


async def cancel_open(
    manager: OrderManager,
    venues: Mapping[str, TradingVenue],
    venue_name: str | None,
    *,
    actor: str,
) -> int:
    """Cancel every open order on ``venue_name`` (or on all venues); returns how many."""
    count = 0
    for name, venue in venues.items():
        if venue_name is not None and name != venue_name:
            continue
        remote = await manager.retrying(name, venue.fetch_open_orders)
        targets = {o.client_order_id: o for o in remote}
        for o in manager.open_orders():
            if o.venue == name and o.status not in (OrderStatus.NEW, OrderStatus.UNKNOWN):
                targets.setdefault(o.client_order_id, o)
        for coid, o in targets.items():
            try:
                ended = await manager.cancel(name, o.symbol, coid, actor=actor)
                if ended.status is OrderStatus.CANCELLED:  # not one that filled first
                    count += 1
            except ExchangeError as exc:
                manager.emit(
                    EventKind.ORDER_CANCELLED,
                    f"cancel {coid} failed: {exc}",
                    None,
                    level=EventLevel.ERROR,
                    venue=name,
                )
    return count
