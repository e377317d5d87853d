"""The order manager: the only code that talks to a venue's execution port.

Every order goes ``gate → write-ahead → audit → venue``: :func:`core.execution.gate.check`
approves it, the order is committed to SQLite as ``new`` then ``submitted``, its audit row is
committed, and only then is the venue called. Venues are held in a private mapping and
:meth:`OrderManager._send` accepts nothing but a gate :class:`~core.execution.gate.Approval`.

Retries: only retryable errors (network, 5xx, 429) are retried, with capped jittered backoff
and the same client order id. A submit that fails or times out leaves the order ``unknown``;
the venue is asked for that id, and the order is resubmitted only if the venue never saw it.
Rejections surface at once. A per-venue token bucket paces every call.

On start (and after a crash) :meth:`reconcile` reloads every non-final order and settles it
against the venue; trading stays disabled until it has finished.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from core.errors import (
    CockpitError,
    ExchangeError,
    GateRefused,
    IllegalTransition,
    NetworkError,
    OrderRejected,
    RateLimitError,
    TradingDisabled,
    is_retryable,
)
from core.execution import gate
from core.execution.audit import AuditLog
from core.execution.events import order_event, order_payload, ref_event, request_payload
from core.execution.ids import with_venue_id
from core.execution.reconcile import reconcile_orders
from core.execution.retry import Clock, RateLimiter, RetryPolicy, Sleep
from core.execution.state import apply_update, move
from core.models import (
    ZERO,
    Balance,
    BookSnapshot,
    EventKind,
    EventLevel,
    Fill,
    Instrument,
    LogEvent,
    Order,
    OrderRequest,
    OrderStatus,
    utcnow,
)
from core.ports import AccountPort, ExecutionPort, UserEvent
from core.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


class TradingVenue(ExecutionPort, AccountPort, Protocol):
    """What the manager needs of a venue: execution and its account."""


class MarketView(Protocol):
    """What the gate reads about markets and the portfolio (the core provides it)."""

    def instrument(self, venue: str, symbol: str) -> Instrument | None: ...

    def book(self, venue: str, symbol: str) -> BookSnapshot | None: ...

    def usd_price(self, asset: str) -> Decimal | None: ...

    def portfolio_usd(self) -> Decimal: ...


EventSink = Callable[[LogEvent], None]

TURNOVER_KEY = "turnover"
FLAG_UPSERT = "INSERT OR REPLACE INTO exec_flags (key, payload) VALUES (?, ?)"


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
        self.timeout_s = submit_timeout_s
        self.audit = audit or AuditLog(store)
        self._emit = emit or (lambda _e: None)
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._on_error = on_error or (lambda _e: None)
        self._limiters = {
            name: RateLimiter(rate_per_s, clock=clock, sleep=sleep) for name in venues
        }
        self.orders: dict[str, Order] = {}
        self.balances: dict[str, dict[str, Balance]] = {}
        self._reserved: dict[tuple[str, str], Decimal] = {}
        self._sent_at: dict[str, float] = {}
        self._placing: set[str] = set()
        self.inflight: set[str] = set()
        """Orders whose submit loop is running in this process (reconcile leaves them be)."""
        self._apply_lock = asyncio.Lock()
        self.disabled: dict[str, str] = {"reconciling": "reconciling orders with the venues"}
        self.turnover_day: date = utcnow().date()
        self.turnover_usd = ZERO
        self.calls = 0
        self.reconciled = False
        """Whether a start-up reconciliation has completed (trading waits for it)."""

    # ------------------------------------------------------------------ state

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
        rows = await self.store.fetch_all(
            "SELECT payload FROM exec_flags WHERE key = ?", (TURNOVER_KEY,)
        )
        if rows:
            data = json.loads(rows[0][0])
            if data["day"] == self.turnover_day.isoformat():
                self.turnover_usd = Decimal(data["usd"])
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
        switch's own flatten
        sells); every other rule still applies.
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
        return await self._send(approval, actor, t0, requested_id)

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
        key = (request.venue, approval.reserve[0])
        self._reserved[key] = self._reserved.get(key, ZERO) + approval.reserve[1]
        try:
            await self.store.flush()
            self.emit(
                EventKind.ORDER_SUBMITTED,
                f"submit {request.side.value} {request.qty} {request.symbol}"
                + (f" @ {request.price}" if request.price else " at market"),
                request,
                latency_ms=(time.monotonic() - t0) * 1000,
            )
            return await self._submit_until_known(venue, request)
        finally:
            self._reserved[key] -= approval.reserve[1]

    async def _submit_until_known(self, venue: TradingVenue, request: OrderRequest) -> Order:
        self.inflight.add(request.client_order_id)
        try:
            return await self._submit_loop(venue, request)
        finally:
            self.inflight.discard(request.client_order_id)

    async def _submit_loop(self, venue: TradingVenue, request: OrderRequest) -> Order:
        coid = request.client_order_id
        delays = self.policy.delays(self._rng)
        while True:
            self._sent_at[coid] = time.monotonic()
            try:
                await self._limiters[request.venue].acquire()
                self.calls += 1
                reply = await asyncio.wait_for(venue.submit(request), self.timeout_s)
                return await self.apply(reply)
            except (TimeoutError, NetworkError) as exc:
                self._on_error(exc)
                current = self.orders[coid]
                if current.status is OrderStatus.SUBMITTED:
                    await self.record(move(current, OrderStatus.UNKNOWN, updated_ts=utcnow()))
                    self.emit(
                        EventKind.ORDER_SUBMITTED,
                        f"submit of {coid} unresolved ({type(exc).__name__}: {exc}); checking",
                        request,
                        level=EventLevel.WARNING,
                    )
                try:
                    seen = await self._lookup(venue, request)
                except CockpitError as lookup_exc:
                    # Not knowing is not "the venue never saw it": never resend blind.
                    self.emit(
                        EventKind.ORDER_SUBMITTED,
                        f"{coid} unknown: lookup failed ({lookup_exc}); reconciliation will "
                        "settle it",
                        request,
                        level=EventLevel.ERROR,
                    )
                    return self.orders[coid]
                if seen is not None:
                    return await self.apply(seen)
                delay = next(delays, None)
                if delay is None:
                    self.emit(
                        EventKind.ORDER_SUBMITTED,
                        f"{coid} still unknown after {self.policy.attempts} tries; "
                        "reconciliation will settle it",
                        request,
                        level=EventLevel.ERROR,
                    )
                    return self.orders[coid]
                if isinstance(exc, RateLimitError):
                    delay = max(delay, self.policy.rate_limit_floor_s)
                await self._sleep(delay)
                current = self.orders[coid]
                if current.status is OrderStatus.UNKNOWN:
                    # The venue never saw it: resend with the same id.
                    await self.record(move(current, OrderStatus.SUBMITTED, updated_ts=utcnow()))
            except (OrderRejected, ExchangeError) as exc:
                # A refusal (or any non-retryable venue error) is final: never retried.
                current = self.orders[coid]
                rejected = current.model_copy(
                    update={
                        "status": OrderStatus.REJECTED,
                        "reason": str(exc),
                        "updated_ts": utcnow(),
                    }
                )
                return await self.apply(rejected)

    async def _lookup(self, venue: TradingVenue, request: OrderRequest) -> Order | None:
        """The venue's view of a request whose submit failed (``None``: it never saw it).

        Raises if the venue cannot be asked; the caller must then leave the order unknown.
        """

        async def fetch() -> Order | None:
            return await venue.fetch_order(request.client_order_id, request.symbol)

        return await self.retrying(request.venue, fetch)

    async def retrying(self, venue_name: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run a venue call, retrying only retryable errors with jittered backoff."""
        delays = self.policy.delays(self._rng)
        while True:
            try:
                await self._limiters[venue_name].acquire()
                self.calls += 1
                return await asyncio.wait_for(call(), self.timeout_s)
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                self._on_error(exc)
                delay = next(delays, None)
                if delay is None:
                    raise NetworkError(f"{venue_name}: gave up after retries: {exc}") from exc
                if isinstance(exc, RateLimitError):
                    delay = max(delay, self.policy.rate_limit_floor_s)
                await self._sleep(delay)

    # ------------------------------------------------------------------ cancelling

    async def cancel(
        self, venue_name: str, symbol: str, coid: str, *, actor: str = "operator"
    ) -> Order:
        venue = self.__venues.get(venue_name)
        if venue is None:
            raise TradingDisabled(f"no trading venue {venue_name}")
        await self.audit.append(
            "order.cancel", actor, {"venue": venue_name, "symbol": symbol, "client_order_id": coid}
        )

        async def call() -> Order:
            return await venue.cancel(coid, symbol)

        return await self.apply(await self.retrying(venue_name, call))

    async def cancel_all(self, venue_name: str | None = None, *, actor: str = "operator") -> int:
        """Cancel every open order (on one venue or all); returns how many were cancelled."""
        count = 0
        for name in self.__venues:
            if venue_name is not None and name != venue_name:
                continue
            remote = await self.retrying(name, self.__venues[name].fetch_open_orders)
            targets = {o.client_order_id: o for o in remote}
            for o in self.open_orders():
                if o.venue == name and o.status not in (OrderStatus.NEW, OrderStatus.UNKNOWN):
                    targets.setdefault(o.client_order_id, o)
            for coid, o in targets.items():
                try:
                    await self.cancel(name, o.symbol, coid, actor=actor)
                    count += 1
                except ExchangeError as exc:
                    self.emit(
                        EventKind.ORDER_CANCELLED,
                        f"cancel {coid} failed: {exc}",
                        None,
                        level=EventLevel.ERROR,
                        venue=name,
                    )
        return count

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
        if price is None:
            return
        today = utcnow().date()
        if today != self.turnover_day:
            self.turnover_day, self.turnover_usd = today, ZERO
        self.turnover_usd += fill.qty * fill.price * price
        self.store.add(
            FLAG_UPSERT,
            (
                TURNOVER_KEY,
                json.dumps({"day": today.isoformat(), "usd": str(self.turnover_usd)}),
            ),
        )

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
            self.disable("reconciling", "reconciling orders with the venues")
        counts = await reconcile_orders(self, self.__venues)
        if startup:
            await self.audit.append("reconcile", "system", dict(counts))
            summary = ", ".join(f"{v} {k}" for k, v in counts.items())
            if counts["unreachable"]:
                self.disable("reconciling", f"reconciliation incomplete ({summary}); retrying")
                level = EventLevel.ERROR
            else:
                self.enable("reconciling")
                self.reconciled = True
                level = EventLevel.INFO
            self.emit(EventKind.SYSTEM, f"reconciled: {summary}", None, level=level)
        return counts

    async def refresh_balances(self, venue_name: str) -> None:
        venue = self.__venues[venue_name]
        rows = await self.retrying(venue_name, venue.fetch_balances)
        self.balances[venue_name] = {b.asset: b for b in rows}

    # ------------------------------------------------------------------ gate context

    async def _context(
        self, request: OrderRequest, override: str | None = None
    ) -> gate.GateContext:
        if request.venue in self.__venues:
            await self.refresh_balances(request.venue)
        inst = self.market.instrument(request.venue, request.symbol)
        free = {
            asset: b.free - self._reserved.get((request.venue, asset), ZERO)
            for asset, b in self.balances.get(request.venue, {}).items()
        }
        today = utcnow().date()
        turnover = self.turnover_usd if today == self.turnover_day else ZERO
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
        sent = self._sent_at.get(order.client_order_id)
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
