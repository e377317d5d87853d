"""Messages the screens post to the app: user intents the app carries out (with a confirm)."""

from __future__ import annotations

from textual.message import Message


class ExecutePlanRequested(Message):
    """The user pressed ``x`` on a fresh plan: send plan ``plan_id`` to execution.

    Posted by the main screen when the plan pane asks; the app confirms before sending
    ``ExecutePlan(plan_id)`` to the core (which refuses a plan that is no longer current).
    """

    def __init__(self, plan_id: str) -> None:
        super().__init__()
        self.plan_id: str = plan_id
