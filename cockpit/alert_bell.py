"""Which alerts the TUI has not announced yet (it notifies and rings the bell for each)."""

from __future__ import annotations

from datetime import datetime

from core.models import EventKind, LogEvent
from core.statecodec import new_events

RECENT_S = 10.0
"""On the first state, alerts younger than this are still news (e.g. raised while attaching)."""


class AlertBell:
    """Tracks the execution log between states and returns the alerts appended since."""

    def __init__(self) -> None:
        self._seen: tuple[LogEvent, ...] | None = None

    def new_alerts(self, events: tuple[LogEvent, ...], now: datetime) -> list[LogEvent]:
        previous, self._seen = self._seen, events
        if previous is None:
            added = tuple(e for e in events if (now - e.ts).total_seconds() <= RECENT_S)
        else:
            added = new_events(previous, events) or ()
        return [e for e in added if e.kind is EventKind.ALERT]
