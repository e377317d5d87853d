"""A submit whose outcome is unknown: ask the venue, and resend only what it never saw.

When a submit times out or fails with a network error the venue may or may not have the
order. The order is marked ``unknown`` and the venue is asked for its client order id:

- the venue has it: its report settles the order, which is never sent twice;
- the venue never saw it: after the retry policy's backoff it is resent with the same id
  (after a 429 the backoff comes first, before the lookup: the venue asked for quiet);
- the venue cannot be asked, or the retries run out: the order stays ``unknown`` and
  reconciliation settles it later. Not knowing is never taken for "never sent".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import CockpitError, RateLimitError
from core.execution.state import move
from core.models import EventKind, EventLevel, Order, OrderRequest, OrderStatus, utcnow

if TYPE_CHECKING:
    from core.execution.manager import OrderManager
    from core.execution.ports import TradingVenue


class UnresolvedSubmit:
    """The failed submits of one request, and the retry budget they share."""

    def __init__(self, manager: OrderManager, venue: TradingVenue, request: OrderRequest) -> None:
        self.manager = manager
        self.venue = venue
        self.request = request
        self.delays = manager.venue_calls.delays()

    async def settle(self, exc: BaseException) -> Order | None:
        """After a submit failed with ``exc``: the order once its fate is decided, else ``None``.

        ``None`` means the venue never saw the order and the caller should submit it again
        (the backoff has been waited and the order is ``submitted`` once more).
        """
        manager, request = self.manager, self.request
        coid = request.client_order_id
        manager.venue_calls.on_error(exc)
        current = manager.orders[coid]
        if current.status is OrderStatus.SUBMITTED:
            await manager.record(move(current, OrderStatus.UNKNOWN, updated_ts=utcnow()))
            manager.emit(
                EventKind.ORDER_SUBMITTED,
                f"submit of {coid} unresolved ({type(exc).__name__}: {exc}); checking",
                request,
                level=EventLevel.WARNING,
            )
        # A venue that asked us to slow down hears nothing, the lookup included, before the
        # backoff (Binance bans clients that keep calling through a 429).
        throttled = isinstance(exc, RateLimitError)
        if throttled and not await self._back_off(exc):
            return self._leave_unknown(f"still unknown after {manager.policy.attempts} tries")
        try:
            seen = await self.lookup()
        except CockpitError as lookup_exc:
            # Not knowing is not "the venue never saw it": never resend blind.
            return self._leave_unknown(f"unknown: lookup failed ({lookup_exc})")
        if seen is not None:
            return await manager.apply(seen)
        if not throttled and not await self._back_off(exc):
            return self._leave_unknown(f"still unknown after {manager.policy.attempts} tries")
        current = manager.orders[coid]
        if current.status is OrderStatus.UNKNOWN:
            # The venue never saw it: resend with the same id.
            await manager.record(move(current, OrderStatus.SUBMITTED, updated_ts=utcnow()))
        return None

    async def _back_off(self, exc: BaseException) -> bool:
        """Wait the next retry delay; ``False`` when the retry budget is spent."""
        delay = next(self.delays, None)
        if delay is None:
            return False
        await self.manager.venue_calls.back_off(delay, exc)
        return True

    def _leave_unknown(self, why: str) -> Order:
        """Stop trying here: the order stays as it is and reconciliation settles it."""
        coid = self.request.client_order_id
        self.manager.emit(
            EventKind.ORDER_SUBMITTED,
            f"{coid} {why}; reconciliation will settle it",
            self.request,
            level=EventLevel.ERROR,
        )
        return self.manager.orders[coid]

    async def lookup(self) -> Order | None:
        """The venue's view of the request (``None``: it never saw it).

        Raises if the venue cannot be asked; the order must then stay unknown.
        """
        request, venue = self.request, self.venue

        async def fetch() -> Order | None:
            return await venue.fetch_order(request.client_order_id, request.symbol)

        return await self.manager.retrying(request.venue, fetch)
