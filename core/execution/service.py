"""Execution inside the running core: venues, the order manager, safety, plans, commands.

:class:`ExecutionService` is what the core constructs and calls: it starts the trading
venues and the order manager, runs the execution loops and carries out execution commands.
It is handed the narrow things it uses (the venues and instruments, the gate's market view,
the accounts the portfolio shows, the current plan, an event sink, a task spawner), never
the core itself. Its parts live beside it: the paper
accounts (:mod:`.paper_accounts`), the kill switch and breakers (:mod:`.killswitch`) and plan
execution (:mod:`.planexec`). In paper mode (the default) every venue's orders go to a
:class:`~core.execution.paper_venue.PaperVenue` over that venue's own books, seeded from its real
balances the first time and persisted after; only ``mode: live`` sends orders to the venues
themselves.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from core.answers import OrderList
from core.config import Settings
from core.errors import CockpitError
from core.execution import auditguard
from core.execution.armed import ArmedOrder, armed_orders
from core.execution.emulation import EmulatedSpec, Emulator
from core.execution.killswitch import SafetyControl
from core.execution.manager import OrderManager
from core.execution.paper_accounts import PaperAccounts
from core.execution.paper_holdings import LivePaperHoldings
from core.execution.paper_venue import PaperVenue
from core.execution.plan_preview import preview
from core.execution.planexec import PlanExecutor
from core.execution.planrun import PlanProgress, PlanRun
from core.execution.ports import CurrentPlan, MarketView, ShownAccounts, Spawn, TradingVenue
from core.execution.retry import RetryPolicy
from core.execution.safety import KillLevel, KillSwitch
from core.models import (
    Fill,
    Instrument,
    LogEvent,
    OrderRequest,
    OrderStatus,
    TradingMode,
    utcnow,
)
from core.plan.models import Plan
from core.ports import AccountPort, Venue
from core.store import Store
from core.views import (
    AbortPlan,
    AcknowledgeAudit,
    CancelAll,
    CancelOrder,
    Command,
    CommandResult,
    ExecutePlan,
    ExecutionHistory,
    ListOrders,
    PlaceEmulated,
    PlaceOrder,
    PlanStatus,
    PreviewPlan,
)
from core.views import (
    KillSwitch as KillSwitchCommand,
)


class ExecutionService:
    """Owns the order manager and everything around it for one core."""

    def __init__(
        self,
        settings: Settings,
        venues: Mapping[str, Venue],
        instruments: Mapping[str, Instrument],
        *,
        market: MarketView,
        accounts: ShownAccounts,
        planner: CurrentPlan,
        on_fill: Callable[[Fill], None],
        emit: Callable[[LogEvent], None],
        spawn: Spawn,
        rng: random.Random | None = None,
    ) -> None:
        self.config = settings.execution
        self.mode = settings.mode
        self._sims = {v.name for v in settings.venues if v.kind == "sim"}
        self._venues = venues
        self._instruments = instruments
        self._market = market
        self._accounts = accounts
        self._on_fill = on_fill
        self._sink = emit
        self._spawn = spawn
        self.papers: PaperAccounts | None = None
        """The paper accounts (paper mode, once started)."""
        self.manager: OrderManager | None = None
        self.plan_executor = PlanExecutor(
            self.config,
            self._emit,
            planner=planner,
            market=market,
            instruments=instruments,
            spawn=spawn,
        )
        self.safety = SafetyControl(
            self.config.breakers,
            emit=self._emit,
            spawn=spawn,
            instruments=lambda: instruments.values(),
            on_engage=self.plan_executor.abort_all,
        )
        self.event_listeners: list[Callable[[LogEvent], None]] = []
        self.emulator: Emulator | None = None
        self._rng = rng or random.Random()

    # ------------------------------------------------------------------ start

    async def start(self, store: Store) -> None:
        """Build the trading venues and the manager, reconcile, then start the loops."""
        venues: dict[str, TradingVenue] = {}
        shown = self._accounts
        if self.mode is TradingMode.PAPER:
            self.papers = PaperAccounts(store, self.config.paper, rng=self._rng, emit=self._emit)
            sims = self._sims
            for name, source in self._venues.items():
                venues[name] = await self.papers.open(
                    name, source, self._instruments.values(), sim=name in sims
                )
            # The holdings show what trades: a simulated venue's paper account; a live venue's
            # paper account at its spot location and its real balances elsewhere. The real
            # balances behind a paper account are shown apart (AccountBalances.real).
            shown.accounts = [self._paper_holdings(a, sims) for a in shown.accounts]
        else:
            venues = dict(self._venues)
        r = self.config.retry
        self.manager = OrderManager(
            venues,
            store,
            self._market,
            limits=self.config.gate,
            policy=RetryPolicy(r.attempts, r.base_s, r.cap_s, r.rate_limit_floor_s),
            rate_per_s=self.config.paper.rate_per_s if self.paper else r.rate_per_s,
            submit_timeout_s=r.submit_timeout_s,
            emit=self._emit,
            rng=self._rng,
            on_error=self.safety.on_venue_error,
        )
        await auditguard.check_at_start(self.manager, self._emit)  # before anything is audited
        await self.safety.restore(self.manager, store)
        await self.manager.load()
        await self.manager.reconcile(startup=True)
        self.emulator = self._emulator(self.manager, store)
        await self.emulator.load()
        if any(a in self.paper.values() for a in shown.accounts):
            await shown.poll()  # the portfolio now reads the sim's paper accounts
        for name, venue in venues.items():
            self._spawn(f"exec:user:{name}", self._user_stream(venue))
        self._spawn("exec:reconcile", self._every(self.config.reconcile_s, self._reconcile))
        if self.papers is not None and self.paper:
            self._spawn("exec:paper", self._every(0.2, self.papers.tick))
        self._spawn("exec:emulated", self._every(0.2, self.emulator.tick))

    def _paper_holdings(self, account: AccountPort, sims: set[str]) -> AccountPort:
        """The account the portfolio reads in paper mode in place of ``account``."""
        paper = self.paper.get(account.venue)
        if paper is None or account is not self._venues.get(account.venue):
            return account  # a wallet, or a venue without a paper account
        if account.venue in sims:
            return paper
        name = account.venue
        return LivePaperHoldings(paper, account, waiting=lambda: name in self.unseeded)

    def _emulator(self, manager: OrderManager, store: Store) -> Emulator:
        market = self._market

        class Mids:
            def mid(self, venue: str, symbol: str) -> Decimal | None:
                book = market.book(venue, symbol)
                return book.mid if book is not None else None

        def step_of(request: OrderRequest) -> Decimal | None:
            inst = market.instrument(request.venue, request.symbol)
            return inst.qty_step if inst is not None else None

        return Emulator(manager, Mids(), store, self._emit, step_of)

    # ------------------------------------------------------------------ state

    @property
    def trading_enabled(self) -> bool:
        return self.manager is not None and self.manager.trading_enabled

    @property
    def disabled_reason(self) -> str | None:
        return self.manager.disabled_reason if self.manager else "execution not started"

    @property
    def paper(self) -> dict[str, PaperVenue]:
        """The paper venue of each venue, by name (empty in live mode)."""
        return self.papers.venues if self.papers is not None else {}

    @property
    def unseeded(self) -> dict[str, Any]:
        """Paper venues whose starting balances could not be read yet -> their source."""
        return self.papers.unseeded if self.papers is not None else {}

    @property
    def kill(self) -> KillSwitch:
        return self.safety.kill

    @property
    def executed(self) -> Mapping[str, Plan]:
        """Plans already run, by id (a plan runs once)."""
        return self.plan_executor.executed

    @property
    def plan_runs(self) -> dict[str, PlanRun]:
        return self.plan_executor.plan_runs

    @property
    def plan_tasks(self) -> dict[str, asyncio.Task[PlanProgress]]:
        return self.plan_executor.plan_tasks

    @property
    def progress_listeners(self) -> list[Callable[[PlanProgress], None]]:
        return self.plan_executor.progress_listeners

    @property
    def progress(self) -> PlanProgress | None:
        """The latest progress of any plan run."""
        return self.plan_executor.progress

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
                self._on_fill(event)  # the holdings' cost basis
            await self._accounts.poll()  # holdings follow fills at once

    async def _reconcile(self) -> None:
        assert self.manager is not None
        # Until a start-up pass has completed, each pass is one (trading waits for it).
        counts = await self.manager.reconcile(startup=not self.manager.reconciled)
        if counts["unreachable"]:
            self.safety.on_venue_error(
                CockpitError(f"reconciliation: {counts['unreachable']} unreachable")
            )
        now = utcnow()
        portfolio_usd = self._market.portfolio_usd()
        ages = {
            name: source.health().age_s(now)
            for name in self.manager.venue_names
            if (source := self._venues.get(name)) is not None
        }
        await self.safety.check(portfolio_usd, ages, now)

    def _emit(self, event: LogEvent) -> None:
        for listener in self.event_listeners:
            listener(event)
        self._sink(event)

    # ------------------------------------------------------------------ plans

    async def current_plan(self, plan_id: str | None = None) -> Plan:
        """The plan ``plan_id`` (it must be current), or the current one, freshly built."""
        return await self.plan_executor.current(plan_id)

    async def execute_plan(self, plan_id: str, *, actor: str = "operator") -> PlanRun:
        """Check, audit and start a plan; returns the run (its task runs in the core)."""
        assert self.manager is not None
        return await self.plan_executor.execute(self.manager, plan_id, actor=actor)

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
            if isinstance(command, CancelOrder) and self._is_armed(command):
                return await self._disarm(manager, command, actor)
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
                    await self.safety.rearm(actor=actor)
                    return CommandResult(ok=True, message="kill switch re-armed")
                level = KillLevel(command.level) if command.level else None
                now = await self.safety.engage(level, command.reason or "operator", actor=actor)
                return CommandResult(ok=True, message=f"kill switch {now.label}")
            if isinstance(command, AcknowledgeAudit):
                ok, message = await auditguard.acknowledge(
                    manager, self._emit, actor=actor, note=command.note
                )
                return CommandResult(ok=ok, message=message)
            if isinstance(command, PreviewPlan):
                plan = await self.current_plan(command.plan_id)
                return CommandResult(ok=True, message=plan.id, data=preview(plan, self.mode))
            if isinstance(command, AbortPlan):
                await manager.audit.append("plan.abort", actor, {})
                return CommandResult(
                    ok=True, message=f"aborted {self.plan_executor.abort_running()} plan run(s)"
                )
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
                return CommandResult(ok=True, message=f"{view.fills} fills", data=view)
            if isinstance(command, ListOrders):
                orders = await manager.store.orders(include_final=command.include_final)
                return CommandResult(
                    ok=True,
                    message=f"{len(orders)} order(s)",
                    data=OrderList(
                        mode=self.mode,
                        orders=tuple(orders),
                        include_final=command.include_final,
                        armed=self.armed_orders(),
                    ),
                )
            if isinstance(command, PlanStatus):
                status = self.plan_status(command.plan_id)
                return CommandResult(ok=True, message=status.phase, data=status)
            if isinstance(command, ExecutePlan):
                run = await self.execute_plan(command.plan_id, actor=actor)
                return CommandResult(
                    ok=True, message=f"plan {run.plan_id}: {len(run.requests)} orders started"
                )
        except (CockpitError, ValueError) as exc:
            return CommandResult.failure(exc)
        return None

    # ------------------------------------------------------------------ armed orders

    def armed_orders(self, previous: tuple[ArmedOrder, ...] = ()) -> tuple[ArmedOrder, ...]:
        """Client-side orders waiting for their trigger; ``previous`` while unchanged."""
        armed = armed_orders(self.emulator.working.values()) if self.emulator else ()
        return previous if armed == previous else armed

    def _is_armed(self, command: CancelOrder) -> bool:
        return self.emulator is not None and command.client_order_id in self.emulator.working

    async def _disarm(
        self, manager: OrderManager, command: CancelOrder, actor: str
    ) -> CommandResult:
        """``CancelOrder`` naming an armed client-side order disarms it (audited first)."""
        assert self.emulator is not None
        request = self.emulator.working[command.client_order_id].spec.request
        if (request.venue, request.symbol) != (command.venue, command.symbol):
            raise CockpitError(
                f"{command.client_order_id} is armed on {request.venue} {request.symbol},"
                f" not {command.venue} {command.symbol}",
                title="Wrong market",
            )
        await manager.audit.append("emulated.disarm", actor, command.model_dump(mode="json"))
        working = await self.emulator.disarm(command.client_order_id, actor=actor)
        return CommandResult(ok=True, message=f"{working.spec.type} {working.id} disarmed")

    def plan_status(self, plan_id: str) -> PlanProgress:
        """How far the run of ``plan_id`` has got (its final progress once it has ended)."""
        run = self.plan_runs.get(plan_id)
        if run is None:
            raise CockpitError(f"no run of plan {plan_id} in this session", title="Unknown plan")
        task = self.plan_tasks.get(plan_id)
        latest = self.progress
        if task is not None and task.done() and not task.cancelled() and not task.exception():
            progress = task.result()
        elif latest is not None and latest.plan_id == plan_id:
            progress = latest
        else:
            progress = run.progress("starting")
        return progress
