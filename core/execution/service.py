"""Execution inside the running core: venues, the order manager, safety, plans, commands.

:class:`ExecutionService` is what :class:`~core.service.Core` constructs and calls; all the
execution logic lives here so the core itself only gains a few lines. In paper mode (the
default) every venue's orders go to a :class:`~core.execution.paper.PaperVenue` over that
venue's own books, seeded from its real balances the first time and persisted after; only
``mode: live`` sends orders to the venues themselves.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.errors import CockpitError, GateRefused
from core.execution.emulation import EmulatedSpec, Emulator
from core.execution.manager import FLAG_UPSERT, OrderManager, TradingVenue
from core.execution.paper import LatencyModel, PaperVenue, Persist
from core.execution.planrun import PlanProgress, PlanRun, plan_requests, refuse_reason
from core.execution.plans import CoreMarket, preview
from core.execution.retry import RetryPolicy
from core.execution.safety import Breakers, KillLevel, KillSwitch, flatten_orders
from core.models import (
    BookSnapshot,
    EventKind,
    EventLevel,
    Fill,
    LogEvent,
    Order,
    OrderRequest,
    OrderStatus,
    TradingMode,
    utcnow,
)
from core.plan.models import Plan
from core.store import Store
from core.store.db import to_ns
from core.views import (
    AbortPlan,
    CancelAll,
    CancelOrder,
    Command,
    CommandResult,
    ExecutePlan,
    ExecutionHistory,
    PlaceEmulated,
    PlaceOrder,
    PreviewPlan,
)
from core.views import (
    KillSwitch as KillSwitchCommand,
)

if TYPE_CHECKING:
    from core.service import Core

KILL_KEY = "kill_switch"
PAPER_UPSERT = "INSERT OR REPLACE INTO paper_state (venue, updated_ns, payload) VALUES (?, ?, ?)"
PAPER_ORDER_UPSERT = (
    "INSERT OR REPLACE INTO paper_orders (venue, client_order_id, payload) VALUES (?, ?, ?)"
)


def persist_to(store: Store) -> Persist:
    """A paper account's persistence into ``store``: account and changed orders, one commit."""

    async def persist(venue: str, state: str, changed: Sequence[Order]) -> None:
        store.add(PAPER_UPSERT, (venue, to_ns(utcnow()), state))
        for order in changed:
            row = (venue, order.client_order_id, order.model_dump_json())
            store.add(PAPER_ORDER_UPSERT, row)
        await store.flush()

    return persist


