"""The execution log as stored: events read back by id, for ``cockpit log`` (read-only)."""

from __future__ import annotations

from core.models import LogEvent
from core.store.db import Store


async def newest_events(store: Store, limit: int) -> list[tuple[int, LogEvent]]:
    """The newest ``limit`` events with their row ids, oldest first."""
    rows = await store.fetch_all(
        "SELECT id, payload FROM events ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(int(i), LogEvent.model_validate_json(p)) for i, p in reversed(rows)]


async def events_after(store: Store, after_id: int) -> list[tuple[int, LogEvent]]:
    """Every event stored after row ``after_id``, oldest first."""
    rows = await store.fetch_all(
        "SELECT id, payload FROM events WHERE id > ? ORDER BY id", (after_id,)
    )
    return [(int(i), LogEvent.model_validate_json(p)) for i, p in rows]


async def last_event_id(store: Store) -> int:
    """The id of the newest stored event (0 when there is none)."""
    rows = await store.fetch_all("SELECT COALESCE(MAX(id), 0) FROM events")
    return int(rows[0][0])
