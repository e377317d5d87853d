"""``cockpit order place|cancel|list``: headless orders through the same gate as the TUI.

    cockpit order place VENUE SYMBOL buy|sell QTY [--price P] [--type limit|market|post_only|ioc]
    cockpit order cancel VENUE SYMBOL CLIENT_ORDER_ID
    cockpit order list [--all]

Each run starts the core on the configured venues (paper by default: ``mode: live`` is needed
for real orders), reconciles, carries out the one command and stops. Exit 1 if the gate or the
venue refused.
"""

from __future__ import annotations

import argparse
import uuid
from decimal import Decimal, InvalidOperation


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
        choices=("limit", "market", "post_only", "ioc"),
        help="default: limit with --price, market without",
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

    kind = (
        OrderType(args.type)
        if args.type
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
    return _run_command(args, PlaceOrder(request=request))


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
