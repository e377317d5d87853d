"""``cockpit holdings [--db PATH] [--by group|location|asset] [--json|--csv]``.

What the portfolio holds, valued with provenance: every price says where it came from and is
flagged when stale, and the rows add up to the total shown (display rounding included).
Holdings are the merged portfolio the holdings pane shows (:mod:`core.portfolio.stored`: the
latest import or ``portfolio.imports``, the newest venue balances the cockpit stored, manual
positions from config) or, with ``--file``, straight from CoinTracking exports without touching
any database. Prices: the price cache, then the import's own prices (flagged stale once older
than ``portfolio.cache_stale_after_s``), then the last daily close, then configured prices
and rates. With ``ui.privacy`` on, amounts and values
are masked in every format.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from core.csvsafe import csv_writer

if TYPE_CHECKING:
    from core.models import Price
    from core.portfolio.locations import LocationRegistry
    from core.portfolio.valuation import Breakdown

MASK = "•••"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "holdings",
        help="show holdings by group, location or asset",
        description="Holdings valued with price provenance; dust under portfolio.dust_usd is "
        "hidden unless --all.",
    )
    parser.add_argument("--by", choices=("group", "location", "asset"), default="group")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON output")
    fmt.add_argument("--csv", action="store_true", help="CSV output")
    parser.add_argument("--all", action="store_true", help="include dust")
    parser.add_argument(
        "--file",
        dest="files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="read CoinTracking exports instead of the database",
    )
    parser.add_argument(
        "--allow-negative",
        action="store_true",
        help="with --file: keep negative amounts outside margin/futures/loan accounts",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="kept for scripts: the newest venue balances the cockpit stored always count "
        "(in paper mode the paper accounts, as the holdings pane shows them)",
    )
    add_common_options(parser)
    parser.set_defaults(func=_holdings)


def _holdings(args: argparse.Namespace) -> int:
    from core.config import load_settings
    from core.models import utcnow
    from core.portfolio.stored import merge_stored
    from core.portfolio.valuation import breakdown

    settings = load_settings(args.config)
    now = utcnow()
    if args.files:
        from core.imports import load_cointracking

        imported = list(
            load_cointracking(args.files, settings, allow_negative=args.allow_negative).holdings
        )
        holdings = merge_stored(settings, imported, [], {}, now).holdings
    else:
        import asyncio

        from cockpit.commands.headless import CLI_CLIENT
        from core.usecases.holdings import portfolio_holdings

        # One writer per database: a running cockpit's holdings are the ones its pane shows.
        holdings = asyncio.run(portfolio_holdings(settings, args.db, now, client=CLI_CLIENT))
    dust = Decimal(0) if args.all else settings.portfolio.dust_usd
    view = breakdown(holdings, args.by, dust)
    masked = settings.ui.privacy
    registry = settings.portfolio.location_registry()
    if args.json:
        json.dump(_as_json(view, masked), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.csv:
        _write_csv(view, masked, registry)
    else:
        _print_table(view, masked, registry)
    return 0


def _price_badge(price: Price | None) -> str:
    if price is None:
        return ""
    badge = price.source.value
    return f"{badge} STALE" if price.stale else badge


def _cells(
    view: Breakdown, masked: bool, registry: LocationRegistry, *, pretty: bool = True
) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, rows and footer as text; rounded values that add up to the footer."""
    from core.portfolio.valuation import allocate_cents

    group = "," if pretty else ""

    cents = allocate_cents([r.value for r in view.rows])
    header = [view.by, "value_usd", "weight_pct", "holdings", "stale", "unpriced"]
    if view.by == "asset":
        header += ["qty", "price_usd", "price_source", "price_ts"]
    elif view.by == "location":
        header += ["custody", "tradable", "label"]
    rows = []
    for row, value in zip(view.rows, cents, strict=True):
        cells = [
            row.key,
            MASK if masked else f"{value:{group}.2f}",
            f"{row.weight * 100:.2f}",
            str(row.holdings),
            str(row.stale),
            str(row.unpriced),
        ]
        if view.by == "asset":
            price = row.price
            cells += [
                MASK if masked else f"{row.qty:{group}f}",
                "" if price is None or price.value is None else f"{price.value:.8g}",
                _price_badge(price),
                price.ts.isoformat() if price is not None and price.ts else "",
            ]
        elif view.by == "location":
            loc = registry.get(row.key) or registry.resolve(row.key.removeprefix("unmapped:"))
            cells += [loc.custody.value, "yes" if loc.tradable else "no", loc.label or ""]
        rows.append(cells)
    total = sum(cents, Decimal(0))
    footer = ["total shown", MASK if masked else f"{total:{group}.2f}", "100.00" if rows else "0"]
    return header, rows, footer


def _print_table(view: Breakdown, masked: bool, registry: LocationRegistry) -> None:
    header, rows, footer = _cells(view, masked, registry)
    table = [header, *rows, footer]
    widths = [max(len(r[i]) for r in table if i < len(r)) for i in range(len(header))]
    numeric = {1, 2, 3, 4, 5} | ({6, 7} if view.by == "asset" else set())
    for line in table:
        print(
            "  ".join(
                cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
                for i, cell in enumerate(line)
            ).rstrip()
        )
    hidden = MASK if masked else f"{view.hidden:,.2f}"
    grand = MASK if masked else f"{view.total:,.2f}"
    print(f"dust hidden: {view.hidden_count} holdings, ${hidden}; grand total ${grand}")
    if view.stale:
        print(f"stale prices: {len(view.stale)} assets (e.g. {', '.join(view.stale[:5])})")
    if view.unpriced:
        print(f"unpriced (valued at 0): {len(view.unpriced)} assets")


def _write_csv(view: Breakdown, masked: bool, registry: LocationRegistry) -> None:
    header, rows, _ = _cells(view, masked, registry, pretty=False)
    writer = csv_writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def _as_json(view: Breakdown, masked: bool) -> dict[str, object]:
    data = view.model_dump(mode="json")
    if masked:
        for key in ("visible", "hidden", "total"):
            data[key] = MASK
        for row in data["rows"]:
            for key in ("value", "qty"):
                if row.get(key) is not None:
                    row[key] = MASK
    return data