class ExecutionService:
    """Owns the order manager and everything around it for one core."""

    def __init__(self, core: Core, *, rng: random.Random | None = None) -> None:
        self.core = core
        self.config = core.settings.execution
        self.mode = core.settings.mode
        self.kill = KillSwitch()
        self.breakers = Breakers(self.config.breakers)
        self.paper: dict[str, PaperVenue] = {}
        self.unseeded: dict[str, Any] = {}
        """Paper venues whose starting balances could not be read yet -> their source."""
        self.manager: OrderManager | None = None
        self.plans: dict[str, Plan] = {}
        self.current_plan_id: str | None = None
        self.executed: set[str] = set()
        self.plan_runs: dict[str, PlanRun] = {}
        self.plan_tasks: dict[str, asyncio.Task[PlanProgress]] = {}
        self.progress_listeners: list[Callable[[PlanProgress], None]] = []
        self.event_listeners: list[Callable[[LogEvent], None]] = []
        self.progress: PlanProgress | None = None
        self.emulator: Emulator | None = None
        self._rng = rng or random.Random()

    # ------------------------------------------------------------------ start

    async def start(self) -> None:
        """Build the trading venues and the manager, reconcile, then start the loops."""
        core = self.core
        store = core.store
        assert store is not None, "the core opens its store before execution starts"
        venues: dict[str, TradingVenue] = {}
        if self.mode is TradingMode.PAPER:
            for name, source in core.venues.items():
                paper = await self._paper_for(name, source)
                self.paper[name] = paper
                venues[name] = paper
            # On simulated venues the holdings come from the paper accounts, so paper fills show
            # in the portfolio. A live venue's holdings stay its real balances (every location,
            # read-only); its paper account is separate, seeded from its spot balances.
            sims = {v.name for v in core.settings.venues if v.kind == "sim"}
            core.accounts = [
                self.paper[a.venue] if a.venue in sims and a.venue in self.paper else a
                for a in core.accounts
            ]
        else:
            venues = dict(core.venues)
        r = self.config.retry
        self.manager = OrderManager(
            venues,
            store,
            CoreMarket(core),
            limits=self.config.gate,
            policy=RetryPolicy(r.attempts, r.base_s, r.cap_s, r.rate_limit_floor_s),
            rate_per_s=self.config.paper.rate_per_s if self.paper else r.rate_per_s,
            submit_timeout_s=r.submit_timeout_s,
            emit=self._emit,
            rng=self._rng,
            on_error=self._on_venue_error,
        )
        rows = await store.fetch_all("SELECT payload FROM exec_flags WHERE key = ?", (KILL_KEY,))
        if rows:
            self.kill = KillSwitch.from_json(json.loads(rows[0][0]))
            if self.kill.engaged:
                self.manager.disable(
                    KILL_KEY, f"kill switch {self.kill.level.label}: {self.kill.reason}"
                )
        await self.manager.load()
        await self.manager.reconcile(startup=True)
        self.emulator = self._emulator(self.manager, store)
        await self.emulator.load()
        if any(a in self.paper.values() for a in core.accounts):
            await core._poll_balances()  # the portfolio now reads the sim's paper accounts
        for name, venue in venues.items():
            core.spawn(f"exec:user:{name}", self._user_stream(venue))
        core.spawn("exec:reconcile", self._every(self.config.reconcile_s, self._reconcile))
        if self.paper:
            core.spawn("exec:paper", self._every(0.2, self._match_paper))
        core.spawn("exec:emulated", self._every(0.2, self.emulator.tick))

    def _emulator(self, manager: OrderManager, store: Store) -> Emulator:
        market = CoreMarket(self.core)

        class Mids:
            def mid(self, venue: str, symbol: str) -> Decimal | None:
                book = market.book(venue, symbol)
                return book.mid if book is not None else None

        def step_of(request: OrderRequest) -> Decimal | None:
            inst = market.instrument(request.venue, request.symbol)
            return inst.qty_step if inst is not None else None

        return Emulator(manager, Mids(), store, self._emit, step_of)

    async def _paper_for(self, name: str, source: Any) -> PaperVenue:
        store = self.core.store
        assert store is not None
        rows = await store.fetch_all("SELECT payload FROM paper_state WHERE venue = ?", (name,))
        orders = [
            Order.model_validate_json(p)
            for (p,) in await store.fetch_all(
                "SELECT payload FROM paper_orders WHERE venue = ?", (name,)
            )
        ]
        instruments = {i.symbol: i for i in self.core.instruments.values() if i.venue == name}
        p = self.config.paper

        persist = persist_to(store)

        paper = PaperVenue(
            name,
            lambda symbol: source.book(symbol, 50),
            instruments,
            {},
            latency=LatencyModel(p.latency_ms, p.jitter_ms, seed=self._rng.randrange(1 << 30)),
            persist=persist,
            state=rows[0][0] if rows else None,
            orders=orders,
        )
        if not rows:
            if any(v.name == name and v.kind == "sim" for v in self.core.settings.venues):
                await self._seed_paper(paper, source)
            else:
                # A live account is read by the first paper tick, not here: start-up never
                # waits on (or fails with) a venue's REST API.
                self.unseeded[name] = source
        return paper

    async def _seed_paper(self, paper: PaperVenue, source: Any) -> None:
        """Start a new paper account from the venue's spot balances (retried until it works)."""
        try:
            balances = await source.fetch_balances()
        except CockpitError as exc:
            self._emit(
                LogEvent(
                    ts=utcnow(),
                    kind=EventKind.SYSTEM,
                    level=EventLevel.WARNING,
                    message=f"paper {paper.venue}: cannot read balances to start from ({exc}); "
                    "retrying",
                    venue=paper.venue,
                )
            )
            self.unseeded[paper.venue] = source
            return
        spot = paper.location.id
        await paper.seed({b.asset: b.total for b in balances if b.location_id == spot})
        self.unseeded.pop(paper.venue, None)

    @property
    def trading_enabled(self) -> bool:
        return self.manager is not None and self.manager.trading_enabled

    @property
    def disabled_reason(self) -> str | None:
        return self.manager.disabled_reason if self.manager else "execution not started"

    # ------------------------------------------------------------------ loops

    async def _every(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            await job()

    async def _user_stream(self, venue: TradingVenue) -> None:
        assert self.manager is not None
        async for event in venue.user_stream():
            await self.manager.on_user_event(event)
            if isinstance(event, Fill):
                self.core.portfolio.on_fill(event)  # the holdings' cost basis
            await self.core._poll_balances()  # holdings follow fills at once

    async def _reconcile(self) -> None:
        assert self.manager is not None
        # Until a start-up pass has completed, each pass is one (trading waits for it).
        counts = await self.manager.reconcile(startup=not self.manager.reconciled)
        if counts["unreachable"]:
            self._on_venue_error(
                CockpitError(f"reconciliation: {counts['unreachable']} unreachable")
            )
        now = utcnow()
        trips = [self.breakers.on_value(CoreMarket(self.core).portfolio_usd(), now)]
        for name in self.manager.venue_names:
            source = self.core.venues.get(name)
            if source is not None:
                trips.append(self.breakers.on_feed_age(name, source.health().age_s(now)))
        for reason in trips:
            if reason:
                await self.engage(KillLevel.PAUSED, f"breaker: {reason}", actor="breaker")

    async def _match_paper(self) -> None:
        for name, source in list(self.unseeded.items()):
            await self._seed_paper(self.paper[name], source)
        for paper in self.paper.values():
            await paper.check_resting()

    def _on_venue_error(self, exc: BaseException) -> None:
        reason = self.breakers.on_error(utcnow())
        if reason and self.kill.level < KillLevel.PAUSED:
            self.core.spawn(
                "exec:breaker", self.engage(KillLevel.PAUSED, f"breaker: {reason}", actor="breaker")
            )

    def _emit(self, event: LogEvent) -> None:
        for listener in self.event_listeners:
            listener(event)
        fields = event.model_dump(exclude={"ts", "kind", "level", "message"}, exclude_none=True)
        self.core.log_event(event.kind, event.message, level=event.level, **fields)

    # ------------------------------------------------------------------ kill switch

    async def engage(
        self, level: KillLevel | None, reason: str, *, actor: str = "operator"
    ) -> KillLevel:
        """Escalate the kill switch (to ``level``, or one step) and carry out that level."""
        assert self.manager is not None
        target = (
            level if level is not None else KillLevel(min(self.kill.level + 1, KillLevel.FLATTENED))
        )
        await self.manager.audit.append(
            "kill_switch.engage", actor, {"level": target.label, "reason": reason}
        )
        if not self.kill.escalate(target, reason, utcnow()):
            return self.kill.level
        self.manager.disable(KILL_KEY, f"kill switch {target.label}: {reason}")
        await self._save_kill()
        for run in self.plan_runs.values():
            run.abort()
        self._emit(
            LogEvent(
                ts=utcnow(),
                kind=EventKind.ALERT,
                level=EventLevel.ALERT,
                message=f"kill switch → {target.label} ({reason})",
            )
        )
        if target >= KillLevel.CANCELLED:
            await self.manager.cancel_all(actor=actor)
        if target >= KillLevel.FLATTENED:
            await self._flatten(actor)
        return self.kill.level

    async def _flatten(self, actor: str) -> None:
        assert self.manager is not None
        free = {
            venue: {a: b.free for a, b in rows.items()}
            for venue, rows in self.manager.balances.items()
        }
        prefix = f"flat-{to_ns(utcnow())}"
        orders = flatten_orders(
            free, self.core.instruments.values(), self.config.breakers.flatten_to, prefix=prefix
        )
        for request in orders:
            try:
                await self.manager.place(request, actor=actor, override=KILL_KEY)
            except GateRefused as exc:
                self._emit(
                    LogEvent(
                        ts=utcnow(),
                        kind=EventKind.ALERT,
                        level=EventLevel.WARNING,
                        message=f"flatten {request.symbol} refused: {exc}",
                        venue=request.venue,
                        symbol=request.symbol,
                    )
                )

    async def rearm(self, *, actor: str = "operator") -> None:
        assert self.manager is not None
        await self.manager.audit.append("kill_switch.rearm", actor, {"was": self.kill.level.label})
        self.kill.rearm()
        self.breakers.errors.clear()
        self.breakers.peak_day = None
        self.manager.enable(KILL_KEY)
        await self._save_kill()
        self._emit(LogEvent(ts=utcnow(), kind=EventKind.SYSTEM, message="kill switch re-armed"))

    async def _save_kill(self) -> None:
        store = self.core.store
        assert store is not None
        await store.add_durable(FLAG_UPSERT, (KILL_KEY, json.dumps(self.kill.to_json())))

    # ------------------------------------------------------------------ plans

    def offer_plan(self, plan: Plan) -> None:
        """Make ``plan`` the current plan (the one the operator sees and may execute)."""
        self.plans[plan.id] = plan
        self.current_plan_id = plan.id

    def _core_plan(self) -> Plan | None:
        """The plan the core's planner currently shows (what the plan pane displays)."""
        built = getattr(getattr(self.core, "planner", None), "current", None)
        plan = getattr(built, "plan", None)
        return plan if isinstance(plan, Plan) else None

    def _sync_current(self) -> None:
        plan = self._core_plan()
        if plan is not None and plan.id not in self.executed and plan.id != self.current_plan_id:
            self.offer_plan(plan)

    async def current_plan(self, plan_id: str | None = None) -> Plan:
        """The plan ``plan_id`` (it must be current), or the current one, freshly built.

        The core's planner owns the current plan (the one the plan pane shows); asking for
        "the current plan" regenerates it on the live books first.
        """
        self._sync_current()
        if plan_id is not None:
            plan = self.plans.get(plan_id)
            if plan is None or plan_id != self.current_plan_id:
                raise GateRefused("plan", f"plan {plan_id} is not the current plan")
            return plan
        result = await self.core.regenerate_plan()
        self._sync_current()
        if not result.ok or self.current_plan_id is None:
            raise GateRefused("plan", result.message or "no plan")
        return self.plans[self.current_plan_id]

    async def execute_plan(self, plan_id: str, *, actor: str = "operator") -> PlanRun:
        """Check, audit and start a plan; returns the run (its task runs in the core)."""
        assert self.manager is not None
        self._sync_current()
        if plan_id in self.executed:
            raise GateRefused("plan", f"plan {plan_id} was already executed")
        plan = self.plans.get(plan_id)
        if plan is None:
            raise GateRefused("plan", f"unknown plan {plan_id}")
        now = utcnow()
        reason = refuse_reason(plan, self.current_plan_id, now)
        if reason is None:
            books = [b for k in plan.reference_mids if (b := self._book(k)) is not None]
            stale = plan.staleness(books, now)
            reason = "; ".join(stale.reasons) if stale.stale else None
        if reason is None and not self.manager.trading_enabled:
            reason = self.manager.disabled_reason
        if reason is not None:
            await self.manager.audit.append(
                "plan.refused", actor, {"plan_id": plan_id, "reason": reason}
            )
            raise GateRefused("plan", reason)
        await self.manager.audit.append(
            "plan.execute", actor, {"plan_id": plan_id, "orders": len(plan.orders)}
        )
        manager = self.manager
        requests, schedule = plan_requests(
            plan, self.core.instruments, self.config.twap_slice_usd, self.config.twap_interval_s
        )
        run = PlanRun(
            plan_id,
            requests,
            lambda r: manager.place(r, actor=f"plan:{plan_id}"),
            concurrency=self.config.plan_concurrency,
            on_progress=self._on_progress,
            schedule=schedule,
        )
        self.plan_runs[plan_id] = run
        self.current_plan_id = None  # a plan runs once
        self.executed.add(plan_id)
        self.plan_tasks[plan_id] = self.core.spawn(f"plan:{plan_id}", run.run())
        return run

    def abort_plans(self) -> int:
        running = [r for r in self.plan_runs.values() if not r.progress("").finished]
        for run in running:
            run.abort()
        return len(running)

    def _book(self, key: str) -> BookSnapshot | None:
        venue, _, symbol = key.partition(":")
        return CoreMarket(self.core).book(venue, symbol)

    def _on_progress(self, progress: PlanProgress) -> None:
        self.progress = progress
        for listener in self.progress_listeners:
            listener(progress)
        self._emit(
            LogEvent(
                ts=utcnow(),
                kind=EventKind.PLAN,
                level=EventLevel.WARNING if progress.failed else EventLevel.INFO,
                message=f"plan {progress.plan_id} {progress.phase}: {progress.done}/"
                f"{progress.total} done, {progress.failed} failed"
                + (f" — {progress.last}" if progress.last else ""),
            )
        )

    # ------------------------------------------------------------------ commands

    async def handle(self, command: Command, *, actor: str = "operator") -> CommandResult | None:
        """Carry out an execution command; ``None`` for commands that are not ours.

        ``actor`` names who sent it in every audit row the command causes (the daemon passes
        the control-socket client's identity); plan and emulated orders are audited as
        ``plan:<id>``/``emulated:<id>`` after an ``plan.execute``/``emulated.place`` row that
        names the actor.
        """
        manager = self.manager
        if manager is None:
            return None
        try:
            if isinstance(command, PlaceOrder):
                order = await manager.place(command.request, actor=actor)
                ok = order.status not in (OrderStatus.REJECTED, OrderStatus.UNKNOWN)
                detail = f" ({order.reason})" if order.reason and not ok else ""
                return CommandResult(
                    ok=ok, message=f"{order.client_order_id} {order.status.value}{detail}"
                )
            if isinstance(command, CancelOrder):
                order = await manager.cancel(
                    command.venue, command.symbol, command.client_order_id, actor=actor
                )
                return CommandResult(
                    ok=True, message=f"{order.client_order_id} {order.status.value}"
                )
            if isinstance(command, CancelAll):
                await manager.audit.append("operator.cancel_all", actor, {"venue": command.venue})
                count = await manager.cancel_all(command.venue, actor=actor)
                return CommandResult(ok=True, message=f"cancelled {count} order(s)")
            if isinstance(command, KillSwitchCommand):
                if not command.engage:
                    await self.rearm(actor=actor)
                    return CommandResult(ok=True, message="kill switch re-armed")
                level = KillLevel(command.level) if command.level else None
                now = await self.engage(level, command.reason or "operator", actor=actor)
                return CommandResult(ok=True, message=f"kill switch {now.label}")
            if isinstance(command, PreviewPlan):
                plan = await self.current_plan(command.plan_id)
                return CommandResult(ok=True, message=plan.id, data=preview(plan, self.mode))
            if isinstance(command, AbortPlan):
                await manager.audit.append("plan.abort", actor, {})
                return CommandResult(ok=True, message=f"aborted {self.abort_plans()} plan run(s)")
            if isinstance(command, PlaceEmulated) and self.emulator is not None:
                spec = EmulatedSpec.model_validate(command.model_dump(exclude={"kind"}))
                await manager.audit.append("emulated.place", actor, spec.model_dump(mode="json"))
                working = await self.emulator.add(spec)
                return CommandResult(
                    ok="refused" not in working.outcome,
                    message=f"{spec.type} {working.id}: {working.outcome or 'armed'}",
                )
            if isinstance(command, ExecutionHistory):
                from core.execution.history import load_history

                view = await load_history(manager.store, utcnow(), command.limit)
                return CommandResult(
                    ok=True, message=f"{view.fills} fills", data=view.model_dump(mode="json")
                )
            if isinstance(command, ExecutePlan):
                run = await self.execute_plan(command.plan_id, actor=actor)
                return CommandResult(
                    ok=True, message=f"plan {run.plan_id}: {len(run.requests)} orders started"
                )
        except (CockpitError, ValueError) as exc:
            return CommandResult(ok=False, message=str(exc))
        return None
