"""Daily closes from every source the database holds, the best series per asset.

Sources: ``sim`` (the simulator's generated history), ``import`` (``cockpit import prices``),
``ohlcv:<venue>`` (a venue's public candles, :mod:`core.venues.ohlcv`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from core.store.db import Store

Closes = dict[str, list[tuple[date, float]]]

SIM_SOURCE = "sim"
"""The simulator's generated history: synthetic, so any real source of an asset beats it."""


async def stored_closes(
    store: Store, assets: Iterable[str] | None = None, since: date | None = None
) -> tuple[Closes, dict[str, str]]:
    """Daily closes per asset from every source in the database, and each one's source.

    Where two sources have an asset (the simulator's, an imported CSV, a venue's OHLCV), a
    real source beats the simulator's synthetic history whatever its dates; between two of
    the same kind the one whose last day is later wins; on a tie, the longer series.
    """
    wanted = None if assets is None else list(assets)
    rows = await store.fetch_all("SELECT DISTINCT source FROM daily_closes ORDER BY source")
    closes: Closes = {}
    source_of: dict[str, str] = {}
    for (source,) in rows:
        for asset, points in (await store.daily_closes(source, wanted, since)).items():
            have = closes.get(asset)
            if have is None or _rank(source, points) > _rank(source_of[asset], have):
                closes[asset] = points
                source_of[asset] = source
    return closes, source_of


async def real_and_simulated_closes(store: Store) -> tuple[Closes, Closes]:
    """The best real series per asset (every source but the simulator's), and the
    simulator's own: real holdings are valued from the first, simulated ones from the second."""
    closes, sources = await stored_closes(store)
    real = {a: c for a, c in closes.items() if sources[a] != SIM_SOURCE}
    return real, await store.daily_closes(SIM_SOURCE)


def _rank(source: str, points: list[tuple[date, float]]) -> tuple[bool, date, int]:
    return (source != SIM_SOURCE, points[-1][0], len(points))
