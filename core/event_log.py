"""The core's event log: the latest events the log pane shows, each one stored as it happens.

:class:`EventLog` is the event sink every core service writes to. It keeps the newest
``ui.log_lines`` events for the published state, records each in the store's event table
(market prints excepted: the trades table already holds them) and marks the state changed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from core.models import EventKind, EventLevel, LogEvent, utcnow
from core.store import Store


class EventLog:
    """The newest events, kept for the UI and stored once each."""

    def __init__(self, maxlen: int, changed: Callable[[], None]) -> None:
        self.events: deque[LogEvent] = deque(maxlen=maxlen)
        self.store: Store | None = None
        """The store events are recorded in, once the session has opened it."""
        self._changed = changed

    def log(
        self, kind: EventKind, message: str, *, level: EventLevel = EventLevel.INFO, **fields: Any
    ) -> LogEvent:
        """Record a new event now; returns it."""
        event = LogEvent(ts=utcnow(), kind=kind, level=level, message=message, **fields)
        self.append(event)
        return event

    def append(self, event: LogEvent) -> None:
        """Record an event made elsewhere (a risk breach, an execution event)."""
        self.events.append(event)
        # A market print's event re-words a row of the trades table (and the journal keeps it
        # for replay): not stored twice, at the tape's rate.
        if self.store is not None and event.kind is not EventKind.MARKET:
            self.store.record_event(event)
        self._changed()
