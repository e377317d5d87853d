"""What the portfolio holds: the running cockpit's holdings, or a database's merged portfolio.

One writer per database: when a cockpit (a daemon or a TUI's own core) holds the database,
its holdings are what trades and what its pane shows, so they are the answer; otherwise the
database's merged portfolio (:mod:`core.portfolio.stored`: the latest import, the newest
venue balances the cockpit stored, manual positions from config) is read with the database
opened read-only, valued by the one valuation.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from core.access import reader_client
from core.config import Settings
from core.errors import StoreError
from core.models import Holding, Price
from core.portfolio.stored import StoredPortfolio, stored_portfolio
from core.store import Store


async def running_holdings(
    settings: Settings, *, client: str
) -> tuple[list[Holding], dict[str, Price]] | None:
    """The holdings (and their prices) the running cockpit shows; None when none runs."""
    async with reader_client(settings, client=client) as remote:
        if remote is None:
            return None
        state = remote.latest()
        view = state.holdings if state is not None else None
        if view is None:
            return [], {}
        rows = [
            Holding(
                asset=r.asset,
                location_id=r.location_id,
                qty=r.qty,
                price=r.price,
                group=r.group,
                source=r.source,
                as_of=r.as_of,
            )
            for r in view.rows
        ]
        return rows, {r.asset: r.price for r in view.rows if r.price.value is not None}


async def read_stored(db_path: Path, settings: Settings, now: datetime) -> StoredPortfolio:
    """The database's merged portfolio (the holdings pane's), read-only."""
    if not await asyncio.to_thread(db_path.exists):
        raise StoreError(f"{db_path}: no database yet; run `cockpit import cointracking` first")
    store = await Store.open_readonly(db_path)
    try:
        return await stored_portfolio(store, settings, now)
    finally:
        await store.close()


async def portfolio_holdings(
    settings: Settings, db: Path | None, now: datetime, *, client: str
) -> list[Holding]:
    """The holdings of the database ``db`` (default: the configured one), valued at ``now``:
    the running cockpit's when one holds it, else the stored merged portfolio."""
    if db is not None:
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"path": db})}
        )
    running = await running_holdings(settings, client=client)
    if running is not None:
        return running[0]
    return (await read_stored(db or settings.db_path(), settings, now)).holdings
