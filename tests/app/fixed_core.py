"""A :class:`~core.client.CoreClient` that publishes one fixed state: the app, without a sim.

``make_app(settings, FixedCore())`` runs the real composition root, screens and bridge on a
state that never changes and answers that never vary, so a screenshot of it is the same on
every run, however busy the machine. Commands are recorded (tests may look at them) and
answered from :mod:`tests.app.sample_state`; nothing is traded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from core.answers import Answer
from core.views import CockpitState, Command, CommandResult
from tests.app import sample_state, samples

ANSWERS: dict[str, Callable[[], Answer]] = {
    "chart_history": samples.chart_view,
    "execution_history": sample_state.execution_history,
    "preview_plan": sample_state.plan_preview,
}
"""The data a command's answer carries, by command kind; other commands answer a plain ok."""


class FixedCore:
    """Publishes ``state`` once; ``updates`` then waits until the app stops listening."""

    read_only = False

    def __init__(self, state: CockpitState | None = None) -> None:
        self.state = state if state is not None else sample_state.state()
        self.sent: list[Command] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def latest(self) -> CockpitState | None:
        return self.state

    async def updates(self, max_hz: float) -> AsyncIterator[CockpitState]:
        yield self.state
        await asyncio.Event().wait()  # no later state: the bridge worker is cancelled on exit

    async def send(self, command: Command) -> CommandResult:
        self.sent.append(command)
        answer = ANSWERS.get(command.kind)
        return CommandResult(ok=True, message="ok", data=answer() if answer else None)
