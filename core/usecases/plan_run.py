"""Running the current plan from a headless command (``cockpit execute-plan``).

The plan runs in the core that holds the database (a daemon's, a TUI's, or the command's
own); the command asks it for the preview, starts the run, and follows it here: its
progress until the run ends, and, when asked, every event the core logs meanwhile. The
same for an in-process core and a daemon's, through the one client interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from core.access import LocalCore
from core.answers import PlanProgress
from core.client import CoreClient
from core.daemon.remote import RemoteCore
from core.errors import CockpitError
from core.models import LogEvent
from core.views import PlanStatus

FOLLOW_S = 0.1
"""How often the run's progress is asked for (a CLI's wait, not a test's)."""

_FOLLOWERS: set[asyncio.Task[None]] = set()


async def follow_plan(
    client: CoreClient, plan_id: str, moved: Callable[[PlanProgress], None]
) -> PlanProgress:
    """Ask how far the run of ``plan_id`` has got until it ends; ``moved`` hears each change
    (an order done or failed, a new phase). Returns the final progress."""
    last: tuple[int, int, str] | None = None
    while True:
        result = await client.send(PlanStatus(plan_id=plan_id))
        status = result.data
        if not result.ok or not isinstance(status, PlanProgress):
            raise CockpitError(f"plan {plan_id}: {result.message}", title="Plan lost")
        key = (status.done, status.failed, status.phase)
        if key != last and (status.done or status.failed):
            moved(status)
            last = key
        if status.finished:
            return status
        await asyncio.sleep(FOLLOW_S)


def follow_events(client: CoreClient, show: Callable[[LogEvent], None]) -> None:
    """``show`` every event the core logs from now on (either kind of core)."""
    if isinstance(client, LocalCore) and client.core is not None:
        assert client.core.execution is not None, "the core has started"
        client.core.execution.event_listeners.append(show)
    elif isinstance(client, RemoteCore):

        async def follow() -> None:
            async for event in client.follow_events():
                show(event)

        # Ends with the connection, when the command detaches.
        _FOLLOWERS.add(task := asyncio.create_task(follow(), name="execute-plan:events"))
        task.add_done_callback(_FOLLOWERS.discard)
