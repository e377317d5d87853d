"""Portfolio tables: holdings imports, the price cache and portfolio snapshots (migration 2).

An import is written in one transaction (:meth:`Store.transaction`): its header row and every
holding land together or not at all. Holdings, prices and snapshots are stored as their model's
JSON next to the columns queries need, so they come back exactly (Decimal strings, aware
timestamps) and new model fields need no new migration.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from core.models import Balance, Fill, Holding, Model, Price, UtcDatetime
from core.portfolio.ctimport import CtImport, FileSummary
from core.portfolio.holdings import PortfolioSnapshot
from core.store.db import Store, from_ns, to_ns


class StoredImport(Model):
    """One import as stored: when, from what, and its holdings."""

    id: int
    imported_at: UtcDatetime
    as_of: UtcDatetime
    source: str
    taxonomy_version: str
    total_usd: Decimal
    files: tuple[FileSummary, ...]
    holdings: tuple[Holding, ...]


async def save_import(
    store: Store,
    imported: CtImport,
    imported_at: datetime,
    snapshot: PortfolioSnapshot | None = None,
) -> int:
    """Store an import, its holdings and (optionally) its snapshot atomically; returns its id."""
    files = json.dumps([f.model_dump(mode="json") for f in imported.files])
    async with store.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO holdings_imports (imported_ns, as_of_ns, source, taxonomy_version,"
            " total_usd, files) VALUES (?, ?, ?, ?, ?, ?)",
            (
                to_ns(imported_at),
                to_ns(imported.as_of),
                "cointracking",
                imported.taxonomy_version,
                str(imported.total_usd),
                files,
            ),
        )
        import_id = int(cur.lastrowid or 0)
        await cur.close()
        await conn.executemany(
            "INSERT INTO imported_holdings (import_id, asset, location_id, payload)"
            " VALUES (?, ?, ?, ?)",
            [(import_id, h.asset, h.location_id, h.model_dump_json()) for h in imported.holdings],
        )
        if snapshot is not None:
            await conn.execute(_SNAPSHOT_UPSERT, _snapshot_row(snapshot, "import"))
    return import_id


async def latest_import(store: Store) -> StoredImport | None:
    """The most recent import, or None if there was none."""
    rows = await store.fetch_all(
        "SELECT id, imported_ns, as_of_ns, source, taxonomy_version, total_usd, files"
        " FROM holdings_imports ORDER BY id DESC LIMIT 1"
    )
    if not rows:
        return None
    import_id, imported_ns, as_of_ns, source, version, total, files = rows[0]
    payloads = await store.fetch_all(
        "SELECT payload FROM imported_holdings WHERE import_id = ? ORDER BY asset, location_id",
        (import_id,),
    )
    return StoredImport(
        id=import_id,
        imported_at=from_ns(imported_ns),
        as_of=from_ns(as_of_ns),
        source=source,
        taxonomy_version=version,
        total_usd=Decimal(total),
        files=tuple(FileSummary.model_validate(f) for f in json.loads(files)),
        holdings=tuple(Holding.model_validate_json(p[0]) for p in payloads),
    )


async def save_prices(store: Store, prices: Iterable[Price]) -> None:
    """Remember the latest known price per asset (the resolver's ``cached`` source)."""
    rows = [
        (p.asset, to_ns(p.ts) if p.ts else None, p.model_dump_json())
        for p in prices
        if p.value is not None
    ]
    async with store.transaction() as conn:
        await conn.executemany(
            "INSERT OR REPLACE INTO price_cache (asset, ts_ns, payload) VALUES (?, ?, ?)", rows
        )


async def cached_prices(store: Store) -> dict[str, Price]:
    """Every cached price, by asset, exactly as it was when cached."""
    rows = await store.fetch_all("SELECT asset, payload FROM price_cache")
    return {asset: Price.model_validate_json(payload) for asset, payload in rows}


async def recorded_fills(store: Store) -> list[Fill]:
    """Every recorded fill, oldest first (the cost basis is built from all of them)."""
    rows = await store.fetch_all("SELECT payload FROM fills ORDER BY ts_ns")
    return [Fill.model_validate_json(payload) for (payload,) in rows]


_SNAPSHOT_UPSERT = (
    "INSERT OR REPLACE INTO portfolio_snapshots (ts_ns, source, total_usd, payload)"
    " VALUES (?, ?, ?, ?)"
)


def _snapshot_row(snap: PortfolioSnapshot, source: str) -> tuple[int, str, str, str]:
    return (to_ns(snap.ts), source, str(snap.total_usd), snap.model_dump_json())


async def save_snapshot(store: Store, snap: PortfolioSnapshot, source: str = "live") -> None:
    """Record a portfolio snapshot (``source``: 'live' from the core, 'import' from a file)."""
    async with store.transaction() as conn:
        await conn.execute(_SNAPSHOT_UPSERT, _snapshot_row(snap, source))


async def snapshots(
    store: Store, *, source: str | None = None, since: datetime | None = None
) -> list[PortfolioSnapshot]:
    """Snapshots, oldest first (for the total-value sparkline)."""
    sql = "SELECT payload FROM portfolio_snapshots WHERE 1 = 1"
    params: list[object] = []
    if source is not None:
        sql += " AND source = ?"
        params.append(source)
    if since is not None:
        sql += " AND ts_ns >= ?"
        params.append(to_ns(since))
    rows = await store.fetch_all(sql + " ORDER BY ts_ns", params)
    return [PortfolioSnapshot.model_validate_json(r[0]) for r in rows]


async def latest_balances(store: Store) -> list[Balance]:
    """The newest stored balance per (location, asset), zero balances left out."""
    rows = await store.fetch_all(
        "SELECT b.ts_ns, b.location_id, b.asset, b.total, b.free, b.source FROM balances b"
        " JOIN (SELECT location_id, asset, MAX(ts_ns) AS ts_ns FROM balances"
        " GROUP BY location_id, asset) m"
        " ON b.location_id = m.location_id AND b.asset = m.asset AND b.ts_ns = m.ts_ns"
        " ORDER BY b.location_id, b.asset"
    )
    out = []
    for ts_ns, location_id, asset, total, free, source in rows:
        if Decimal(total):
            out.append(
                Balance(
                    location_id=location_id,
                    asset=asset,
                    total=Decimal(total),
                    free=Decimal(free),
                    ts=from_ns(ts_ns),
                    source=source,
                )
            )
    return out


async def balance_history(store: Store) -> list[Balance]:
    """Every stored balance, oldest first (zeros kept: a balance gone to zero is a change)."""
    rows = await store.fetch_all(
        "SELECT ts_ns, location_id, asset, total, free, source FROM balances ORDER BY ts_ns"
    )
    return [
        Balance(
            location_id=location_id,
            asset=asset,
            total=Decimal(total),
            free=Decimal(free),
            ts=from_ns(ts_ns),
            source=source,
        )
        for ts_ns, location_id, asset, total, free, source in rows
    ]
