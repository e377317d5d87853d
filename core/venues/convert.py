"""Sans-I/O conversions between ccxt's unified structures and cockpit's models.

ccxt reports numbers as floats; every number is turned into a :class:`~decimal.Decimal` through
its shortest round-trip string (``Decimal(str(0.1)) == Decimal("0.1")``), which is exact for the
decimal values venues send. Kept apart from the I/O so it is testable with plain dicts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.models import Instrument, Order, OrderRequest, OrderStatus, OrderType, Side, utcnow

ZERO = Decimal(0)
TRADABLE_STATUSES = ("online", "TRADING")
"""Venue market statuses that mean 'open for trading' (Kraken, Binance)."""


def dec(value: Any) -> Decimal | None:
    """An exact Decimal from a ccxt number or numeric string (``None`` stays ``None``)."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float) and value.is_integer():
        return Decimal(int(value))  # 40.0 -> 40, not Decimal("40.0")
    return Decimal(str(value))


def ms_to_dt(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value) / 1000.0, tz=UTC)


def instrument_from_market(venue: str, market: dict[str, Any]) -> Instrument | None:
    """A spot market as an :class:`Instrument`, or ``None`` if it is not a tradable spot market."""
    if not market.get("spot", False):
        return None
    status = (market.get("info") or {}).get("status")
    if status is not None and status not in TRADABLE_STATUSES:
        return None
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    tick, step = dec(precision.get("price")), dec(precision.get("amount"))
    if tick is None or step is None or tick <= 0 or step <= 0:
        return None
    fees: dict[str, Any] = {}
    for name in ("maker", "taker"):
        rate = dec(market.get(name))
        if rate is not None:
            fees[f"{name}_fee"] = rate
    return Instrument(
        venue=venue,
        symbol=market["symbol"],
        base=market["base"],
        quote=market["quote"],
        price_tick=tick.normalize(),
        qty_step=step.normalize(),
        min_qty=dec((limits.get("amount") or {}).get("min")) or ZERO,
        min_notional=dec((limits.get("cost") or {}).get("min")) or ZERO,
        venue_symbol=market.get("id"),
        **fees,
    )


_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_BINANCE_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


def client_id_problem(kind: str, client_order_id: str) -> str | None:
    """Why the venue would refuse ``client_order_id`` as its client id, or ``None``.

    Kraken ``cl_ord_id``: a UUID (36 characters with hyphens, or 32 hex digits) or free text of
    at most 18 characters. Binance ``newClientOrderId``: 1-36 of ``A-Z a-z 0-9 . : / _ -``.
    """
    if kind == "kraken":
        if len(client_order_id) <= 18 or _UUID.match(client_order_id):
            return None
        return "Kraken takes a UUID or at most 18 characters of free text"
    if kind == "binance" and not _BINANCE_ID.match(client_order_id):
        return "Binance takes 1-36 characters of A-Z a-z 0-9 . : / _ -"
    return None


def order_args(request: OrderRequest) -> tuple[str, str, str | None, dict[str, Any]]:
    """``(type, side, price, params)`` for ccxt's ``create_order`` with our client order id."""
    params: dict[str, Any] = {"clientOrderId": request.client_order_id}
    if request.type is OrderType.MARKET:
        return "market", request.side.value, None, params
    if request.price is None:
        raise ValueError(f"{request.type.value} order {request.client_order_id} has no price")
    if request.type is OrderType.POST_ONLY:
        params["postOnly"] = True
    elif request.type is OrderType.IOC:
        params["timeInForce"] = "IOC"
    return "limit", request.side.value, str(request.price), params


def _status(raw: dict[str, Any], qty: Decimal, filled: Decimal) -> OrderStatus:
    status = raw.get("status")
    if status == "open":
        return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.OPEN
    if status == "closed":
        return OrderStatus.FILLED if qty > 0 and filled >= qty else OrderStatus.CANCELLED
    if status in ("canceled", "cancelled"):
        return OrderStatus.CANCELLED
    if status == "expired":
        return OrderStatus.FILLED if qty > 0 and filled >= qty else OrderStatus.EXPIRED
    if status == "rejected":
        return OrderStatus.REJECTED
    return OrderStatus.SUBMITTED  # accepted, state not reported yet


def _type(raw: dict[str, Any]) -> OrderType:
    if raw.get("type") == "market":
        return OrderType.MARKET
    if raw.get("postOnly"):
        return OrderType.POST_ONLY
    if raw.get("timeInForce") == "IOC":
        return OrderType.IOC
    return OrderType.LIMIT


def order_from_ccxt(venue: str, raw: dict[str, Any], request: OrderRequest | None = None) -> Order:
    """A ccxt order structure as an :class:`Order`; ``request`` fills what the venue omits."""
    now = utcnow()
    qty = dec(raw.get("amount")) or (request.qty if request else ZERO)
    filled = dec(raw.get("filled")) or ZERO
    fee = raw.get("fee") or {}
    created = ms_to_dt(raw.get("timestamp")) or now
    updated = ms_to_dt(raw.get("lastUpdateTimestamp") or raw.get("lastTradeTimestamp"))
    client_id = raw.get("clientOrderId") or (request.client_order_id if request else None)
    if not client_id:
        raise ValueError(f"{venue}: order {raw.get('id')} carries no client order id")
    side = raw.get("side") or (request.side.value if request else None)
    symbol = raw.get("symbol") or (request.symbol if request else None)
    if side is None or symbol is None:
        raise ValueError(f"{venue}: order {raw.get('id')} has no side or symbol")
    return Order(
        client_order_id=str(client_id),
        venue=venue,
        symbol=str(symbol),
        side=Side(side),
        type=request.type if request else _type(raw),
        qty=qty,
        price=dec(raw.get("price")) if raw.get("type") != "market" else None,
        status=_status(raw, qty, filled),
        filled_qty=filled,
        avg_price=dec(raw.get("average")) if filled > 0 else None,
        fee_paid=dec(fee.get("cost")) or ZERO,
        exchange_order_id=None if raw.get("id") is None else str(raw["id"]),
        created_ts=created,
        updated_ts=max(updated or created, created),
        plan_id=request.plan_id if request else None,
        reason=request.reason if request else None,
    )
