"""Running a plan: sells first, then buys, a bounded number in flight, progress, abort.

A :class:`PlanRun` takes the requests of a confirmed plan and places them through a
``place`` callable (the order manager's, so every one passes the gate). Sells go first so
their proceeds fund the buys; within each phase at most ``concurrency`` orders are in flight.
Progress is reported after every order; :meth:`PlanRun.abort` stops new orders at once (the
orders in flight finish; the caller decides whether to cancel what rests).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from core.errors import CockpitError
from core.execution.emulated import twap_slices
from core.models import Instrument, Model, Order, OrderRequest, OrderStatus, Side
from core.plan.models import Plan


class PlanProgress(Model):
    """How far a plan run has got; also the typed answer to ``PlanStatus`` (core.answers)."""

    kind: Literal["plan_status"] = "plan_status"
    plan_id: str
    total: int
    done: int
    failed: int
    phase: str
    last: str = ""
    aborted: bool = False

    @property
    def finished(self) -> bool:
        return self.aborted or self.done + self.failed >= self.total


Place = Callable[[OrderRequest], Awaitable[Order]]
OnProgress = Callable[[PlanProgress], None]


def plan_requests(
    plan: Plan,
    instruments: Mapping[str, Instrument] | None = None,
    slice_usd: Decimal | None = None,
    interval_s: float = 0.0,
) -> tuple[list[OrderRequest], dict[str, float]]:
    """The plan's orders as requests, sells before buys, and the TWAP schedule.

    Orders above ``slice_usd`` are split into TWAP slices ``interval_s`` apart (when their
    instrument is known); the schedule maps a slice's client id to its delay.
    """
    # Indicative orders (no live book at their venue) are never sent: the run lists them.
    ordered = sorted(
        (o for o in plan.orders if not o.indicative), key=lambda o: (o.side is not Side.SELL, o.seq)
    )
    requests: list[OrderRequest] = []
    schedule: dict[str, float] = {}
    for o in ordered:
        request = o.to_request(plan.id)
        inst = (instruments or {}).get(f"{o.venue}:{o.symbol}")
        if inst is None or slice_usd is None:
            requests.append(request)
            continue
        for delay, child in twap_slices(request, inst, o.notional_usd, slice_usd, interval_s):
            requests.append(child)
            if delay:
                schedule[child.client_order_id] = delay
    return requests, schedule


def refuse_reason(plan: Plan, current_id: str | None, now: datetime) -> str | None:
    """Why a plan may not be executed now (not the current one, or expired), or None."""
    if current_id is None or plan.id != current_id:
        return f"plan {plan.id} is not the current plan"
    if now >= plan.expires_at:
        return f"plan {plan.id} expired at {plan.expires_at.isoformat()}"
    if plan.orders and all(o.indicative for o in plan.orders):
        venues = ", ".join(sorted({o.venue for o in plan.orders}))
        return (
            f"plan {plan.id} is indicative: its {len(plan.orders)} order(s) are priced without"
            f" a live book ({venues}) and are never sent"
        )
    return None


def not_sent(plan: Plan) -> dict[str, str]:
    """Client id -> why, for the plan orders a run never sends (indicative ones)."""
    return {
        f"{plan.id}-{o.seq:04d}": f"indicative: no live book on {o.venue}, never sent"
        for o in plan.orders
        if o.indicative
    }


@dataclass(slots=True)
class PlanRun:
    plan_id: str
    requests: Sequence[OrderRequest]
    place: Place
    concurrency: int = 2
    on_progress: OnProgress = lambda _p: None
    schedule: dict[str, float] = field(default_factory=dict)
    """Seconds after its phase starts before a request may go (TWAP slices)."""
    results: dict[str, Order | str] = field(default_factory=dict)
    _abort: asyncio.Event = field(default_factory=asyncio.Event)
    _done: int = 0
    _failed: int = 0

    def abort(self) -> None:
        self._abort.set()

    @property
    def aborted(self) -> bool:
        return self._abort.is_set()

    def progress(self, phase: str, last: str = "") -> PlanProgress:
        return PlanProgress(
            plan_id=self.plan_id,
            total=len(self.requests),
            done=self._done,
            failed=self._failed,
            phase=phase,
            last=last,
            aborted=self.aborted,
        )

    async def run(self) -> PlanProgress:
        sells = [r for r in self.requests if r.side is Side.SELL]
        buys = [r for r in self.requests if r.side is Side.BUY]
        for phase, batch in (("sells", sells), ("buys", buys)):
            if self.aborted:
                break
            slots = asyncio.Semaphore(self.concurrency)
            start = asyncio.get_running_loop().time()

            async def one(
                request: OrderRequest,
                phase: str = phase,
                slots: asyncio.Semaphore = slots,
                start: float = start,
            ) -> None:
                wait = start + self.schedule.get(request.client_order_id, 0.0)
                wait -= asyncio.get_running_loop().time()
                if wait > 0:
                    await asyncio.sleep(wait)
                async with slots:
                    if self.aborted:
                        return
                    await self._place_one(request, phase)

            async with asyncio.TaskGroup() as group:
                for request in batch:
                    group.create_task(one(request), name=f"plan:{request.client_order_id}")
        final = self.progress("done" if not self.aborted else "aborted")
        self.on_progress(final)
        return final

    async def _place_one(self, request: OrderRequest, phase: str) -> None:
        try:
            order = await self.place(request)
        except CockpitError as exc:
            self.results[request.client_order_id] = str(exc)
            self._failed += 1
            self.on_progress(self.progress(phase, f"{request.client_order_id}: {exc}"))
            return
        self.results[request.client_order_id] = order
        bad = order.status in (OrderStatus.REJECTED, OrderStatus.UNKNOWN)
        if bad:
            self._failed += 1
        else:
            self._done += 1
        self.on_progress(self.progress(phase, f"{order.client_order_id}: {order.status.value}"))
