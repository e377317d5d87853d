"""App-level messages widgets post upward (intents), handled by :class:`cockpit.app.CockpitApp`."""

from __future__ import annotations

from textual.message import Message


class ExecutePlanRequested(Message):
    """The operator asked to execute plan ``plan_id`` ("" for the current plan).

    The app answers with the confirm modal; only a confirmation sends ``ExecutePlan``.
    """

    def __init__(self, plan_id: str) -> None:
        super().__init__()
        self.plan_id = plan_id
