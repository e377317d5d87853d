"""``cockpit order place|cancel|list``: headless orders through the same gate as the TUI.

    cockpit order place VENUE SYMBOL buy|sell QTY [--price P] [--type limit|market|post_only|ioc]
    cockpit order place ... --type stop --trigger T [--price P]       (market child unless P)
    cockpit order place ... --type trailing_stop --trail 0.02 [--price P]
    cockpit order place ... --type oco --price TAKE_PROFIT --trigger STOP
    cockpit order place ... --type iceberg --price P --visible SLICE
    cockpit order cancel VENUE SYMBOL CLIENT_ORDER_ID
    cockpit order list [--all] [--json | --csv]

Client-side types (stop, trailing stop, OCO, iceberg) are worked by the core; every order they
send passes the same gate. ``--wait S`` keeps the command running up to S seconds while the
order works; whatever is still working then is saved and resumed by the next run of the core
(the TUI, the daemon, or another command on the same database).

One writer per database: when a cockpit already holds the database (``cockpit daemon``, or a
running TUI's own core), ``place`` and ``cancel`` are sent to it over its control socket;
otherwise the command starts the core on the configured venues (paper by default: ``mode:
live`` is needed for real orders) holding the database's lock, reconciles, carries out the one
command and stops. ``list`` only reads: it asks the running core, or reads the database opened
read-only. Exit 1 if the gate or the venue refused.
"""

from __future__ import annotations

import argparse
import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.answers import OrderList
    from core.client import CoreClient
    from core.service import Core
    from core.views import Command

DIRECT = ("limit", "market", "post_only", "ioc")
EMULATED = ("stop", "trailing_stop", "oco", "iceberg")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("order", help="place, cancel and list orders (paper default)")
    sub = parser.add_subparsers(title="order commands", metavar="ACTION", required=True)
    place = sub.add_parser("place", help="place one order through the pre-trade gate")
    place.add_argument("venue")
    place.add_argument("symbol", help="unified BASE/QUOTE, e.g. BTC/USDT")
    place.add_argument("side", choices=("buy", "sell"))
    place.add_argument("qty", type=_decimal)
    place.add_argument("--price", type=_decimal, help="limit price (not for market orders)")
    place.add_argument(
        "--type",
        default=None,
        choices=(*DIRECT, *EMULATED),
        help="default: limit with --price, market without",
    )
    place.add_argument("--trigger", type=_decimal, help="stop price (stop, oco)")
    place.add_argument("--trail", type=_decimal, help="trailing distance as a fraction (0.02)")
    place.add_argument("--visible", type=_decimal, help="iceberg slice size")
    place.add_argument(
        "--wait",
        type=float,
        default=0.0,
        help="seconds to keep working a client-side order before leaving it saved (default 0)",
    )
    place.add_argument("--id", dest="client_order_id", help="client order id (default: new)")
    place.set_defaults(func=_place)
    cancel = sub.add_parser("cancel", help="cancel one order")
    cancel.add_argument("venue")
    cancel.add_argument("symbol")
    cancel.add_argument("client_order_id")
    cancel.set_defaults(func=_cancel)
    listing = sub.add_parser(
        "list",
        help="list orders (open ones unless --all); read-only",
        description="List orders without writing anything: from the running cockpit when one "
        "holds the database, else from the database opened read-only.",
    )
    listing.add_argument("--all", action="store_true", help="include final orders")
    fmt = listing.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON document (an order list)")
    fmt.add_argument("--csv", action="store_true", help="CSV, one order per row")
    listing.set_defaults(func=_list)
    from cockpit.cli import add_common_options

    for action in (place, cancel, listing):
        add_common_options(action)  # --config/--db after the action too


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _place(args: argparse.Namespace) -> int:
    from core.models import OrderRequest, OrderType, Side
    from core.views import PlaceOrder

    emulated = args.type if args.type in EMULATED else None
    kind = (
        OrderType(args.type)
        if args.type and not emulated
        else (OrderType.LIMIT if args.price is not None else OrderType.MARKET)
    )
    request = OrderRequest(
        client_order_id=args.client_order_id or f"cli-{uuid.uuid4().hex[:12]}",
        venue=args.venue,
        symbol=args.symbol,
        side=Side(args.side),
        type=kind,
        qty=args.qty,
        price=args.price,
    )
    if emulated is not None:
        return _place_emulated(args, emulated, request)
    return _run_command(args, PlaceOrder(request=request))


