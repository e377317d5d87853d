"""Order use cases of the headless commands: the order listing, an emulated order's end.

The listing is read-only: from the running cockpit when one holds the database, else from
the database opened read-only (no core is started, nothing is written). An emulated order
(stop, trailing stop, iceberg, OCO) placed by a command's own core is worked by that core
until it ends or the command's wait runs out; :func:`wait_emulated` reports which.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from core.access import reader_client
from core.answers import OrderList
from core.config import Settings
from core.errors import CockpitError
from core.execution.service import ExecutionService
from core.models import Order
from core.store import Store
from core.views import ListOrders

POLL_S = 0.1
"""How often a command's wait looks at its emulated order (a CLI's wait, not a test's)."""


async def order_list(settings: Settings, *, include_final: bool, client: str) -> OrderList:
    """The orders of the configured database (open ones, or all with ``include_final``)."""
    async with reader_client(settings, client=client) as remote:
        if remote is not None:
            result = await remote.send(ListOrders(include_final=include_final))
            if not result.ok or not isinstance(result.data, OrderList):
                raise CockpitError(result.message, title=result.title or "Refused")
            return result.data
    from core.execution.armed import armed_orders
    from core.execution.emulation import saved_working

    store = await Store.open_readonly(settings.db_path())
    try:
        orders = await store.orders(include_final=include_final)
        armed = armed_orders(await saved_working(store))
    finally:
        await store.close()
    return OrderList(
        mode=settings.mode, orders=tuple(orders), include_final=include_final, armed=armed
    )


@dataclass(frozen=True, slots=True)
class EmulatedEnd:
    """How an emulated order ended (``outcome``), with the orders it placed, oldest first."""

    outcome: str
    children: tuple[Order, ...]

    @property
    def refused(self) -> bool:
        return "refused" in self.outcome


async def wait_emulated(
    execution: ExecutionService, client_order_id: str, wait_s: float
) -> EmulatedEnd | None:
    """Let ``execution`` work the emulated order up to ``wait_s`` seconds; its end, or None
    while it is still working (saved: the next run of the core resumes it)."""
    emulator, manager = execution.emulator, execution.manager
    assert emulator is not None and manager is not None, "execution has started"
    deadline = time.monotonic() + wait_s
    # The emulator works on its own tick; polling it here keeps the core untouched.
    while client_order_id in emulator.working and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(POLL_S)
    if client_order_id in emulator.working:
        return None
    children = sorted(
        (o for o in manager.orders.values() if o.client_order_id.startswith(f"{client_order_id}-")),
        key=lambda o: o.created_ts,
    )
    return EmulatedEnd(emulator.finished[client_order_id].outcome, tuple(children))
