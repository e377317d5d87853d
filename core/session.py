"""A core session's start and end against its store and venues.

At start the store is opened (unless the caller handed one), the session row begins, every
venue's markets are loaded and cached in the store (plans made later without reaching the
venue know them), and the simulator's generated daily closes are recorded. At the end the
venues are closed within a deadline and the session ends before the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core import __version__
from core.config import Settings
from core.models import Instrument, utcnow
from core.ports import Venue
from core.store import Store
from core.store.markets import save_markets


@dataclass(frozen=True, slots=True)
class HistorySource:
    """Daily closes the core should record at start (the simulator's generated history)."""

    name: str
    series: Callable[[], dict[str, list[tuple[datetime, float]]]]


async def open_store(settings: Settings) -> Store:
    """The configured database, opened for writing."""
    s = settings.store
    return await Store.open(settings.db_path(), flush_ms=s.flush_ms, batch_rows=s.batch_rows)


async def begin(
    store: Store,
    settings: Settings,
    venues: Mapping[str, Venue],
    instruments: MutableMapping[str, Instrument],
) -> None:
    """Begin the session and load (and cache) every venue's markets into ``instruments``."""
    await store.begin_session(settings.mode.value, list(venues), __version__)
    for venue in venues.values():
        loaded = await venue.load_instruments()
        instruments.update((inst.key, inst) for inst in loaded)
        # Plans made later without reaching the venue know its markets (issue 11).
        await save_markets(store, venue.venue, loaded, utcnow())


async def record_history(
    store: Store, history: HistorySource, window_days: int
) -> dict[str, list[tuple[date, float]]]:
    """Record the generated closes; returns the stored ones the risk window needs."""
    await store.save_daily_closes(history.name, history.series())
    since = utcnow().date() - timedelta(days=window_days + 2)
    return await store.daily_closes(history.name, since=since)


async def close_venues(venues: Mapping[str, Venue], timeout_s: float) -> None:
    """Close every venue; one that fails or hangs past ``timeout_s`` is left behind."""
    for venue in venues.values():
        with contextlib.suppress(Exception):
            async with asyncio.timeout(timeout_s):
                await venue.close()
