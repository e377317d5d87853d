"""``cockpit order place|cancel|list``: headless orders through the same gate as the TUI.

    cockpit order place VENUE SYMBOL buy|sell QTY [--price P] [--type limit|market|post_only|ioc]
    cockpit order place ... --type stop --trigger T [--price P]       (market child unless P)
    cockpit order place ... --type trailing_stop --trail 0.02 [--price P]
    cockpit order place ... --type oco --price TAKE_PROFIT --trigger STOP
    cockpit order place ... --type iceberg --price P --visible SLICE
    cockpit order cancel VENUE SYMBOL CLIENT_ORDER_ID
    cockpit order list [--all]

Client-side types (stop, trailing stop, OCO, iceberg) are worked by the core; every order they
send passes the same gate. ``--wait S`` keeps the command running up to S seconds while the
order works; whatever is still working then is saved and resumed by the next run of the core
(the TUI, the daemon, or another command on the same database).

Each run starts the core on the configured venues (paper by default: ``mode: live`` is needed
for real orders), reconciles, carries out the one command and stops. Exit 1 if the gate or the
venue refused.
"""

from __future__ import annotations

import argparse
import uuid
from decimal import Decimal, InvalidOperation

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
    listing = sub.add_parser("list", help="list orders (open ones unless --all)")
    listing.add_argument("--all", action="store_true", help="include final orders")
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
    import asyncio
    import time

    from cockpit.commands.headless import run_core
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

    async def job(core: object) -> int:
        result = await core.execute(command)  # type: ignore[attr-defined]
        print(("ok: " if result.ok else "refused: ") + result.message)
        if not result.ok:
            return 1
        emulator = core.execution.emulator  # type: ignore[attr-defined]
        coid = command.request.client_order_id
        deadline = time.monotonic() + args.wait
        # The emulator works on its own tick; polling it here keeps the core untouched.
        while coid in emulator.working and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        if coid in emulator.working:
            print(f"working: {coid} saved; the next run of the core resumes it")
            return 0
        done = emulator.finished[coid]
        print(f"done: {coid} {done.outcome}")
        manager = core.execution.manager  # type: ignore[attr-defined]
        for child in sorted(
            (o for o in manager.orders.values() if o.client_order_id.startswith(f"{coid}-")),
            key=lambda o: o.created_ts,
        ):
            print(f"  {child.client_order_id} {child.status.value} {child.filled_qty}/{child.qty}")
        return 1 if "refused" in done.outcome else 0

    return run_core(args, job)


def _cancel(args: argparse.Namespace) -> int:
    from core.views import CancelOrder

    command = CancelOrder(
        venue=args.venue, symbol=args.symbol, client_order_id=args.client_order_id
    )
    return _run_command(args, command)


def _run_command(args: argparse.Namespace, command: object) -> int:
    from cockpit.commands.headless import run_core

    async def job(core: object) -> int:
        result = await core.execute(command)  # type: ignore[attr-defined]
        print(("ok: " if result.ok else "refused: ") + result.message)
        return 0 if result.ok else 1

    return run_core(args, job)


def _list(args: argparse.Namespace) -> int:
    from cockpit.commands.headless import run_core

    async def job(core: object) -> int:
        from core.models import Order

        rows = await core.store.fetch_all("SELECT payload FROM orders ORDER BY created_ns")  # type: ignore[attr-defined]
        orders = [Order.model_validate_json(r[0]) for r in rows]
        if not args.all:
            orders = [o for o in orders if not o.status.is_final]
        print(
            f"{'client id':<28}{'venue':<10}{'symbol':<12}{'side':<5}{'qty':>14}"
            f"{'filled':>14}{'price':>14}  status"
        )
        for o in orders:
            price = o.avg_price or o.price
            print(
                f"{o.client_order_id:<28}{o.venue:<10}{o.symbol:<12}{o.side.value:<5}"
                f"{o.qty:>14}{o.filled_qty:>14}{(f'{price:.8g}' if price else '-'):>14}"
                f"  {o.status.value}"
            )
        print(f"{len(orders)} order(s), mode {core.settings.mode.value}")  # type: ignore[attr-defined]
        return 0

    return run_core(args, job)
