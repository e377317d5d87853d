"""Order types emulated client-side, as pure state machines over prices and fills.

Venues differ in what they support natively; these work on any venue because the cockpit
decides when to send plain limit/market orders (which then pass the gate like any other):

- :class:`StopOrder`: sends its order once the price crosses the trigger;
- :class:`TrailingStop`: a stop whose trigger follows the best price by a fixed fraction;
- :class:`OneCancelsOther`: two orders; the first to fill (even partly) cancels the other;
- :class:`Iceberg`: shows ``visible`` at a time and replenishes as slices fill;
- :func:`twap_slices`: splits a large order into equal slices spread over time.

Each emits :class:`~core.models.OrderRequest` values with derived client order ids, so a
restart that replays the same inputs produces the same ids (and the manager's idempotency
keeps them single).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.models import ZERO, Instrument, OrderRequest, OrderType, Side


def _child(parent: OrderRequest, suffix: str, qty: Decimal, **changes: object) -> OrderRequest:
    return parent.model_copy(
        update={"client_order_id": f"{parent.client_order_id}-{suffix}", "qty": qty, **changes}
    )


@dataclass(slots=True)
class StopOrder:
    """Send ``order`` when the price reaches ``trigger`` (sell: at or below; buy: at or above)."""

    order: OrderRequest
    trigger: Decimal
    fired: bool = False

    def on_price(self, price: Decimal) -> OrderRequest | None:
        if self.fired:
            return None
        hit = price <= self.trigger if self.order.side is Side.SELL else price >= self.trigger
        if not hit:
            return None
        self.fired = True
        return _child(self.order, "stop", self.order.qty)


@dataclass(slots=True)
class TrailingStop:
    """A stop ``trail`` (a fraction, e.g. 0.02) behind the best price seen since arming."""

    order: OrderRequest
    trail: Decimal
    best: Decimal | None = None
    fired: bool = False

    @property
    def trigger(self) -> Decimal | None:
        if self.best is None:
            return None
        sign = -1 if self.order.side is Side.SELL else 1
        return self.best * (1 + sign * self.trail)

    def on_price(self, price: Decimal) -> OrderRequest | None:
        if self.fired:
            return None
        if self.best is None:
            self.best = price
        elif self.order.side is Side.SELL:
            self.best = max(self.best, price)  # a sell stop trails the high
        else:
            self.best = min(self.best, price)  # a buy stop trails the low
        trigger = self.trigger
        assert trigger is not None
        hit = price <= trigger if self.order.side is Side.SELL else price >= trigger
        if not hit:
            return None
        self.fired = True
        return _child(self.order, "trail", self.order.qty)


@dataclass(slots=True)
class OneCancelsOther:
    """Two live orders; when one fills at all, the other is to be cancelled (once)."""

    first: OrderRequest
    second: OrderRequest
    done: bool = False

    def on_fill(self, client_order_id: str) -> str | None:
        """The client id to cancel after a fill of ``client_order_id``, or None."""
        if self.done:
            return None
        ids = (self.first.client_order_id, self.second.client_order_id)
        if client_order_id not in ids:
            return None
        self.done = True
        return ids[1] if client_order_id == ids[0] else ids[0]


@dataclass(slots=True)
class Iceberg:
    """Work ``order`` (a limit) showing at most ``visible`` at a time."""

    order: OrderRequest
    visible: Decimal
    step: Decimal
    sent: Decimal = ZERO
    slices: int = 0
    live: str | None = field(default=None)

    def next_slice(self) -> OrderRequest | None:
        """The next visible slice, or None when everything was sent or a slice is live."""
        left = self.order.qty - self.sent
        if self.live is not None or left <= 0:
            return None
        qty = min(self.visible, left)
        qty = (qty / self.step).to_integral_value(rounding="ROUND_FLOOR") * self.step
        if qty <= 0:
            return None
        self.slices += 1
        self.sent += qty
        child = _child(self.order, f"i{self.slices}", qty)
        self.live = child.client_order_id
        return child

    def on_done(self, client_order_id: str, filled: Decimal, qty: Decimal) -> None:
        """A slice finished (filled or cancelled); unfilled quantity goes back to the pool."""
        if client_order_id == self.live:
            self.sent -= qty - filled
            self.live = None


def twap_slices(
    order: OrderRequest,
    inst: Instrument,
    notional: Decimal,
    slice_notional: Decimal,
    interval_s: float,
) -> list[tuple[float, OrderRequest]]:
    """Split ``order`` into equal slices of at most ``slice_notional``, ``interval_s`` apart.

    Returns (seconds after start, child request). Slices are on the step grid; the last one
    carries the remainder, so the quantities add up exactly. Orders that fit one slice are
    returned unchanged.
    """
    if notional <= slice_notional or order.qty <= inst.qty_step:
        return [(0.0, order)]
    count = int((notional / slice_notional).to_integral_value(rounding="ROUND_CEILING"))
    each = inst.round_qty(order.qty / count)
    if each <= 0 or each < inst.min_qty:
        return [(0.0, order)]
    out: list[tuple[float, OrderRequest]] = []
    left = order.qty
    for n in range(count):
        qty = each if n < count - 1 else left
        left -= qty
        out.append((n * interval_s, _child(order, f"t{n + 1}", qty)))
    return out


def is_market_like(order: OrderRequest) -> bool:
    return order.type in (OrderType.MARKET, OrderType.IOC)