def _place_emulated(args: argparse.Namespace, kind: str, request: object) -> int:
    from cockpit.commands.headless import run_core
    from core.access import LocalCore
    from core.views import PlaceEmulated

    command = PlaceEmulated.model_validate(
        {
            "type": kind,
            "request": request,
            "trigger": args.trigger,
            "trail": args.trail,
            "visible": args.visible,
        }
    )

    async def job(client: CoreClient) -> int:
        result = await client.send(command)
        print(("ok: " if result.ok else "refused: ") + result.message)
        if not result.ok:
            return 1
        coid = command.request.client_order_id
        if not isinstance(client, LocalCore) or client.core is None:
            print(f"working: {coid} is worked by the running cockpit on this database")
            return 0
        return await _wait_emulated(client.core, coid, args.wait)

    return run_core(args, job)


async def _wait_emulated(core: Core, coid: str, wait_s: float) -> int:
    """Keep this command's own core working a client-side order up to ``wait_s`` seconds."""
    from core.usecases.orders import wait_emulated

    assert core.execution is not None
    end = await wait_emulated(core.execution, coid, wait_s)
    if end is None:
        print(f"working: {coid} saved; the next run of the core resumes it")
        return 0
    print(f"done: {coid} {end.outcome}")
    for child in end.children:
        print(f"  {child.client_order_id} {child.status.value} {child.filled_qty}/{child.qty}")
    return 1 if end.refused else 0


def _cancel(args: argparse.Namespace) -> int:
    from core.views import CancelOrder

    command = CancelOrder(
        venue=args.venue, symbol=args.symbol, client_order_id=args.client_order_id
    )
    return _run_command(args, command)


def _run_command(args: argparse.Namespace, command: Command) -> int:
    from cockpit.commands.headless import run_core

    async def job(client: CoreClient) -> int:
        result = await client.send(command)
        print(("ok: " if result.ok else "refused: ") + result.message)
        return 0 if result.ok else 1

    return run_core(args, job)


def _list(args: argparse.Namespace) -> int:
    """Read-only: from the running core if there is one, else the database opened read-only."""
    import asyncio

    from cockpit.commands.headless import CLI_CLIENT
    from cockpit.commands.tui import settings_from_args
    from core.usecases.orders import order_list

    settings = settings_from_args(args)
    listing = asyncio.run(order_list(settings, include_final=args.all, client=CLI_CLIENT))
    if args.json:
        print(listing.model_dump_json(indent=2))
    elif args.csv:
        _orders_csv(listing)
    else:
        _orders_table(listing)
    return 0


ORDER_COLUMNS = (
    "client_order_id",
    "venue",
    "symbol",
    "side",
    "type",
    "qty",
    "filled_qty",
    "price",
    "avg_price",
    "status",
    "created",
    "plan_id",
)


def _orders_csv(listing: OrderList) -> None:
    import sys

    from core.csvsafe import csv_writer

    writer = csv_writer(sys.stdout, lineterminator="\n")
    writer.writerow(ORDER_COLUMNS)
    for o in listing.orders:
        writer.writerow(
            (
                o.client_order_id,
                o.venue,
                o.symbol,
                o.side.value,
                o.type.value,
                o.qty,
                o.filled_qty,
                "" if o.price is None else o.price,
                "" if o.avg_price is None else o.avg_price,
                o.status.value,
                o.created_ts.isoformat(),
                o.plan_id or "",
            )
        )
    for a in listing.armed:  # waiting for their trigger: nothing filled, no venue order yet
        writer.writerow(
            (a.client_order_id, a.venue, a.symbol, a.side.value, a.type, a.qty, "",
             "" if a.price is None else a.price, "", a.state, "", "")
        )  # fmt: skip


def _orders_table(listing: OrderList) -> None:
    print(
        f"{'client id':<28}{'venue':<10}{'symbol':<12}{'side':<5}{'qty':>14}"
        f"{'filled':>14}{'price':>14}  status"
    )
    for o in listing.orders:
        price = o.avg_price or o.price
        print(
            f"{o.client_order_id:<28}{o.venue:<10}{o.symbol:<12}{o.side.value:<5}"
            f"{o.qty:>14}{o.filled_qty:>14}{(f'{price:.8g}' if price else '-'):>14}"
            f"  {o.status.value}"
        )
    for a in listing.armed:
        trigger = f"trigger {a.trigger}" if a.trigger is not None else ""
        if a.trail is not None:
            trigger = f"trail {a.trail:%} {trigger}".strip()
        print(
            f"{a.client_order_id:<28}{a.venue:<10}{a.symbol:<12}{a.side.value:<5}"
            f"{a.qty:>14}{'':>14}{(f'{a.price:.8g}' if a.price else 'market'):>14}"
            f"  {a.state} {a.type} {trigger}".rstrip()
        )
    armed = f", {len(listing.armed)} armed" if listing.armed else ""
    print(f"{len(listing.orders)} order(s){armed}, mode {listing.mode.value}")
