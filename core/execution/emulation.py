"""Client-side order types at work: stops, trailing stops, OCO and icebergs on any venue.

:mod:`core.execution.emulated` holds the pure state machines; :class:`Emulator` feeds them the
venue's mid price and the manager's order states on every tick and places the plain orders
they emit through :meth:`OrderManager.place`, so **each child order passes the pre-trade gate**
like any other. Working orders are written to ``exec_flags`` (key ``emu:<id>``) with their
state, so a restart resumes them (child ids are derived, so a re-placed child is the same
order, never a second one).

OCO here is the useful pair: a resting limit (take-profit) and a stop (stop-loss) on the same
quantity. The limit filling at all disarms the stop; the stop firing cancels the limit first.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol

from core.errors import CockpitError, GateRefused
from core.execution.emulated import Iceberg, StopOrder, TrailingStop
from core.models import (
    EventKind,
    EventLevel,
    LogEvent,
    Model,
    Order,
    OrderRequest,
    OrderType,
    utcnow,
)

if TYPE_CHECKING:
    from core.store import Store

EmulatedType = Literal["stop", "trailing_stop", "oco", "iceberg"]
PREFIX = "emu:"
UPSERT = "INSERT OR REPLACE INTO exec_flags (key, payload) VALUES (?, ?)"
DELETE = "DELETE FROM exec_flags WHERE key = ?"


class EmulatedSpec(Model):
    """What the operator asked for. ``request`` is the order to send (a stop's child, an
    OCO's limit leg, an iceberg's whole quantity); its client id names the emulated order."""

    type: EmulatedType
    request: OrderRequest
    trigger: Decimal | None = None
    """Stop and OCO: the stop price (sell: fires at or below; buy: at or above)."""
    trail: Decimal | None = None
    """Trailing stop: the distance behind the best price, as a fraction (0.02 = 2%)."""
    visible: Decimal | None = None
    """Iceberg: the largest slice shown at once."""

    def problem(self) -> str | None:
        """Why the spec cannot work (checked before anything is stored), or None."""
        if self.type in ("stop", "oco") and (self.trigger is None or self.trigger <= 0):
            return f"{self.type} needs a positive trigger"
        if self.type == "trailing_stop" and not (self.trail and 0 < self.trail < 1):
            return "trailing_stop needs a trail between 0 and 1 (a fraction)"
        if self.type in ("oco", "iceberg") and (
            self.request.type is OrderType.MARKET or self.request.price is None
        ):
            return f"{self.type} needs a limit price"
        if self.type == "iceberg" and not (self.visible and 0 < self.visible < self.request.qty):
            return "iceberg needs a visible size smaller than the quantity"
        return None


class Placer(Protocol):
    """What the emulator needs of the order manager (every order through its gate)."""

    orders: dict[str, Order]

    async def place(
        self, request: OrderRequest, *, actor: str = ..., override: str | None = ...
    ) -> Order: ...

    async def cancel(
        self, venue_name: str, symbol: str, coid: str, *, actor: str = ...
    ) -> Order: ...


class Prices(Protocol):
    def mid(self, venue: str, symbol: str) -> Decimal | None: ...


class Working:
    """One emulated order and its state machine."""

    def __init__(self, spec: EmulatedSpec, state: dict[str, object] | None = None) -> None:
        self.spec = spec
        state = state or {}
        r = spec.request
        self.done = bool(state.get("done", False))
        self.outcome = str(state.get("outcome", ""))
        if spec.type == "trailing_stop":
            assert spec.trail is not None
            best = state.get("best")
            self.machine: StopOrder | TrailingStop | Iceberg | None = TrailingStop(
                r, spec.trail, Decimal(str(best)) if best is not None else None
            )
        elif spec.type in ("stop", "oco"):
            assert spec.trigger is not None
            stop_req = r.model_copy(update={"type": OrderType.MARKET, "price": None})
            self.machine = StopOrder(
                stop_req if spec.type == "oco" else r, spec.trigger, bool(state.get("fired"))
            )
        else:
            assert spec.visible is not None
            ice = Iceberg(r, spec.visible, Decimal(str(state.get("step", "0"))) or spec.visible)
            ice.sent = Decimal(str(state.get("sent", "0")))
            ice.slices = int(str(state.get("slices", 0)))
            live = state.get("live")
            ice.live = str(live) if live else None
            self.machine = ice
        self.limit_placed = bool(state.get("limit_placed", False))
        self.lock = asyncio.Lock()
        """Held while the order is being worked: ``add`` and the tick loop both run it, and a
        run awaits the manager (an OCO cancels its limit, then sends its stop), so a second run
        in between would see the cancelled limit and wrongly disarm the stop."""

    @property
    def id(self) -> str:
        return self.spec.request.client_order_id

    @property
    def limit_id(self) -> str:
        return f"{self.id}-lim"

    def state(self) -> dict[str, object]:
        m = self.machine
        out: dict[str, object] = {"done": self.done, "outcome": self.outcome}
        if isinstance(m, TrailingStop):
            out["best"] = str(m.best) if m.best is not None else None
        elif isinstance(m, StopOrder):
            out["fired"] = m.fired
            out["limit_placed"] = self.limit_placed
        elif isinstance(m, Iceberg):
            out.update(sent=str(m.sent), slices=m.slices, live=m.live, step=str(m.step))
        return out

    def to_json(self) -> str:
        return json.dumps({"spec": self.spec.model_dump(mode="json"), "state": self.state()})


async def saved_working(store: Store) -> list[Working]:
    """The emulated orders a core saved as still working (read-only: a listing may call it)."""
    rows = await store.fetch_all(
        "SELECT key, payload FROM exec_flags WHERE key LIKE ? ORDER BY key", (PREFIX + "%",)
    )
    out = []
    for _key, payload in rows:
        data = json.loads(payload)
        w = Working(EmulatedSpec.model_validate(data["spec"]), data["state"])
        if not w.done:
            out.append(w)
    return out


class Emulator:
    """Runs the working emulated orders: ``await add(spec)``, then ``await tick()`` often."""

    def __init__(
        self,
        manager: Placer,
        prices: Prices,
        store: Store,
        emit: Callable[[LogEvent], None],
        step_of: Callable[[OrderRequest], Decimal | None] | None = None,
    ) -> None:
        self.manager = manager
        self.prices = prices
        self.store = store
        self._emit = emit
        self._step_of = step_of
        self.working: dict[str, Working] = {}
        self.finished: dict[str, Working] = {}

    # ------------------------------------------------------------------ persistence

    async def load(self) -> int:
        """Resume the working orders saved by a previous run; returns how many."""
        for w in await saved_working(self.store):
            self.working[w.id] = w
        return len(self.working)

    async def _save(self, w: Working) -> None:
        key = PREFIX + w.id
        if w.done:
            await self.store.add_durable(DELETE, (key,))
        else:
            await self.store.add_durable(UPSERT, (key, w.to_json()))

    # ------------------------------------------------------------------ operating

    async def add(self, spec: EmulatedSpec) -> Working:
        """Check, store and start an emulated order (it may fire at once)."""
        problem = spec.problem()
        if problem is not None:
            raise GateRefused("emulated", problem)
        if spec.request.client_order_id in self.working:
            return self.working[spec.request.client_order_id]
        w = Working(spec)
        if isinstance(w.machine, Iceberg):
            step = self._step_of(spec.request) if self._step_of is not None else None
            w.machine.step = step or spec.visible or Decimal(1)
        self.working[w.id] = w
        await self._save(w)
        self._log(w, f"{spec.type} armed: {self._describe(spec)}")
        await self._run(w)
        return w

    async def disarm(self, coid: str, *, actor: str = "operator") -> Working:
        """Stop working ``coid``: cancel its live leg (an OCO's limit, an iceberg's slice),
        forget it (the saved state is deleted) and log it. ``CockpitError`` if it is not armed."""
        w = self.working.get(coid)
        if w is None:
            raise CockpitError(f"{coid} is not an armed order", title="Not armed")
        async with w.lock:
            if w.done:
                raise CockpitError(f"{coid} has ended ({w.outcome})", title="Not armed")
            r = w.spec.request
            for leg in self._legs(w):
                child = await self._child(leg)
                if child is not None and not child.status.is_final:
                    await self.manager.cancel(r.venue, r.symbol, leg, actor=f"emulated:{w.id}")
            w.done, w.outcome = True, f"disarmed by {actor}"
            await self._save(w)
        self.working.pop(w.id, None)
        self.finished[w.id] = w
        self._log(w, f"{w.spec.type} {w.id} disarmed by {actor}")
        return w

    def _legs(self, w: Working) -> tuple[str, ...]:
        """Client ids of the venue orders ``w`` may have live."""
        if isinstance(w.machine, Iceberg):
            return (w.machine.live,) if w.machine.live else ()
        return (w.limit_id,) if w.spec.type == "oco" and w.limit_placed else ()

    async def tick(self) -> None:
        """Feed every working order the current mid and its children's states."""
        for w in list(self.working.values()):
            if w.lock.locked():
                continue  # being worked right now; the next tick sees its outcome
            try:
                await self._run(w)
            except CockpitError as exc:
                self._log(w, f"{w.spec.type} {w.id}: {exc}", level=EventLevel.WARNING)

    async def _run(self, w: Working) -> None:
        async with w.lock:
            if not w.done:
                await self._step(w)

    async def _step(self, w: Working) -> None:
        before = w.to_json()
        m = w.machine
        r = w.spec.request
        mid = self.prices.mid(r.venue, r.symbol)
        if isinstance(m, Iceberg):
            await self._run_iceberg(w, m)
        elif w.spec.type == "oco":
            assert isinstance(m, StopOrder)
            await self._run_oco(w, m, mid)
        elif mid is not None and isinstance(m, StopOrder | TrailingStop):
            child = m.on_price(mid)
            if child is not None and await self._place(w, child, f"triggered at mid {mid}"):
                w.done, w.outcome = True, "fired"
        if w.to_json() != before:
            await self._save(w)
        if w.done:
            self.working.pop(w.id, None)
            self.finished[w.id] = w

    async def _run_oco(self, w: Working, stop: StopOrder, mid: Decimal | None) -> None:
        r = w.spec.request
        if not w.limit_placed:
            w.limit_placed = True
            await self._place(w, r.model_copy(update={"client_order_id": w.limit_id}), "limit leg")
            if w.done:
                return
        limit = await self._child(w.limit_id)
        if limit is not None and limit.filled_qty > 0:
            stop.fired = True
            w.done, w.outcome = True, "limit filled; stop disarmed"
            self._log(w, f"oco {w.id}: limit leg filled, stop leg disarmed")
            return
        if limit is not None and limit.status.is_final:
            w.done, w.outcome = True, f"limit {limit.status.value}; stop disarmed"
            self._log(w, f"oco {w.id}: limit leg {limit.status.value}, stop leg disarmed")
            return
        if mid is None:
            return
        child = stop.on_price(mid)
        if child is None:
            return
        if limit is not None and not limit.status.is_final:
            cancelled = await self.manager.cancel(
                r.venue, r.symbol, w.limit_id, actor=f"emulated:{w.id}"
            )
            if cancelled.filled_qty > 0:
                w.done, w.outcome = True, "limit filled while cancelling; stop not sent"
                return
        if await self._place(w, child, f"stop triggered at mid {mid}; limit leg cancelled"):
            w.done, w.outcome = True, "stop fired; limit cancelled"

    async def _run_iceberg(self, w: Working, ice: Iceberg) -> None:
        if ice.live is not None:
            live = await self._child(ice.live)
            if live is None or not live.status.is_final:
                return
            ice.on_done(live.client_order_id, live.filled_qty, live.qty)
        child = ice.next_slice()
        if child is not None:
            if await self._place(w, child, f"slice {ice.slices}") is None:
                ice.live = None
        elif ice.live is None:
            w.done, w.outcome = True, f"all {ice.order.qty} worked in {ice.slices} slices"

    async def _child(self, coid: str) -> Order | None:
        """A child order as the manager knows it, or as stored (a restart loads only the open
        ones, so a child that finished before the restart is read back from the store)."""
        order = self.manager.orders.get(coid)
        if order is not None:
            return order
        rows = await self.store.fetch_all(
            "SELECT payload FROM orders WHERE client_order_id = ?", (coid,)
        )
        return Order.model_validate_json(rows[0][0]) if rows else None

    async def _place(self, w: Working, request: OrderRequest, why: str) -> Order | None:
        """Send a child through the manager (and so the gate); a refusal ends the parent."""
        self._log(w, f"{w.spec.type} {w.id}: sending {request.client_order_id} ({why})")
        try:
            return await self.manager.place(request, actor=f"emulated:{w.id}")
        except GateRefused as exc:
            w.done, w.outcome = True, f"child refused by the gate: {exc}"
            self._log(w, f"{w.spec.type} {w.id}: child refused ({exc})", level=EventLevel.WARNING)
            return None

    # ------------------------------------------------------------------ events

    def _describe(self, spec: EmulatedSpec) -> str:
        r = spec.request
        text = f"{r.side.value} {r.qty} {r.symbol}"
        if spec.trigger is not None:
            text += f" stop {spec.trigger}"
        if spec.trail is not None:
            text += f" trail {spec.trail:%}"
        if r.price is not None:
            text += f" limit {r.price}"
        if spec.visible is not None:
            text += f" showing {spec.visible}"
        return text

    def _log(self, w: Working, message: str, *, level: EventLevel = EventLevel.INFO) -> None:
        r = w.spec.request
        event = LogEvent(
            ts=utcnow(),
            kind=EventKind.ORDER_SUBMITTED if "sending" in message else EventKind.SYSTEM,
            level=level,
            message=message,
            venue=r.venue,
            symbol=r.symbol,
            side=r.side,
            qty=r.qty,
        )
        self._emit(event)
