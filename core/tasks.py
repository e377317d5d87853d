"""The core's long-running tasks: named, tracked, supervised, and stopped within a deadline.

:class:`TaskSupervisor` starts every task the core runs (feeds, loops, plan runs, daemon
jobs) under a name, keeps the set of those still running, and reports a task that fails
instead of letting asyncio swallow it. :func:`cancel_all` ends a set of tasks without ever
waiting for ever on one that ignores its cancel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

log = logging.getLogger(__name__)

STOP_TASKS_S = 5.0
"""How long stop() waits for its cancelled tasks before it goes on without them."""


async def cancel_all(tasks: Sequence[asyncio.Task[Any]], deadline_s: float = STOP_TASKS_S) -> None:
    """Cancel ``tasks`` and wait for them, never for ever.

    A task that swallows its cancel (on 3.11, ``asyncio.wait_for`` does when the awaited thing
    finishes as the cancel lands) is cancelled again each round; one still running at the
    deadline is named in the log and left behind, so a stop always ends.
    """
    pending = {t for t in tasks if not t.done()}
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while pending:
        for task in pending:
            task.cancel()
        left = end - loop.time()
        if left <= 0:
            log.error(
                "stop: tasks still running after %.1f s: %s",
                deadline_s,
                ", ".join(sorted(t.get_name() for t in pending)),
            )
            break
        _, pending = await asyncio.wait(pending, timeout=min(left, 0.5))
    for task in tasks:  # a failure while stopping is not news; retrieve it so none is reported
        if task.done() and not task.cancelled():
            task.exception()


async def every(seconds: float, job: Callable[[], Awaitable[None]]) -> None:
    """Run ``job`` every ``seconds`` (after each wait) until cancelled."""
    while True:
        await asyncio.sleep(seconds)
        await job()


class TaskSupervisor:
    """The named tasks of one core; ``on_failure`` hears of each one that fails while running."""

    def __init__(self, on_failure: Callable[[str, BaseException], None]) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self._on_failure = on_failure

    def spawn(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start a named, tracked task whose failure is logged and shown, never swallowed."""
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if task.cancelled() or self.stopping:
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s failed", task.get_name(), exc_info=exc)
            self._on_failure(task.get_name(), exc)

    def named(self, name: str) -> list[asyncio.Task[Any]]:
        """The running tasks called ``name``."""
        return [t for t in self.tasks if t.get_name() == name]

    @property
    def names(self) -> list[str]:
        return sorted(t.get_name() for t in self.tasks)

    async def stop(self, deadline_s: float) -> None:
        """Cancel every task (failures from here on are not news) within ``deadline_s``."""
        self.stopping = True
        await cancel_all(list(self.tasks), deadline_s=deadline_s)
