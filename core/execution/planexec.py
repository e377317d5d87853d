"""Plans in a running core: which plan is current, the checks before one runs, its progress.

The core's planner owns the plan the plan pane shows; the operator (or a schedule) may
execute that plan and only that plan, once. Before a run starts it is refused, and the
refusal audited, when the plan is not current, has expired, was built on books that moved or
went stale, or trading is disabled. A run places its orders through the order manager (so
each one passes the gate) as a task of the core; its progress goes to listeners and the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.errors import GateRefused
from core.execution.manager import OrderManager
from core.execution.planrun import (
    PlanProgress,
    PlanRun,
    not_sent,
    plan_requests,
    refuse_reason,
)
from core.execution.plans import CoreMarket
from core.execution.ports import EventSink
from core.execution.settings import ExecutionConfig
from core.models import BookSnapshot, EventKind, EventLevel, LogEvent, utcnow
from core.plan.models import Plan

if TYPE_CHECKING:
    from core.service import Core


class PlanExecutor:
    """The plans offered for execution, the ones already run, and their runs."""

    def __init__(self, core: Core, config: ExecutionConfig, emit: EventSink) -> None:
        self.core = core
        self.config = config
        self.plans: dict[str, Plan] = {}
        self.current_plan_id: str | None = None
        self.executed: set[str] = set()
        self.plan_runs: dict[str, PlanRun] = {}
        self.plan_tasks: dict[str, asyncio.Task[PlanProgress]] = {}
        self.progress_listeners: list[Callable[[PlanProgress], None]] = []
        self.progress: PlanProgress | None = None
        """The latest progress of any run."""
        self._emit = emit

    def offer(self, plan: Plan) -> None:
        """Make ``plan`` the current plan (the one the operator sees and may execute)."""
        self.plans[plan.id] = plan
        self.current_plan_id = plan.id

    def _core_plan(self) -> Plan | None:
        """The plan the core's planner currently shows (what the plan pane displays)."""
        built = self.core.analytics.planner.current
        return built.plan if built is not None else None

    def _sync_current(self) -> None:
        plan = self._core_plan()
        if plan is not None and plan.id not in self.executed and plan.id != self.current_plan_id:
            self.offer(plan)

    async def current(self, plan_id: str | None = None) -> Plan:
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
        result = await self.core.analytics.regenerate_plan()
        self._sync_current()
        if not result.ok or self.current_plan_id is None:
            raise GateRefused("plan", result.message or "no plan")
        return self.plans[self.current_plan_id]

    async def execute(self, manager: OrderManager, plan_id: str, *, actor: str) -> PlanRun:
        """Check, audit and start a plan on ``manager``; returns the run (a task of the core)."""
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
        if reason is None and not manager.trading_enabled:
            reason = manager.disabled_reason
        if reason is not None:
            await manager.audit.append(
                "plan.refused", actor, {"plan_id": plan_id, "reason": reason}
            )
            raise GateRefused("plan", reason)
        await manager.audit.append(
            "plan.execute", actor, {"plan_id": plan_id, "orders": len(plan.orders)}
        )
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
        run.results.update(not_sent(plan))
        self.plan_runs[plan_id] = run
        self.current_plan_id = None  # a plan runs once
        self.executed.add(plan_id)
        self.plan_tasks[plan_id] = self.core.spawn(f"plan:{plan_id}", run.run())
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
