"""``cockpit import cointracking FILE... [--db PATH]``: import CoinTracking CSV exports.

Every file is read and checked before anything is written: a malformed file (wrong columns, a
bad number, a truncated row, a negative amount outside a margin/futures/loan account, a
control or bidirectional character in a name) stops the command with ``file:line:column`` and
exit code 1, and the database is left exactly as it was. Files are streamed, so memory stays
bounded; a file over 128 MiB is refused. The files given together form one snapshot (see
:mod:`core.portfolio.ctimport` for how a per-exchange export and "Current Balance" combine).

One writer per database (:mod:`core.access`): when a daemon or a TUI's own core holds the
database, the import is sent to it over its control socket (operator role); that core reads
the files, checks them, commits the import and republishes the merged portfolio, so attached
TUIs show it at once; a bad file fails there with the same one-line error. Otherwise the
command checks the files first, then writes holding the database's instance lock. The use
cases themselves are :mod:`core.imports`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from core.answers import HoldingsImportSummary, PricesImportSummary

if TYPE_CHECKING:
    from core.answers import Answer
    from core.config import Settings
    from core.portfolio.ctimport import CtImport
    from core.store import Store
    from core.views import Command

T = TypeVar("T")


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


def _import_cointracking(args: argparse.Namespace) -> int:
    from cockpit.commands.tui import settings_from_args
    from core.imports import load_cointracking, save_holdings, summarise
    from core.views import ImportHoldings

    settings = settings_from_args(args)
    paths = [Path(p) for p in args.files]  # as given: errors name the files so
    if args.dry_run:
        summary = summarise(
            load_cointracking(paths, settings, args.as_of, allow_negative=args.allow_negative),
            settings,
        )
    else:
        command = ImportHoldings(
            files=tuple(str(p.absolute()) for p in paths),  # the core's cwd is its own
            as_of=args.as_of,
            allow_negative=args.allow_negative,
        )

        def parse() -> CtImport:
            return load_cointracking(
                paths, settings, args.as_of, allow_negative=args.allow_negative
            )

        async def save(store: Store, imported: CtImport) -> HoldingsImportSummary:
            return await save_holdings(store, imported, settings)

        answer = _write(settings, command, parse, save)
        assert isinstance(answer, HoldingsImportSummary)
        summary = answer
    if args.json:
        json.dump(_as_json(summary), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_summary(summary, dry_run=args.dry_run)
    return 0


def _write(
    settings: Settings,
    command: Command,
    parse: Callable[[], T],
    save: Callable[[Store, T], Awaitable[Answer]],
) -> Answer:
    """One writer per database: sent to the core holding it (daemon or TUI), which parses,
    commits and republishes; else the files are checked here before the database is even
    opened, then saved holding its instance lock."""
    import asyncio

    from cockpit.commands.headless import CLI_CLIENT, _run
    from core.access import writer_or_lock
    from core.daemon.lock import database_owner, lock_path
    from core.errors import CockpitError
    from core.store import Store

    # Checked before the lock when nothing holds the database: a bad file never creates it.
    parsed = parse() if database_owner(lock_path(settings.db_path())) is None else None

    async def main() -> Answer:
        async with writer_or_lock(settings, client=CLI_CLIENT) as remote:
            if remote is not None:
                result = await remote.send(command)
                if not result.ok:
                    raise CockpitError(result.message, title=result.title or "Refused")
                assert result.data is not None
                return result.data
            value = parsed if parsed is not None else await asyncio.to_thread(parse)
            s = settings.store
            store = await Store.open(
                settings.db_path(), flush_ms=s.flush_ms, batch_rows=s.batch_rows
            )
            try:
                return await save(store, value)
            finally:
                await store.close()

    return _run(main())


def _as_json(summary: HoldingsImportSummary | PricesImportSummary) -> dict[str, object]:
    """The summary as ``--json`` prints it (the answer's fields, without its tag)."""
    data = summary.model_dump(mode="json", exclude={"kind"}, exclude_none=True)
    if isinstance(summary, HoldingsImportSummary):
        data["as_of"] = summary.as_of.isoformat()  # as printed before the typed answer
    return data


def _print_summary(summary: HoldingsImportSummary, *, dry_run: bool) -> None:
    for f in summary.files:
        print(
            f"{f.path}: {f.kind}, {f.rows} rows ({f.zero_rows_dropped} with zero "
            f"amount dropped, {f.negative_rows_kept} negative kept), "
            f"file total ${f.file_total_usd}"
        )
    print(
        f"{summary.holdings} holdings in {summary.assets} assets, total "
        f"${summary.total_usd} as of {summary.as_of.isoformat()}; {summary.shown} assets "
        f"shown, {summary.dust_hidden} holdings under ${summary.dust_usd} hidden as dust"
    )
    if summary.guessed_groups:
        print(
            f"{len(summary.guessed_groups)} assets grouped by heuristic (see `cockpit "
            f"classify`), taxonomy {summary.taxonomy_version}"
        )
    if summary.unmapped_labels:
        print(
            f"unmapped location labels (add them to portfolio.location_labels): "
            f"{', '.join(summary.unmapped_labels)}"
        )
    if dry_run:
        print("dry run: nothing written")
    else:
        print(f"saved as import {summary.import_id} in {summary.db}")


def _import_prices(args: argparse.Namespace) -> int:
    from cockpit.commands.tui import settings_from_args
    from core.imports import DailyCloses, load_closes, save_closes
    from core.views import ImportPrices

    settings = settings_from_args(args)
    path = Path(args.file)

    async def save(store: Store, series: DailyCloses) -> PricesImportSummary:
        return await save_closes(store, path, series)

    command = ImportPrices(file=str(path.absolute()))  # the core's cwd is its own
    answer = _write(settings, command, lambda: load_closes(path), save)
    assert isinstance(answer, PricesImportSummary)
    if args.json:
        json.dump(_as_json(answer), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        firsts = [a.first for a in answer.assets.values() if a.first]
        lasts = [a.last for a in answer.assets.values() if a.last]
        span = f", {min(firsts)} to {max(lasts)}" if firsts else ""
        print(
            f"{answer.closes} daily closes for {len(answer.assets)} assets{span} "
            f"saved in {answer.db} (source {answer.source!r})"
        )
    return 0
