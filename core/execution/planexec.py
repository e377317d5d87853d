"""Plans in a running core: which plan is current, the checks before one runs, its progress.

The core's planner owns the plan the plan pane shows (the :class:`CurrentPlan` port); the
operator (or a schedule) may execute that plan and only that plan, once. The executor keeps
no copy of the current plan: only the plans that ran and their runs. Before a run starts it
is refused, and the refusal audited, when the plan is not current, has expired, was built on
books that moved or went stale, or trading is disabled. A run places its orders through the
order manager (so each one passes the gate) as a task of the core; its progress goes to
listeners and the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from core.errors import GateRefused
from core.execution.manager import OrderManager
from core.execution.planrun import (
    PlanProgress,
    PlanRun,
    not_sent,
    plan_requests,
    refuse_reason,
)
from core.execution.ports import CurrentPlan, EventSink, MarketView, Spawn
from core.execution.settings import ExecutionConfig
from core.models import BookSnapshot, EventKind, EventLevel, Instrument, LogEvent, utcnow
from core.plan.models import Plan


class PlanExecutor:
    """The plans already run and their runs; the current plan is the planner's."""

    def __init__(
        self,
        config: ExecutionConfig,
        emit: EventSink,
        *,
        planner: CurrentPlan,
        market: MarketView,
        instruments: Mapping[str, Instrument],
        spawn: Spawn,
    ) -> None:
        self.config = config
        self.executed: dict[str, Plan] = {}
        """Plans sent to execution, by id (a plan runs once)."""
        self.plan_runs: dict[str, PlanRun] = {}
        self.plan_tasks: dict[str, asyncio.Task[PlanProgress]] = {}
        self.progress_listeners: list[Callable[[PlanProgress], None]] = []
        self.progress: PlanProgress | None = None
        """The latest progress of any run."""
        self._emit = emit
        self._planner = planner
        self._market = market
        self._instruments = instruments
        self._spawn = spawn

    def _current(self) -> Plan | None:
        """The plan the pane shows, unless it already ran (then nothing is current)."""
        plan = self._planner.current_plan()
        return plan if plan is not None and plan.id not in self.executed else None

    async def current(self, plan_id: str | None = None) -> Plan:
        """The plan ``plan_id`` (it must be current), or the current one, freshly built.

        The core's planner owns the current plan (the one the plan pane shows); asking for
        "the current plan" regenerates it on the live books first.
        """
        if plan_id is not None:
            plan = self._current()
            if plan is None or plan.id != plan_id:
                raise GateRefused("plan", f"plan {plan_id} is not the current plan")
            return plan
        result = await self._planner.regenerate_plan()
        plan = self._current()
        if not result.ok or plan is None:
            raise GateRefused("plan", result.message or "no plan")
        return plan

    async def execute(self, manager: OrderManager, plan_id: str, *, actor: str) -> PlanRun:
        """Check, audit and start a plan on ``manager``; returns the run (a task of the core)."""
        if plan_id in self.executed:
            raise GateRefused("plan", f"plan {plan_id} was already executed")
        current = self._current()
        now = utcnow()
        plan = current if current is not None and current.id == plan_id else None
        # A plan the pane no longer shows is refused (and the refusal audited) like any other.
        reason = (
            refuse_reason(plan, plan_id, now) if plan else f"plan {plan_id} is not the current plan"
        )
        if reason is None and plan is not None:
            books = [b for k in plan.reference_mids if (b := self._book(k)) is not None]
            stale = plan.staleness(books, now)
            reason = "; ".join(stale.reasons) if stale.stale else None
        if reason is None and not manager.trading_enabled:
            reason = manager.disabled_reason
        if reason is not None:
            await manager.audit.append(
                "plan.refused", actor, {"plan_id": plan_id, "reason": reason}
            )
            raise GateRefused("plan", reason)
        assert plan is not None
        await manager.audit.append(
            "plan.execute", actor, {"plan_id": plan_id, "orders": len(plan.orders)}
        )
        requests, schedule = plan_requests(
            plan, self._instruments, self.config.twap_slice_usd, self.config.twap_interval_s
        )
        run = PlanRun(
            plan_id,
            requests,
            lambda r: manager.place(r, actor=f"plan:{plan_id}"),
            concurrency=self.config.plan_concurrency,
            on_progress=self._on_progress,
            schedule=schedule,
        )
        run.results.update(not_sent(plan))
        self.plan_runs[plan_id] = run
        self.executed[plan_id] = plan  # a plan runs once
        self.plan_tasks[plan_id] = self._spawn(f"plan:{plan_id}", run.run())
        return run

    def abort_running(self) -> int:
        """Stop every unfinished run from placing more orders; returns how many there were."""
        running = [r for r in self.plan_runs.values() if not r.progress("").finished]
        for run in running:
            run.abort()
        return len(running)

    def abort_all(self) -> None:
        """Abort every run, finished or not (the kill switch: nothing may resume)."""
        for run in self.plan_runs.values():
            run.abort()

    def _book(self, key: str) -> BookSnapshot | None:
        venue, _, symbol = key.partition(":")
        return self._market.book(venue, symbol)

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
