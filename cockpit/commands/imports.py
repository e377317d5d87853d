"""``cockpit import cointracking FILE... [--db PATH]``: import CoinTracking CSV exports.

Every file is read and checked before anything is written: a malformed file (wrong columns, a
bad number, a truncated row, a negative amount outside a margin/futures/loan account, a
control or bidirectional character in a name) stops the command with ``file:line:column`` and
exit code 1, and the database is left exactly as it was. Files are streamed, so memory stays
bounded; a file over 128 MiB is refused. The files given together form one snapshot (see
:mod:`core.portfolio.ctimport` for how a per-exchange export and "Current Balance" combine).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings
    from core.portfolio.ctimport import CtImport


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser("import", help="import holdings from other tools")
    sub = parser.add_subparsers(title="sources", metavar="SOURCE", required=True)
    ct = sub.add_parser(
        "cointracking",
        help="CoinTracking CSV exports (Current Balance, Balance/Coins by Exchange)",
        description="Import CoinTracking CSV exports as one snapshot, in one transaction.",
    )
    ct.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ct.add_argument(
        "--as-of",
        type=_aware_datetime,
        default=None,
        help="snapshot time (ISO 8601); default: the date in the file name, else its mtime",
    )
    ct.add_argument("--dry-run", action="store_true", help="check and summarise, write nothing")
    ct.add_argument(
        "--allow-negative",
        action="store_true",
        help="keep negative amounts outside margin/futures/loan accounts (CoinTracking's "
        "negative balances from incomplete history); refused by default",
    )
    ct.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_common_options(ct)
    ct.set_defaults(func=_import_cointracking)
    prices = sub.add_parser(
        "prices",
        help="daily closes from a wide CSV (date, one column per symbol), for offline risk",
        description="Store daily closes from the wide CSV `cockpit risk --prices` reads (date "
        "in ISO UTC, one column of closes per symbol; BTC-USD and BTC both mean BTC). The file "
        "is checked whole before anything is written; a bad cell exits 1 naming file, line "
        "and column.",
    )
    prices.add_argument("file", type=Path, metavar="FILE.csv")
    prices.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_common_options(prices)
    prices.set_defaults(func=_import_prices)


def _aware_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def load_cointracking(
    paths: Sequence[Path],
    settings: Settings,
    as_of: datetime | None = None,
    *,
    allow_negative: bool = False,
) -> CtImport:
    """Read, parse and combine CoinTracking exports (no database involved).

    Files are streamed (memory stays bounded); ``allow_negative`` keeps negative amounts
    outside short/borrow/loan accounts instead of refusing them (see
    :mod:`core.portfolio.ctparse`).
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


def _import_cointracking(args: argparse.Namespace) -> int:
    from core.config import load_settings

    settings = load_settings(args.config)
    imported = load_cointracking(
        args.files, settings, args.as_of, allow_negative=args.allow_negative
    )
    summary = summarise(imported, settings)
    if not args.dry_run:
        db_path = args.db or settings.db_path()
        summary["import_id"] = _save(db_path, imported, settings)
        summary["db"] = str(db_path)
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_summary(summary, dry_run=args.dry_run)
    return 0


def _save(db_path: Path, imported: CtImport, settings: Settings) -> int:
    """Write the import, its holdings and its snapshot in one transaction.

    Called only once every file has parsed, so a bad file never opens (or creates) the
    database at all.
    """
    import asyncio

    from core.models import utcnow
    from core.portfolio.holdings import snapshot
    from core.store import Store
    from core.store.portfolio import save_import

    snap = snapshot(imported.holdings, imported.as_of, imported.taxonomy_version)

    async def run() -> int:
        store = await Store.open(
            db_path, flush_ms=settings.store.flush_ms, batch_rows=settings.store.batch_rows
        )
        try:
            return await save_import(store, imported, utcnow(), snap)
        finally:
            await store.close()

    return asyncio.run(run())


