"""Execution log events and audit payloads for orders: what the operator reads, per step.

Each order event carries the latency since the order was sent (submit → ack → fills → done)
and, once it has fills, the slippage in basis points against the mid at arrival (positive is
worse: paid above mid for a buy, sold below it for a sell).
"""

from __future__ import annotations

from typing import Any

from core.models import (
    EventKind,
    EventLevel,
    LogEvent,
    Order,
    OrderRequest,
    OrderStatus,
    utcnow,
)

KINDS = {
    OrderStatus.FILLED: (EventKind.ORDER_FILLED, EventLevel.INFO),
    OrderStatus.PARTIALLY_FILLED: (EventKind.ORDER_PARTIAL, EventLevel.INFO),
    OrderStatus.CANCELLED: (EventKind.ORDER_CANCELLED, EventLevel.INFO),
    OrderStatus.EXPIRED: (EventKind.ORDER_CANCELLED, EventLevel.INFO),
    OrderStatus.REJECTED: (EventKind.ORDER_REJECTED, EventLevel.WARNING),
    OrderStatus.UNKNOWN: (EventKind.ORDER_SUBMITTED, EventLevel.WARNING),
}
"""Event kind and level per order status (acks for the rest)."""


def slippage_bps(order: Order) -> float | None:
    """Average fill price against the arrival mid, in bps, signed so that positive is worse."""
    if not order.avg_price or not order.arrival_mid:
        return None
    return float((order.avg_price / order.arrival_mid - 1) * 10_000 * order.side.sign)


def order_event(order: Order, latency_ms: float | None, note: str | None = None) -> LogEvent:
    """The log line for an order's new state."""
    kind, level = KINDS.get(order.status, (EventKind.ORDER_ACKED, EventLevel.INFO))
    text = f"{order.status.value} {order.side.value} {order.filled_qty}/{order.qty} {order.symbol}"
    if order.avg_price:
        text += f" @ {order.avg_price:.8g}"
    if order.reason and order.status in (OrderStatus.REJECTED, OrderStatus.EXPIRED):
        text += f" ({order.reason})"
    if note:
        text += f" [{note}]"
    return LogEvent(
        ts=utcnow(),
        kind=kind,
        level=level,
        message=text,
        venue=order.venue,
        symbol=order.symbol,
        client_order_id=order.client_order_id,
        side=order.side,
        qty=order.filled_qty or order.qty,
        price=order.avg_price or order.price,
        fee=order.fee_paid or None,
        slippage_bps=slippage_bps(order),
        latency_ms=latency_ms,
    )


def ref_event(
    kind: EventKind,
    message: str,
    ref: OrderRequest | Order | None,
    *,
    level: EventLevel = EventLevel.INFO,
    latency_ms: float | None = None,
    venue: str | None = None,
) -> LogEvent:
    """A free-text event about a request or order (or a venue when ``ref`` is None)."""
    return LogEvent(
        ts=utcnow(),
        kind=kind,
        level=level,
        message=message,
        venue=ref.venue if ref else venue,
        symbol=ref.symbol if ref else None,
        client_order_id=ref.client_order_id if ref else None,
        side=ref.side if ref else None,
        qty=ref.qty if ref else None,
        price=ref.price if ref else None,
        latency_ms=latency_ms,
    )


def request_payload(request: OrderRequest, refused_by: str | None) -> dict[str, Any]:
    """An order request as an audit payload (with the refusing rule, if any)."""
    payload: dict[str, Any] = request.model_dump(mode="json")
    if refused_by is not None:
        payload["refused_by"] = refused_by
    return payload


def order_payload(order: Order) -> dict[str, Any]:
    """An order's state as an audit payload."""
    return order.model_dump(mode="json", exclude={"created_ts"})
