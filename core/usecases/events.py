"""The execution log of a database (``cockpit log``), read-only.

From the running cockpit when one holds the database (the log its TUI shows, then every new
event it logs), else from the database opened read-only (then it is watched for rows a
later writer adds). Nothing is written either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from core.access import reader_client
from core.config import Settings
from core.models import LogEvent
from core.store import Store
from core.store.events import events_after, last_event_id, newest_events

POLL_S = 0.5
"""How often a follower looks for new rows when it reads the database."""


async def log_events(
    settings: Settings, *, lines: int, follow: bool, client: str
) -> AsyncIterator[list[LogEvent]]:
    """The newest ``lines`` events first (one batch), then, with ``follow``, every new batch
    as it arrives, until the caller stops."""
    async with reader_client(settings, client=client) as remote:
        if remote is not None:
            state = remote.latest()
            shown = state.events if state is not None else ()
            yield list(shown[-lines:] if lines else ())
            if follow:
                async for event in remote.follow_events():
                    yield [event]
            return
    store = await Store.open_readonly(settings.db_path())
    try:
        rows = await newest_events(store, lines)
        yield [e for _, e in rows]
        if not follow:
            return
        last = rows[-1][0] if rows else await last_event_id(store)
        while True:
            await asyncio.sleep(POLL_S)
            rows = await events_after(store, last)
            if rows:
                last = rows[-1][0]
                yield [e for _, e in rows]
    finally:
        await store.close()
