"""Stored markets (migration 6) and last known prices: what a plan needs without a live venue.

Whenever the cockpit reaches a venue it stores the instruments its ``load_markets`` returned
(one row per venue, replaced each time), so a plan made later, offline or for a venue not
connected, knows which pairs exist and their steps. :func:`last_closes` reads the newest daily
close of every asset, whatever its source (the simulator, an OHLCV backfill, a price import).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from pydantic import TypeAdapter

from core.models import Instrument
from core.store.closes import SIM_SOURCE
from core.store.db import Store, from_ns, to_ns

INSTRUMENTS = TypeAdapter(tuple[Instrument, ...])


async def save_markets(
    store: Store, venue: str, instruments: Sequence[Instrument], saved_at: datetime
) -> None:
    """Replace ``venue``'s stored markets with ``instruments`` (nothing stored if empty)."""
    if not instruments:
        return
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT OR REPLACE INTO markets (venue, saved_ns, payload) VALUES (?, ?, ?)",
            (venue, to_ns(saved_at), INSTRUMENTS.dump_json(tuple(instruments)).decode()),
        )


async def stored_markets(store: Store) -> dict[str, tuple[datetime, tuple[Instrument, ...]]]:
    """Venue -> (when its markets were stored, the instruments)."""
    rows = await store.fetch_all("SELECT venue, saved_ns, payload FROM markets ORDER BY venue")
    return {venue: (from_ns(ns), INSTRUMENTS.validate_json(payload)) for venue, ns, payload in rows}


async def last_closes(
    store: Store, *, simulated: bool | None = None
) -> dict[str, tuple[datetime, float]]:
    """Asset -> (end of the day, close) of its newest daily close across every source; only
    the simulator's (``simulated=True``) or only real sources' (``simulated=False``)."""
    where = {None: "", True: "WHERE source = ?", False: "WHERE source != ?"}[simulated]
    rows = await store.fetch_all(
        f"SELECT asset, MAX(day), close FROM daily_closes {where} GROUP BY asset ORDER BY asset",
        () if simulated is None else (SIM_SOURCE,),
    )
    return {
        asset: (datetime.combine(date.fromisoformat(day), time.max, tzinfo=UTC), float(close))
        for asset, day, close in rows
    }
