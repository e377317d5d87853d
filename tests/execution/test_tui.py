"""The TUI's execution flows through make_app on the simulated core: confirm modal, kill switch."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Button, Static

from cockpit.messages import ExecutePlanRequested
from cockpit.screens.confirm import ConfirmModal
from core.client import ThreadedCore
from core.config import Settings
from core.models import EventKind
from tests.app.conftest import press, running_app, wait_until


def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "store": {"path": str(tmp_path / "tui.db")},
            "sim": {"history_days": 60},
            "execution": {"paper": {"latency_ms": 0, "jitter_ms": 0}},
        }
    )


def modal_text(modal: ConfirmModal) -> str:
    """Badge, title and body as the terminal would show them."""
    console = Console(width=120, record=True, file=io.StringIO())
    for static in modal.query(Static):
        if not isinstance(static, Button):
            console.print(modal.body if static.id == "body" else static.render())
    return console.export_text()


async def test_kill_switch_is_graduated_confirmed_and_rearmed(tmp_path: Path) -> None:
    async with running_app(settings(tmp_path)) as (app, pilot):
        await press(pilot, "ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "kill modal")
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        await wait_until(
            pilot, lambda: app.focused is not None and app.focused.id == "cancel", "focus on Cancel"
        )
        assert "[PAPER]" in modal_text(modal) and "pause new orders" in modal_text(modal)
        await press(pilot, "enter")  # Enter on the focused Cancel: nothing happens
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmModal), "modal closed")
        state = app.client.latest()
        assert state is not None and state.kill_level == 0 and state.trading_enabled

        await press(pilot, "ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "kill modal again")
        await wait_until(
            pilot, lambda: app.focused is not None and app.focused.id == "cancel", "focus"
        )
        await press(pilot, "tab", "enter")
        await wait_until(
            pilot,
            lambda: (s := app.client.latest()) is not None and s.kill_level == 1,
            "kill switch paused",
        )
        assert not app.client.latest().trading_enabled  # type: ignore[union-attr]

        await press(pilot, "ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "step 2 modal")
        assert "cancel all open orders" in modal_text(app.screen)  # type: ignore[arg-type]
        await press(pilot, "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmModal), "closed")

        await press(pilot, "R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "re-arm modal")
        await press(pilot, "y")
        await wait_until(
            pilot,
            lambda: (
                (s := app.client.latest()) is not None and s.kill_level == 0 and s.trading_enabled
            ),
            "re-armed",
        )


async def test_execute_plan_request_confirms_then_runs_on_paper(tmp_path: Path) -> None:
    async with running_app(settings(tmp_path)) as (app, pilot):
        await wait_until(
            pilot,
            lambda: (s := app.client.latest()) is not None and s.holdings is not None,
            "holdings",
        )
        app.post_message(ExecutePlanRequested(""))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "plan modal")
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        await wait_until(
            pilot, lambda: app.focused is not None and app.focused.id == "cancel", "focus on Cancel"
        )
        text = modal_text(modal)
        assert "[PAPER]" in text and "Execute plan plan-" in text
        assert "of portfolio" in text and "est. fees $" in text and "est. slippage $" in text
        assert "▼ sell" in text.split("▲ buy")[0]  # sells listed first
        await press(pilot, "tab", "enter")
        client = app.client
        assert isinstance(client, ThreadedCore)
        await wait_until(
            pilot,
            lambda: (
                client.core is not None
                and client.core.execution is not None
                and client.core.execution.progress is not None
                and client.core.execution.progress.finished
            ),
            "the plan to finish",
            # A bound, not a wait: a run places its orders one by one through the gate, which
            # takes well over 20 s when the machine is busy (CI runs the suite twice beside a
            # CPU hog); the wait ends as soon as the run does.
            limit_s=180,
        )
        await wait_until(
            pilot,
            lambda: any(
                e.kind is EventKind.PLAN for e in (app.client.latest() or app.main.state).events
            ),  # type: ignore[union-attr]
            "plan progress in the execution log",
        )


async def test_x_on_the_plan_pane_confirms_then_executes_that_plan(tmp_path: Path) -> None:
    from widgets.plan_diff import PlanDiff

    async with running_app(settings(tmp_path)) as (app, pilot):
        plan = app.main.query_one(PlanDiff)
        await wait_until(
            pilot,
            lambda: (
                plan.view is not None and plan.view.plan_id is not None and bool(plan.view.orders)
            ),
            "a plan with orders in the plan pane",
        )
        assert plan.view is not None
        shown = plan.view.plan_id
        plan.focus()
        await press(pilot, "x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "plan modal")
        await wait_until(
            pilot, lambda: app.focused is not None and app.focused.id == "cancel", "focus"
        )
        assert f"Execute plan {shown}?" in modal_text(app.screen)  # type: ignore[arg-type]
        await press(pilot, "tab", "enter")
        client = app.client
        assert isinstance(client, ThreadedCore)
        await wait_until(
            pilot,
            lambda: (
                client.core is not None
                and client.core.execution is not None
                and shown in client.core.execution.executed
            ),
            "the pane's plan to be executed",
            limit_s=180,  # a bound: the confirm reaches the core thread late when busy
        )


async def test_r_acknowledges_a_broken_audit_trail_after_a_confirmation(tmp_path: Path) -> None:
    import sqlite3

    from core.execution.audit import AuditLog
    from core.store import Store

    config = settings(tmp_path)
    store = await Store.open(config.db_path())
    try:
        audit = AuditLog(store)
        for n in range(4):
            await audit.append("order.submit", "operator", {"n": n})
    finally:
        await store.close()
    with sqlite3.connect(config.db_path()) as conn:
        conn.execute("DELETE FROM audit WHERE id = 4")

    async with running_app(config) as (app, pilot):
        state = app.client.latest()
        assert state is not None and not state.trading_enabled
        assert "audit trail broken: truncated tail" in (state.trading_reason or "")
        await press(pilot, "R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "ack modal")
        await wait_until(
            pilot, lambda: app.focused is not None and app.focused.id == "cancel", "focus"
        )
        text = modal_text(app.screen)  # type: ignore[arg-type]
        assert "Acknowledge the broken audit trail?" in text and "truncated tail" in text
        await press(pilot, "y")
        await wait_until(
            pilot,
            lambda: (s := app.client.latest()) is not None and s.trading_enabled,
            "trading after the acknowledgement",
        )
