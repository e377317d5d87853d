"""The order manager: the only code that talks to a venue's execution port.

Every order goes ``gate → write-ahead → audit → venue``: :func:`core.execution.gate.check`
approves it, the order is committed to SQLite as ``new`` then ``submitted``, its audit row is
committed, and only then is the venue called. Venues are held in a private mapping and
:meth:`OrderManager._send` accepts nothing but a gate :class:`~core.execution.gate.Approval`.

Retries: only retryable errors (network, 5xx, 429) are retried, with capped jittered backoff
and the same client order id (:class:`~core.execution.retry.VenueCalls`). A submit that fails
or times out leaves the order ``unknown``; the venue is asked for that id, and the order is
resubmitted only if the venue never saw it (:mod:`.unresolved`). Rejections surface at once.
A per-venue token bucket paces every call.

On start (and after a crash) :meth:`reconcile` reloads every non-final order and settles it
against the venue; trading stays disabled until it has finished.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from core.errors import (
    ExchangeError,
    GateRefused,
    IllegalTransition,
    NetworkError,
    OrderRejected,
    TradingDisabled,
)
from core.execution import gate
from core.execution.audit import AuditLog
from core.execution.cancel import cancel_open, cancel_order
from core.execution.events import order_event, order_payload, ref_event, request_payload
from core.execution.flags import Turnover
from core.execution.ids import with_venue_id
from core.execution.ports import EventSink, MarketView, TradingVenue
from core.execution.reconcile import RECONCILING, reconcile_orders, reconcile_startup
from core.execution.reservations import Reservations, free_after
from core.execution.retry import Clock, RetryPolicy, Sleep, VenueCalls
from core.execution.state import apply_update, move
from core.execution.unresolved import UnresolvedSubmit
from core.models import (
    Balance,
    EventKind,
    EventLevel,
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    utcnow,
)
from core.ports import UserEvent
from core.store import Store

T = TypeVar("T")


class OrderManager:
    """Places, tracks, retries and reconciles orders on a set of venues."""

    def __init__(
        self,
        venues: Mapping[str, TradingVenue],
        store: Store,
        market: MarketView,
        *,
        limits: gate.GateLimits | None = None,
        policy: RetryPolicy | None = None,
        rate_per_s: float = 10.0,
        submit_timeout_s: float = 10.0,
        emit: EventSink | None = None,
        audit: AuditLog | None = None,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.__venues = dict(venues)
        self.store = store
        self.market = market
        self.limits = limits or gate.GateLimits()
        self.policy = policy or RetryPolicy()
        self.audit = audit or AuditLog(store)
        self._emit = emit or (lambda _e: None)
        self._on_error = on_error or (lambda _e: None)
        self.venue_calls = VenueCalls(
            venues,
            policy=self.policy,
            rate_per_s=rate_per_s,
            timeout_s=submit_timeout_s,
            rng=rng or random.Random(),
            sleep=sleep,
            clock=clock,
            on_error=self._on_error,
        )
        """Every call to a venue goes through here: paced, timed out, counted, retried."""
        self.orders: dict[str, Order] = {}
        self.balances: dict[str, dict[str, Balance]] = {}
        self.reservations = Reservations()
        """What approved orders hold back until their venue answers (:mod:`.reservations`)."""
        self.sent_at: dict[str, float] = {}
        """When each order was last sent (monotonic), for the latency its events report."""
        self._placing: set[str] = set()
        self.inflight: set[str] = set()
        """Orders whose submit loop is running in this process (reconcile leaves them be)."""
        self._apply_lock = asyncio.Lock()
        self.disabled: dict[str, str] = {RECONCILING: "reconciling orders with the venues"}
        self.turnover = Turnover(store, utcnow().date())
        self.reconciled = False
        """Whether a start-up reconciliation has completed (trading waits for it)."""

    # ------------------------------------------------------------------ state

    @property
    def calls(self) -> int:
        """Venue calls made so far (each try counts)."""
        return self.venue_calls.count

    @property
    def venue_names(self) -> tuple[str, ...]:
        return tuple(self.__venues)

    @property
    def trading_enabled(self) -> bool:
        return not self.disabled

    @property
    def disabled_reason(self) -> str | None:
        return "; ".join(self.disabled.values()) or None

    def disable(self, key: str, reason: str) -> None:
        self.disabled[key] = reason

    def enable(self, key: str) -> None:
        self.disabled.pop(key, None)

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if not o.status.is_final]

    async def load(self) -> None:
        """Load today's turnover and every non-final order from the store."""
        await self.turnover.load()
        for order in await self.store.open_orders():
            self.orders[order.client_order_id] = order

    # ------------------------------------------------------------------ placing

    async def place(
        self, request: OrderRequest, *, actor: str = "operator", override: str | None = None
    ) -> Order:
        """Gate, write ahead, audit, send. Raises GateRefused; otherwise returns the order.

        Ids no venue would take are replaced by a deterministic UUID (:mod:`.ids`); the
        original is kept in the audit row. The returned order may be ``rejected`` (the venue
        said no; never retried) or ``unknown`` (retries exhausted; reconciliation settles it).
        ``override`` names one reason trading is disabled that this order may ignore (the kill
        switch's own flatten sells); every other rule still applies.
        """
        request, requested_id = with_venue_id(request)
        known = self.orders.get(request.client_order_id)
        if known is not None:
            return known  # a re-placed id is the same order, never a second one
        if request.client_order_id in self._placing:
            raise GateRefused("duplicate", f"{request.client_order_id} is being placed already")
        self._placing.add(request.client_order_id)
        try:
            return await self._place(request, actor, override, requested_id)
        finally:
            self._placing.discard(request.client_order_id)

    async def _place(
        self, request: OrderRequest, actor: str, override: str | None, requested_id: str | None
    ) -> Order:
        t0 = time.monotonic()
        try:
            approval = gate.check(request, await self._context(request, override), self.limits)
        except GateRefused as exc:
            await self.audit.append("order.refused", actor, request_payload(request, exc.rule))
            self.emit(
                EventKind.ORDER_REJECTED,
                f"refused {request.side.value} {request.qty} {request.symbol}: {exc}",
                request,
                level=EventLevel.WARNING,
            )
            raise
        # Held from the approval on, before any await: a concurrent approval sees it at once.
        self.reservations.hold(request.client_order_id, request.venue, *approval.reserve)
        try:
            return await self._send(approval, actor, t0, requested_id)
        finally:
            self.reservations.release(request.client_order_id)

    async def _send(
        self, approval: gate.Approval, actor: str, t0: float, requested_id: str | None = None
    ) -> Order:
        if not isinstance(approval, gate.Approval):
            raise TypeError("orders reach a venue only with a gate approval")
        request = approval.request
        venue = self.__venues[request.venue]
        book = self.market.book(request.venue, request.symbol)
        order = Order.from_request(request, OrderStatus.NEW, arrival_mid=book.mid if book else None)
        # Write-ahead: the order (new, then submitted) and its audit row are committed in one
        # transaction before the venue hears of it.
        self.orders[order.client_order_id] = order
        await self.store.record_order(order, durable=False)
        payload = request_payload(request, None)
        payload["notional_usd"] = str(approval.notional_usd)
        if requested_id is not None:
            payload["requested_id"] = requested_id
        await self.audit.append("order.submit", actor, payload, durable=False)
        submitted = move(order, OrderStatus.SUBMITTED, updated_ts=utcnow())
        self.orders[order.client_order_id] = submitted
        await self.store.record_order(submitted, durable=False)
        await self.store.flush()
        self.emit(
            EventKind.ORDER_SUBMITTED,
            f"submit {request.side.value} {request.qty} {request.symbol}"
            + (f" @ {request.price}" if request.price else " at market"),
            request,
            latency_ms=(time.monotonic() - t0) * 1000,
        )
        return await self._submit_until_known(venue, request)

    async def _submit_until_known(self, venue: TradingVenue, request: OrderRequest) -> Order:
        """Submit, and again with the same id while the venue never saw it (:mod:`.unresolved`)."""
        coid = request.client_order_id
        unresolved = UnresolvedSubmit(self, venue, request)
        self.inflight.add(coid)
        try:
            while True:
                self.sent_at[coid] = time.monotonic()
                try:
                    reply = await self.venue_calls.once(
                        request.venue, lambda: venue.submit(request)
                    )
                    # The venue answered: its balances lock what the order needs from now on.
                    self.reservations.release(coid)
                    return await self.apply(reply)
                except (TimeoutError, NetworkError) as exc:
                    settled = await unresolved.settle(exc)
                    if settled is not None:
                        return settled
                except (OrderRejected, ExchangeError) as exc:
                    # A refusal (or any non-retryable venue error) is final: never retried.
                    rejected = self.orders[coid].model_copy(
                        update={
                            "status": OrderStatus.REJECTED,
                            "reason": str(exc),
                            "updated_ts": utcnow(),
                        }
                    )
                    return await self.apply(rejected)
        finally:
            self.inflight.discard(coid)

    async def retrying(self, venue_name: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run a venue call, retrying only retryable errors with jittered backoff."""
        return await self.venue_calls.retrying(venue_name, call)

    # ------------------------------------------------------------------ cancelling

    async def cancel(
        self, venue_name: str, symbol: str, coid: str, *, actor: str = "operator"
    ) -> Order:
        """Cancel one order (audited, retried); returns it as it now is (see :mod:`.cancel`)."""
        venue = self.__venues.get(venue_name)
        if venue is None:
            raise TradingDisabled(f"no trading venue {venue_name}")
        return await cancel_order(self, venue_name, venue, symbol, coid, actor=actor)

    async def cancel_all(self, venue_name: str | None = None, *, actor: str = "operator") -> int:
        """Cancel every open order (on one venue or all); returns how many were cancelled."""
        return await cancel_open(self, self.__venues, venue_name, actor=actor)

    # ------------------------------------------------------------------ updates

    async def on_user_event(self, event: UserEvent) -> None:
        """A venue's private stream: order updates, fills, balances."""
        if isinstance(event, Order):
            await self.apply(event)
        elif isinstance(event, Fill):
            await self.store.record_fill(event)
            self._add_turnover(event)
        elif isinstance(event, Balance):
            venue = event.location_id.split(":", 1)[0]
            self.balances.setdefault(venue, {})[event.asset] = event

    def _add_turnover(self, fill: Fill) -> None:
        inst = self.market.instrument(fill.venue, fill.symbol)
        price = self.market.usd_price(inst.quote) if inst else None
        if price is not None:
            self.turnover.add(fill.qty * fill.price * price, utcnow().date())

    async def apply(self, update: Order) -> Order:
        """Feed one venue report through the state machine; record and log what changed."""
        async with self._apply_lock:
            current = self.orders.get(update.client_order_id)
            if current is None:
                # An order we never placed (another client, or lost before write-ahead).
                await self.record(update)
                await self.audit.append("order.adopted", "venue", order_payload(update))
                self.emit_order(update, note="adopted: not placed by this cockpit")
                return update
            try:
                step = apply_update(current, update)
            except IllegalTransition as exc:
                self._on_error(exc)
                self.emit(EventKind.ALERT, str(exc), current, level=EventLevel.ALERT)
                return current
            if not step.changed:
                return step.order
            self.orders[step.order.client_order_id] = step.order
            await self.store.record_order(step.order, durable=False)
            await self.audit.append(
                "order.event", "venue", order_payload(step.order), durable=False
            )
            await self.store.flush()  # the new state and its audit row in one commit
            self.emit_order(step.order)
            return step.order

    async def record(self, order: Order) -> None:
        self.orders[order.client_order_id] = order
        await self.store.record_order(order)

    # ------------------------------------------------------------------ reconciliation

    async def reconcile(self, *, startup: bool = False) -> dict[str, int]:
        """Settle every non-final order and refresh balances by REST (see :mod:`.reconcile`).

        ``startup``: trading stays disabled until a pass completes without unreachable venues.
        """
        if startup:
            return await reconcile_startup(self, self.__venues)
        return await reconcile_orders(self, self.__venues)

    async def refresh_balances(self, venue_name: str) -> None:
        venue = self.__venues[venue_name]
        rows = await self.retrying(venue_name, venue.fetch_balances)
        self.balances[venue_name] = {b.asset: b for b in rows}

    # ------------------------------------------------------------------ gate context

    async def _context(
        self, request: OrderRequest, override: str | None = None
    ) -> gate.GateContext:
        before = self.reservations.held()
        if request.venue in self.__venues:
            await self.refresh_balances(request.venue)
        inst = self.market.instrument(request.venue, request.symbol)
        free = free_after(
            {a: b.free for a, b in self.balances.get(request.venue, {}).items()},
            request.venue,
            before,
            self.reservations.held(),
        )
        turnover = self.turnover.on(utcnow().date())
        disabled = "; ".join(v for k, v in self.disabled.items() if k != override) or None
        if request.venue not in self.__venues:
            disabled = disabled or f"{request.venue} is not a trading venue"
        return gate.GateContext(
            now=utcnow(),
            instrument=inst,
            book=self.market.book(request.venue, request.symbol),
            free=free,
            quote_usd=self.market.usd_price(inst.quote) if inst else None,
            portfolio_usd=self.market.portfolio_usd(),
            turnover_today_usd=turnover,
            disabled_reason=disabled,
        )

    # ------------------------------------------------------------------ events

    def emit_order(self, order: Order, note: str | None = None) -> None:
        sent = self.sent_at.get(order.client_order_id)
        latency = (time.monotonic() - sent) * 1000 if sent is not None else None
        self._emit(order_event(order, latency, note))

    def emit(
        self,
        kind: EventKind,
        message: str,
        ref: OrderRequest | Order | None,
        *,
        level: EventLevel = EventLevel.INFO,
        latency_ms: float | None = None,
        venue: str | None = None,
    ) -> None:
        self._emit(ref_event(kind, message, ref, level=level, latency_ms=latency_ms, venue=venue))
