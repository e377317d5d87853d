"""Imports into a database: CoinTracking holdings and daily closes (issue 11, one writer).

Both commands read and check their files whole before anything is written, then write in one
go: a CoinTracking import in one transaction (its header, every holding, its snapshot), a
price file in one flush. They run either in the core holding the database (the
:class:`~core.views.ImportHoldings`/:class:`~core.views.ImportPrices` commands, which then
reload the merged portfolio, closes and risk so every attached client sees the import at
once) or in a CLI command holding the database's instance lock itself when no core runs.
Either way the answer is a typed summary (:mod:`core.answers`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.answers import (
    AssetCloses,
    HoldingsImportSummary,
    ImportedFile,
    PricesImportSummary,
)
from core.views import CommandResult, ImportHoldings, ImportPrices

if TYPE_CHECKING:
    from core.config import Settings
    from core.portfolio.ctimport import CtImport
    from core.store import Store

DailyCloses = dict[str, list[tuple[datetime, float]]]


def load_cointracking(
    paths: Sequence[Path],
    settings: Settings,
    as_of: datetime | None = None,
    *,
    allow_negative: bool = False,
) -> CtImport:
    """Read, parse and combine CoinTracking exports (no database involved; blocking).

    Files are streamed (memory stays bounded); ``allow_negative`` keeps negative amounts
    outside short/borrow/loan accounts instead of refusing them (see
    :mod:`core.portfolio.ctparse`). A bad file raises :class:`~core.errors.DataError` naming
    its file, line and column.
    """
    from core.portfolio.ctimport import load_exports
    from core.portfolio.taxonomy import load_taxonomy

    return load_exports(
        paths,
        registry=settings.portfolio.location_registry(),
        taxonomy=load_taxonomy(settings.portfolio.taxonomy.overrides),
        as_of=as_of,
        allow_negative=allow_negative,
    )


def summarise(imported: CtImport, settings: Settings) -> HoldingsImportSummary:
    """What an import holds, before it is saved (the dry run's whole answer)."""
    from core.portfolio.valuation import CENT, breakdown

    view = breakdown(imported.holdings, "asset", settings.portfolio.dust_usd)
    return HoldingsImportSummary(
        as_of=imported.as_of,
        taxonomy_version=imported.taxonomy_version,
        files=tuple(
            ImportedFile(
                path=f.path,
                kind=f.kind.value,
                rows=f.rows,
                zero_rows_dropped=f.zero_rows,
                negative_rows_kept=f.negative_rows,
                file_total_usd=f.total_usd,
            )
            for f in imported.files
        ),
        holdings=len(imported.holdings),
        assets=len({h.asset for h in imported.holdings}),
        total_usd=view.total.quantize(CENT),
        shown=len(view.rows),
        dust_hidden=view.hidden_count,
        dust_usd=settings.portfolio.dust_usd,
        unpriced=len(view.unpriced),
        unmapped_labels=tuple(imported.unmapped_labels),
        guessed_groups=tuple(imported.guessed),
        dead=tuple(imported.dead),
    )


async def save_holdings(
    store: Store, imported: CtImport, settings: Settings
) -> HoldingsImportSummary:
    """Write an import, its holdings and its snapshot in one transaction; its summary."""
    from core.models import utcnow
    from core.portfolio.holdings import snapshot
    from core.store.portfolio import save_import

    snap = snapshot(imported.holdings, imported.as_of, imported.taxonomy_version)
    import_id = await save_import(store, imported, utcnow(), snap)
    return summarise(imported, settings).model_copy(
        update={"import_id": import_id, "db": str(store.path)}
    )


def load_closes(path: Path) -> DailyCloses:
    """A wide CSV of daily closes, checked whole (blocking; a bad cell names file, line and
    column)."""
    from core.risk.files import read_daily_closes

    return read_daily_closes(path)


async def save_closes(store: Store, path: Path, series: DailyCloses) -> PricesImportSummary:
    """Store checked daily closes under the import source, in one flush; their summary."""
    from core.risk.files import PRICES_SOURCE

    await store.save_daily_closes(PRICES_SOURCE, series)
    return PricesImportSummary(
        file=str(path),
        db=str(store.path),
        source=PRICES_SOURCE,
        closes=sum(len(p) for p in series.values()),
        assets={
            asset: AssetCloses(
                days=len(points),
                first=points[0][0].date().isoformat() if points else None,
                last=points[-1][0].date().isoformat() if points else None,
            )
            for asset, points in sorted(series.items())
        },
    )


async def run_import(
    command: ImportHoldings | ImportPrices,
    store: Store | None,
    settings: Settings,
    reload: Callable[[], Awaitable[None]],
) -> CommandResult:
    """Carry out an import command in the core holding ``store``: parse off the event loop,
    write, then ``reload`` (the merged portfolio, closes and risk are read again and
    republished). A bad file is a failed result naming it; nothing is written then."""
    from core.errors import CockpitError

    if store is None:
        return CommandResult(ok=False, message="no database open", title="Not started")
    try:
        if isinstance(command, ImportHoldings):
            imported = await asyncio.to_thread(
                load_cointracking,
                [Path(f) for f in command.files],
                settings,
                command.as_of,
                allow_negative=command.allow_negative,
            )
            saved = await save_holdings(store, imported, settings)
            summary: HoldingsImportSummary | PricesImportSummary = saved
            message = f"saved as import {saved.import_id}"
        else:
            path = Path(command.file)
            series = await asyncio.to_thread(load_closes, path)
            summary = await save_closes(store, path, series)
            message = f"{summary.closes} daily closes saved"
    except CockpitError as exc:
        return CommandResult.failure(exc)
    await reload()
    return CommandResult(ok=True, message=message, data=summary)
