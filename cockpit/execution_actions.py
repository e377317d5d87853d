"""The app's execution actions: plan confirmation, the graduated kill switch, re-arming.

A mixin of :class:`cockpit.app.CockpitApp`, kept apart so the app module stays small. Every
destructive step passes a :class:`~cockpit.screens.confirm.ConfirmModal` whose focus starts
on Cancel; the core's answer is shown as a toast.
"""

from __future__ import annotations

from textual import work
from textual.app import App

from cockpit.messages import ExecutePlanRequested
from cockpit.screens.confirm import ConfirmModal
from core.answers import PlanPreview
from core.client import CoreClient
from core.config import Settings
from core.views import AbortPlan, AcknowledgeAudit, ExecutePlan, KillSwitch, PreviewPlan
from widgets.execution_log import ExecutionLog

KILL_STEPS = {
    1: ("pause new orders", "No new order will be placed; open orders keep working."),
    2: ("cancel all open orders", "Every open order on every trading venue is cancelled."),
    3: (
        "flatten to stablecoins",
        "Every non-stable holding on a trading venue is sold at market into the configured "
        "stablecoin (each sell still passes the pre-trade gate).",
    ),
}


class ExecutionActions:
    """Plan execution and the kill switch: each destructive step passes a ConfirmModal."""

    settings: Settings
    client: CoreClient
    privacy: bool

    def refuse_if_paused(self) -> bool:
        """Overridden by the app (``CockpitApp.refuse_if_paused``)."""
        return False

    def _may_trade(self) -> bool:
        """False (and say why) for a read-only client: no modal is offered for an action the
        core would refuse anyway."""
        if not self.client.read_only:
            return True
        self.notify(  # type: ignore[attr-defined]
            "read-only: attached as an observer (or replaying); trading actions are off",
            severity="warning",
            timeout=3,
        )
        return False

    def action_execute_plan(self) -> None:
        self.post_message(ExecutePlanRequested(""))  # type: ignore[attr-defined]

    def on_execute_plan_requested(self, message: ExecutePlanRequested) -> None:
        self.confirm_plan(message.plan_id)

    @work(group="execution", exclusive=True, exit_on_error=False, description="confirm a plan")
    async def confirm_plan(self, plan_id: str) -> None:
        app: App[int] = self  # type: ignore[assignment]
        if not self._may_trade() or self.refuse_if_paused():
            return
        preview = await self.client.send(PreviewPlan(plan_id=plan_id or None))
        answer = preview.data
        if not preview.ok or not isinstance(answer, PlanPreview):
            app.notify(f"plan: {preview.message}", severity="error")
            return
        if not answer.orders:
            app.notify("plan: nothing to do", timeout=3)
            return
        if not await app.push_screen_wait(ConfirmModal.for_plan(answer)):
            app.notify("plan not executed", timeout=2)
            return
        result = await self.client.send(ExecutePlan(plan_id=answer.plan_id))
        app.notify(result.message, severity="information" if result.ok else "error")

    def on_execution_log_history_requested(self) -> None:
        """``h`` in the execution log: open the execution-history screen."""
        from cockpit.screens.history import ExecutionHistoryScreen

        app: App[int] = self  # type: ignore[assignment]
        if not isinstance(app.screen, ExecutionHistoryScreen):
            app.push_screen(ExecutionHistoryScreen(self.client, privacy=self.privacy))

    def on_execution_log_event_opened(self, message: ExecutionLog.EventOpened) -> None:
        """Enter in the execution log: the whole event in a modal."""
        from cockpit.screens.event import EventModal

        app: App[int] = self  # type: ignore[assignment]
        app.push_screen(EventModal(message.event, privacy=self.privacy))

    def action_abort_plan(self) -> None:
        self.abort_plan()

    @work(group="execution-abort", exclusive=True, exit_on_error=False, description="abort plans")
    async def abort_plan(self) -> None:
        """Stop placing plan orders at once (no confirmation: it only holds back orders)."""
        if not self._may_trade():
            return
        result = await self.client.send(AbortPlan())
        self.notify(result.message, severity="warning")  # type: ignore[attr-defined]

    def action_kill_switch(self) -> None:
        self.kill_switch_step()

    @work(group="execution", exclusive=True, exit_on_error=False, description="kill switch")
    async def kill_switch_step(self) -> None:
        app: App[int] = self  # type: ignore[assignment]
        if not self._may_trade():
            return
        state = self.client.latest()
        level = state.kill_level if state is not None else 0
        if level >= max(KILL_STEPS):
            app.notify("kill switch fully engaged; R re-arms trading", severity="warning")
            return
        step = level + 1
        what, detail = KILL_STEPS[step]
        modal = ConfirmModal(
            f"Kill switch step {step}/3: {what}?",
            detail,
            mode=self.settings.mode.value,
            confirm_label=what.capitalize(),
        )
        if not await app.push_screen_wait(modal):
            return
        result = await self.client.send(KillSwitch(level=step, reason="operator (Ctrl+K)"))
        app.notify(result.message, severity="warning" if result.ok else "error")

    def action_rearm(self) -> None:
        self.rearm_step()

    @work(group="execution", exclusive=True, exit_on_error=False, description="re-arm trading")
    async def rearm_step(self) -> None:
        app: App[int] = self  # type: ignore[assignment]
        if not self._may_trade():
            return
        state = self.client.latest()
        if state is not None and "audit trail broken" in (state.trading_reason or ""):
            await self._acknowledge_audit(state.trading_reason or "")
            return
        if state is None or state.kill_level == 0:
            app.notify("kill switch is not engaged", timeout=2)
            return
        modal = ConfirmModal(
            "Re-arm trading?",
            "New orders will be accepted again (breakers keep watching).",
            mode=self.settings.mode.value,
            confirm_label="Re-arm",
        )
        if await app.push_screen_wait(modal):
            result = await self.client.send(KillSwitch(engage=False))
            app.notify(result.message)

    async def _acknowledge_audit(self, reason: str) -> None:
        """Trading paused on a broken audit trail: the operator accepts it (audited)."""
        app: App[int] = self  # type: ignore[assignment]
        modal = ConfirmModal(
            "Acknowledge the broken audit trail?",
            f"{reason.split('; an operator')[0]}. Acknowledging records the break in the "
            "trail, re-anchors it and lets trading resume.",
            mode=self.settings.mode.value,
            confirm_label="Acknowledge",
        )
        if await app.push_screen_wait(modal):
            result = await self.client.send(AcknowledgeAudit(note="TUI re-arm"))
            app.notify(result.message, severity="warning" if result.ok else "error")
