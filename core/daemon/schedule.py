"""Scheduled rebalancing in the daemon (``daemon.schedule``), under the pre-trade gate.

Each configured :class:`~core.daemon.settings.ScheduleJob` runs on its own named core task.
A run regenerates the plan for the job's preset on the live books, then either logs what it
would trade (``dry-run``) or executes it through the execution service's ``execute_plan`` (the
path an operator's ``ExecutePlan`` takes: plan checks, pre-trade gate on every order, audit row
with the actor ``schedule:<name>``). A run is refused, audited and logged while trading is
disabled (kill switch, reconciliation, breaker) or while the job's previous plan still runs.

Time comes from a :class:`Clock` so tests drive schedules without waiting; missed runs (the
daemon was down) are not caught up: the next run is the next due time after now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from cronsim import CronSim

from core.answers import PlanPreview
from core.daemon.settings import ScheduleJob
from core.errors import CockpitError
from core.models import EventKind, EventLevel, utcnow
from core.views import PreviewPlan, RegeneratePlan

if TYPE_CHECKING:
    from core.service import Core

log = logging.getLogger(__name__)

Outcome = Literal["dry-run", "executed", "refused", "failed", "nothing"]


class Clock(Protocol):
    """Where the scheduler reads the time and waits for it."""

    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime) -> None: ...


class WallClock:
    """The real clock: aware UTC time, ``asyncio.sleep`` until a moment."""

    def now(self) -> datetime:
        return utcnow()

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - utcnow()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


def next_due(job: ScheduleJob, after: datetime) -> datetime:
    """The first time strictly after ``after`` at which ``job`` runs (UTC)."""
    if job.every_s is not None:
        return after + timedelta(seconds=job.every_s)
    assert job.cron is not None  # the model requires one trigger
    return next(CronSim(job.cron, after))


@dataclass(frozen=True, slots=True)
class JobRun:
    """What one run of a job did (also logged, journaled as an event and audited)."""

    job: str
    at: datetime
    outcome: Outcome
    message: str
    plan_id: str | None = None
    orders: int = 0


class Scheduler:
    """Runs a core's scheduled jobs; ``start()`` spawns one task per job."""

    def __init__(self, core: Core, jobs: Sequence[ScheduleJob], clock: Clock | None = None) -> None:
        self.core = core
        self.jobs = tuple(jobs)
        self.clock: Clock = clock or WallClock()
        self.runs: list[JobRun] = []
        self.ran = asyncio.Condition()
        """Notified after every run (tests wait on it)."""
        self._last_plan: dict[str, str] = {}
        self._one_at_a_time = asyncio.Lock()  # jobs due together must not interleave plans

    def start(self) -> None:
        for job in self.jobs:
            self.core.spawn(f"schedule:{job.name}", self._loop(job))
        if self.jobs:
            log.info("scheduled jobs: %s", ", ".join(_describe(j) for j in self.jobs))

    async def _loop(self, job: ScheduleJob) -> None:
        due = next_due(job, self.clock.now())
        while True:
            await self.clock.sleep_until(due)
            await self.run_once(job)
            due = next_due(job, max(due, self.clock.now()))

    async def run_once(self, job: ScheduleJob) -> JobRun:
        """One run of ``job`` now: refuse, dry-run or execute; record what happened."""
        async with self._one_at_a_time:
            at = self.clock.now()
            try:
                run = await self._run(job, at)
            except CockpitError as exc:
                run = JobRun(job.name, at, "failed", str(exc))
            await self._record(job, run)
            return run

    async def _run(self, job: ScheduleJob, at: datetime) -> JobRun:
        service = self.core.execution
        if service is None or service.manager is None:
            return JobRun(job.name, at, "refused", "execution not started")
        actor = f"schedule:{job.name}"
        refusal = self._refusal(job)
        if refusal is not None:
            await service.manager.audit.append(
                "schedule.refused", actor, {"job": job.name, "reason": refusal}
            )
            return JobRun(job.name, at, "refused", refusal)
        built = await self.core.execute(RegeneratePlan(preset=job.preset))
        if not built.ok:
            return JobRun(job.name, at, "failed", f"no plan: {built.message}")
        view = self.core.plans.planner.view
        if view is None or view.plan_id is None:
            return JobRun(job.name, at, "failed", f"no plan: {view.error if view else 'none'}")
        preview = await self.core.execute(PreviewPlan(plan_id=view.plan_id))
        if not preview.ok or not isinstance(preview.data, PlanPreview):
            return JobRun(job.name, at, "failed", preview.message)
        plan_id = preview.data.plan_id
        orders = len(preview.data.orders)
        summary = f"plan {plan_id}: {orders} orders, {_usd(preview.data)}"
        if orders == 0:
            return JobRun(job.name, at, "nothing", f"{summary}: within bands", plan_id)
        if job.mode == "dry-run":
            await service.manager.audit.append(
                "schedule.dry_run", actor, {"job": job.name, "plan_id": plan_id, "orders": orders}
            )
            return JobRun(job.name, at, "dry-run", f"would execute {summary}", plan_id, orders)
        try:
            plan_run = await service.execute_plan(plan_id, actor=actor)
        except CockpitError as exc:  # GateRefused: already audited as plan.refused
            return JobRun(job.name, at, "refused", str(exc), plan_id, orders)
        self._last_plan[job.name] = plan_id
        return JobRun(
            job.name, at, "executed", f"executing {summary}", plan_id, len(plan_run.requests)
        )

    def _refusal(self, job: ScheduleJob) -> str | None:
        service = self.core.execution
        assert service is not None
        if service.kill.engaged:
            return f"kill switch {service.kill.level.label}: {service.kill.reason}"
        if not service.trading_enabled and job.mode == "execute":
            return f"trading disabled: {service.disabled_reason}"
        previous = self._last_plan.get(job.name)
        run = service.plan_runs.get(previous) if previous else None
        if run is not None and not run.progress("").finished:
            return f"previous run (plan {previous}) still running"
        return None

    async def _record(self, job: ScheduleJob, run: JobRun) -> None:
        self.runs.append(run)
        level = {
            "refused": EventLevel.WARNING,
            "failed": EventLevel.ERROR,
        }.get(run.outcome, EventLevel.INFO)
        message = f"schedule {job.name} ({job.mode}) {run.outcome}: {run.message}"
        log.log(logging.WARNING if level is not EventLevel.INFO else logging.INFO, "%s", message)
        self.core.log_event(EventKind.PLAN, message, level=level)  # journaled with the events
        async with self.ran:
            self.ran.notify_all()


def _usd(preview: PlanPreview) -> str:
    return (
        f"{preview.sells} sells / {preview.buys} buys, "
        f"${preview.notional_usd} notional, ${preview.fees_usd} fees"
    )


def _describe(job: ScheduleJob) -> str:
    when = f"every {job.every_s:g}s" if job.every_s is not None else f"cron '{job.cron}'"
    return f"{job.name} ({when}, {job.preset or 'current preset'}, {job.mode})"
