"""``cockpit holdings [--db PATH] [--by group|location|asset] [--json|--csv]``.

What the portfolio holds, valued with provenance: every price says where it came from and is
flagged when stale, and the rows add up to the total shown (display rounding included).
When a cockpit holds the database (a daemon, a running TUI), holdings are the ones it shows,
read over its control socket. Otherwise they come from the database, opened read-only (the
latest import, manual positions from config, and with ``--live`` the newest venue balances the
cockpit stored) or, with ``--file``, straight from CoinTracking exports without touching any
database. Prices: the price cache, then the
import's own prices (flagged stale once older than ``portfolio.cache_stale_after_s``), then
configured prices and rates. With ``ui.privacy`` on, amounts and values
are masked in every format.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from core.csvsafe import csv_writer

if TYPE_CHECKING:
    from core.config import Settings
    from core.models import Holding, Price
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
        help="also count the newest venue balances stored by the cockpit (sim or live)",
    )
    add_common_options(parser)
    parser.set_defaults(func=_holdings)


def _holdings(args: argparse.Namespace) -> int:
    from core.config import load_settings
    from core.models import utcnow

    settings = load_settings(args.config)
    cached: dict[str, Price] = {}
    if args.files:
        from cockpit.commands.imports import load_cointracking

        holdings: Sequence[Holding] = load_cointracking(
            args.files, settings, allow_negative=args.allow_negative
        ).holdings
    else:
        running = _from_running_core(settings, args)
        if running is not None:
            holdings, cached = running
        else:
            holdings, cached = _from_db(
                args.db or settings.db_path(), settings, with_live=args.live
            )
    view = value_holdings(
        holdings, settings, utcnow(), by=args.by, include_dust=args.all, cached=cached
    )
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


def _from_running_core(
    settings: Settings, args: argparse.Namespace
) -> tuple[list[Holding], dict[str, Price]] | None:
    """The holdings the running cockpit shows (its holdings pane), when one holds the database.

    One writer per database: a running core's holdings are what trades and what the TUI shows,
    so the CLI reports those rather than re-deriving a different answer from the tables.
    """
    import asyncio

    from cockpit.commands.headless import CLI_CLIENT
    from core.access import reader_client
    from core.models import Holding

    if args.db is not None:
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"path": args.db})}
        )

    async def read() -> tuple[list[Holding], dict[str, Price]] | None:
        async with reader_client(settings, client=CLI_CLIENT) as remote:
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

    return asyncio.run(read())


def _from_db(
    db_path: Path, settings: Settings, *, with_live: bool
) -> tuple[list[Holding], dict[str, Price]]:
    """The latest import (plus live balances if asked) and the price cache, read-only."""
    import asyncio

    from core.errors import StoreError
    from core.models import utcnow
    from core.portfolio.holdings import combine, holdings_from_balances, manual_holdings
    from core.portfolio.taxonomy import load_taxonomy
    from core.store import Store
    from core.store.portfolio import cached_prices, latest_balances, latest_import

    if not db_path.exists():
        raise StoreError(f"{db_path}: no database yet; run `cockpit import cointracking` first")
    taxonomy = load_taxonomy(settings.portfolio.taxonomy.overrides)

    async def run() -> tuple[list[Holding], dict[str, Price]]:
        store = await Store.open_readonly(db_path)
        try:
            stored = await latest_import(store)
            # With no import, the venue balances the cockpit stored are all the database
            # knows: show them rather than a portfolio of $0.00.
            live = await latest_balances(store) if with_live or stored is None else []
            if stored is None and not with_live and live:
                newest = max(b.ts for b in live)
                sys.stderr.write(
                    f"note: no import in {db_path}; showing the venue balances the cockpit "
                    f"stored (newest {newest:%Y-%m-%d %H:%M} UTC)\n"
                )
            return (
                combine(
                    stored.holdings if stored else (),
                    holdings_from_balances(live, taxonomy),
                    manual_holdings(settings.portfolio.manual, taxonomy, utcnow()),
                ),
                await cached_prices(store),
            )
        finally:
            await store.close()

    return asyncio.run(run())


def value_holdings(
    holdings: Sequence[Holding],
    settings: Settings,
    now: datetime,
    *,
    by: str,
    include_dust: bool = False,
    cached: dict[str, Price] | None = None,
) -> Breakdown:
    """Re-price holdings at ``now`` (imported prices age; config prices and rates apply) and
    break them down."""
    from core.portfolio.pricing import PriceInputs, PricePolicy, resolve_prices
    from core.portfolio.valuation import breakdown, reprice

    imported = {h.asset: h.price for h in holdings if h.price.value is not None}
    inputs = PriceInputs(
        cached=cached or {},
        imported=imported,
        configured=settings.portfolio.prices,
        rates=settings.portfolio.rates,
    )
    policy = PricePolicy(
        live_stale_s=settings.portfolio.stale_after_s,
        cache_stale_s=settings.portfolio.cache_stale_after_s,
    )
    prices = resolve_prices({h.asset for h in holdings}, inputs, now, policy)
    dust = Decimal(0) if include_dust else settings.portfolio.dust_usd
    return breakdown(reprice(holdings, prices), by, dust)  # type: ignore[arg-type]


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