def summarise(imported: CtImport, settings: Settings) -> dict[str, object]:
    """A JSON-ready account of what an import holds, for the CLI and logs."""
    from core.portfolio.valuation import CENT, breakdown

    view = breakdown(imported.holdings, "asset", settings.portfolio.dust_usd)
    return {
        "as_of": imported.as_of.isoformat(),
        "taxonomy_version": imported.taxonomy_version,
        "files": [
            {
                "path": f.path,
                "kind": f.kind.value,
                "rows": f.rows,
                "zero_rows_dropped": f.zero_rows,
                "negative_rows_kept": f.negative_rows,
                "file_total_usd": str(f.total_usd),
            }
            for f in imported.files
        ],
        "holdings": len(imported.holdings),
        "assets": len({h.asset for h in imported.holdings}),
        "total_usd": str(view.total.quantize(CENT)),
        "shown": len(view.rows),
        "dust_hidden": view.hidden_count,
        "dust_usd": str(settings.portfolio.dust_usd),
        "unpriced": len(view.unpriced),
        "unmapped_labels": list(imported.unmapped_labels),
        "guessed_groups": list(imported.guessed),
        "dead": list(imported.dead),
    }


def _print_summary(summary: dict[str, object], *, dry_run: bool) -> None:
    files = summary["files"]
    assert isinstance(files, list)
    for f in files:
        print(
            f"{f['path']}: {f['kind']}, {f['rows']} rows ({f['zero_rows_dropped']} with zero "
            f"amount dropped, {f['negative_rows_kept']} negative kept), "
            f"file total ${f['file_total_usd']}"
        )
    print(
        f"{summary['holdings']} holdings in {summary['assets']} assets, total "
        f"${summary['total_usd']} as of {summary['as_of']}; {summary['shown']} assets shown, "
        f"{summary['dust_hidden']} holdings under ${summary['dust_usd']} hidden as dust"
    )
    guessed = summary["guessed_groups"]
    assert isinstance(guessed, list)
    if guessed:
        print(
            f"{len(guessed)} assets grouped by heuristic (see `cockpit classify`), "
            f"taxonomy {summary['taxonomy_version']}"
        )
    if summary["unmapped_labels"]:
        print(
            f"unmapped location labels (add them to portfolio.location_labels): "
            f"{', '.join(summary['unmapped_labels'])}"  # type: ignore[arg-type]
        )
    if dry_run:
        print("dry run: nothing written")
    else:
        print(f"saved as import {summary['import_id']} in {summary['db']}")


def _import_prices(args: argparse.Namespace) -> int:
    import asyncio

    from core.config import load_settings
    from core.risk.files import PRICES_SOURCE, read_daily_closes
    from core.store import Store

    settings = load_settings(args.config)
    series = read_daily_closes(args.file)  # the whole file checks out before any write
    db_path = args.db or settings.db_path()

    async def run() -> None:
        store = await Store.open(
            db_path, flush_ms=settings.store.flush_ms, batch_rows=settings.store.batch_rows
        )
        try:
            await store.save_daily_closes(PRICES_SOURCE, series)
        finally:
            await store.close()

    asyncio.run(run())
    assets = {
        asset: {
            "days": len(points),
            "first": points[0][0].date().isoformat() if points else None,
            "last": points[-1][0].date().isoformat() if points else None,
        }
        for asset, points in sorted(series.items())
    }
    summary = {
        "file": str(args.file),
        "db": str(db_path),
        "source": PRICES_SOURCE,
        "closes": sum(len(p) for p in series.values()),
        "assets": assets,
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        firsts = [a["first"] for a in assets.values() if a["first"]]
        lasts = [a["last"] for a in assets.values() if a["last"]]
        span = f", {min(firsts)} to {max(lasts)}" if firsts else ""
        print(
            f"{summary['closes']} daily closes for {len(assets)} assets{span} "
            f"saved in {db_path} (source {PRICES_SOURCE!r})"
        )
    return 0
