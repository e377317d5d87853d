"""Scheduled rebalancing in the daemon: on the sim, time driven by a manual clock (no waiting)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.bootstrap import build_core
from core.config import Settings
from core.daemon.runner import Daemon
from core.daemon.schedule import Scheduler, next_due
from core.daemon.settings import ScheduleJob
from core.views import KillSwitch
from tests.app.conftest import WAIT_S

T0 = datetime(2026, 11, 24, 4, 58, 30, tzinfo=UTC)


class ManualClock:
    """A clock the test moves forward; sleepers wake when their time has come."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._moved = asyncio.Condition()

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        async with self._moved:
            await self._moved.wait_for(lambda: self._now >= when)

    async def advance(self, seconds: float) -> None:
        async with self._moved:
            self._now += timedelta(seconds=seconds)
            self._moved.notify_all()


def test_next_due_for_intervals_and_cron_and_config_errors() -> None:
    every = ScheduleJob(name="a", every_s=90)
    assert next_due(every, T0) == T0 + timedelta(seconds=90)
    hourly = ScheduleJob(name="b", cron="0 * * * *", mode="execute")
    assert next_due(hourly, T0) == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    weekdays = ScheduleJob(name="c", cron="30 6 * * 1-5")
    assert next_due(weekdays, datetime(2026, 11, 27, 7, 0, tzinfo=UTC)) == datetime(
        2026, 11, 30, 6, 30, tzinfo=UTC
    )  # Friday after 06:30 -> Monday
    with pytest.raises(ValidationError, match="exactly one of 'every_s' and 'cron'"):
        ScheduleJob(name="d")
    with pytest.raises(ValidationError, match="exactly one"):
        ScheduleJob(name="e", every_s=60, cron="* * * * *")
    with pytest.raises(ValidationError, match="invalid cron 'every day'"):
        ScheduleJob(name="f", cron="every day")
    with pytest.raises(ValidationError, match="mode"):
        ScheduleJob.model_validate({"name": "g", "every_s": 60, "mode": "yolo"})


def schedule_settings(tmp: Path, jobs: list[dict[str, object]]) -> Settings:
    return Settings.model_validate(
        {
            "store": {"path": str(tmp / "c.db")},
            "sim": {"history_days": 60},
            "execution": {"paper": {"latency_ms": 0, "jitter_ms": 0}},
            "daemon": {"socket": str(tmp / "d.sock"), "schedule": jobs},
        }
    )


async def test_daemon_runs_dry_and_executing_jobs_under_the_gate_and_refuses_on_kill(
    tmp_path: Path,
) -> None:
    settings = schedule_settings(
        tmp_path,
        [
            {"name": "look", "every_s": 60, "mode": "dry-run"},
            {"name": "trade", "every_s": 90, "mode": "execute", "preset": "fixed"},
        ],
    )
    clock = ManualClock(T0)
    core = build_core(settings)
    daemon = Daemon(settings, None, core, clock=clock)
    running = asyncio.create_task(daemon.run())
    scheduler = daemon.scheduler

    async def runs(n: int) -> None:
        async with scheduler.ran:
            await asyncio.wait_for(scheduler.ran.wait_for(lambda: len(scheduler.runs) >= n), WAIT_S)

    try:
        await asyncio.wait_for(core.started.wait(), WAIT_S)
        assert sorted(n for n in core.task_names if n.startswith("schedule:")) == [
            "schedule:look",
            "schedule:trade",
        ]
        service = core.execution
        assert service is not None and service.manager is not None
        await clock.advance(60)  # t=60: the dry run only
        await runs(1)
        dry = scheduler.runs[0]
        assert (dry.job, dry.outcome, dry.at) == ("look", "dry-run", T0 + timedelta(seconds=60))
        assert dry.orders > 0 and dry.plan_id is not None
        assert service.plan_runs == {}  # nothing traded
        assert not service.manager.orders

        await clock.advance(30)  # t=90: the executing job
        await runs(2)
        done = scheduler.runs[1]
        assert (done.job, done.outcome) == ("trade", "executed"), done.message
        assert done.plan_id in service.plan_runs and core.plans.planner.preset == "fixed"
        await asyncio.wait_for(service.plan_tasks[done.plan_id], WAIT_S)
        placed = [o for o in service.manager.orders.values() if o.plan_id == done.plan_id]
        progress = service.progress
        assert progress is not None and progress.plan_id == done.plan_id
        # Every order of the plan went to the gate: placed, or failed with a reason (the same
        # bound as the operator's ExecutePlan test: more than half go through on the sim).
        assert progress.total == done.orders and progress.done + progress.failed == done.orders
        assert progress.done > done.orders // 2 and len(placed) >= progress.done

        await core.execute(KillSwitch(reason="test"))
        await clock.advance(90)  # t=180: both due, both refused while the switch is engaged
        await runs(4)
        refused = scheduler.runs[2:]
        assert sorted(r.job for r in refused) == ["look", "trade"]
        assert all(r.outcome == "refused" for r in refused)
        assert all("kill switch paused: test" in r.message for r in refused)
        assert list(service.plan_runs) == [done.plan_id]  # no new plan ran

        # Audit: dry run, the execution as schedule:trade, both refusals; orders by the plan.
        audit = await service.manager.audit.rows()
        mine = [(r.kind, r.actor) for r in audit if r.actor.startswith("schedule:")]
        assert mine[:2] == [
            ("schedule.dry_run", "schedule:look"),
            ("plan.execute", "schedule:trade"),
        ]
        assert sorted(mine[2:]) == [
            ("schedule.refused", "schedule:look"),
            ("schedule.refused", "schedule:trade"),
        ]
        executed = next(r for r in audit if r.kind == "plan.execute")
        assert json.loads(executed.payload)["plan_id"] == done.plan_id
    finally:
        daemon.request_stop("test")
        assert await asyncio.wait_for(running, WAIT_S) == 0
    # Every run is journaled as a plan event in the session's store.
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as conn:
        logged = [m for (m,) in conn.execute("SELECT message FROM events WHERE kind = 'plan'")]
    ours = [m for m in logged if m.startswith("schedule ")]
    assert ours[0].startswith("schedule look (dry-run) dry-run: would execute plan ")
    assert ours[1].startswith(f"schedule trade (execute) executed: executing plan {done.plan_id}")
    assert sum("refused: kill switch paused" in m for m in ours) == 2


async def test_a_job_for_an_unknown_preset_fails_clearly_without_trading(tmp_path: Path) -> None:
    settings = schedule_settings(tmp_path, [])
    core = build_core(settings)
    await core.start()
    try:
        scheduler = Scheduler(core, (), ManualClock(T0))
        run = await scheduler.run_once(
            ScheduleJob(name="x", every_s=60, preset="nope", mode="execute")
        )
        assert run.outcome == "failed" and "unknown preset 'nope'" in run.message
        assert core.execution is not None and core.execution.plan_runs == {}
    finally:
        await core.stop()
