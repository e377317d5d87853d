"""One order as the ticket or the ``:buy``/``:sell`` line describes it, and its core command.

:class:`TicketOrder` is what the user asked for; :meth:`TicketOrder.command` rounds it to the
market's step and tick and builds the core command (``PlaceOrder`` for the venue's own types,
``PlaceEmulated`` for stops, trailing stops, OCO and icebergs). Both go through the core's
pre-trade gate. :func:`confirm_body` is what the confirm modal shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from rich.table import Table
from rich.text import Text

from core.errors import DataError
from core.execution.ticket import (
    DIRECT_TYPES,
    NEEDS_PRICE,
    NEEDS_TRIGGER,
    TicketEstimate,
    TicketType,
    estimate,
    round_to_step,
    round_to_tick,
)
from core.models import BookSnapshot, Instrument, OrderRequest, OrderType, Side
from core.views import PlaceEmulated, PlaceOrder


@dataclass(frozen=True, slots=True)
class TicketOrder:
    venue: str
    symbol: str
    side: Side
    type: TicketType
    qty: Decimal | None
    price: Decimal | None = None
    trigger: Decimal | None = None
    trail: Decimal | None = None
    """Trailing distance as a fraction (0.02 = 2 %)."""
    visible: Decimal | None = None

    def problem(self) -> str | None:
        """What is missing before the order can be reviewed, or None."""
        if not self.venue or not self.symbol:
            return "choose a market"
        if self.qty is None:
            return "enter a positive quantity"
        if self.type in NEEDS_PRICE and self.price is None:
            return f"{self.type} needs a price"
        if self.type in NEEDS_TRIGGER and self.trigger is None:
            return f"{self.type} needs a trigger price"
        if self.type == "trailing_stop" and self.trail is None:
            return "trailing stop needs a trail %"
        if self.type == "iceberg" and self.visible is None:
            return "iceberg needs a visible slice"
        if self.type == "market" and self.price is not None:
            return "a market order takes no price"
        return None

    def rounded(self, inst: Instrument | None) -> TicketOrder:
        """Quantity at the step, prices at the tick (never worse for the trader)."""
        if inst is None or self.qty is None:
            return self
        tick = inst.price_tick
        return replace(
            self,
            qty=round_to_step(self.qty, inst.qty_step),
            price=round_to_tick(self.price, tick, self.side) if self.price else None,
            trigger=round_to_tick(self.trigger, tick, self.side) if self.trigger else None,
            visible=round_to_step(self.visible, inst.qty_step) if self.visible else None,
        )

    def estimate(self, inst: Instrument, book: BookSnapshot | None) -> TicketEstimate:
        assert self.qty is not None
        return estimate(inst, book, self.side, self.type, self.qty, self.price, self.trigger)

    def command(self, client_order_id: str | None = None) -> PlaceOrder | PlaceEmulated:
        """The core command for this order (call :meth:`rounded` first)."""
        assert self.qty is not None and self.qty > 0
        direct = self.type in DIRECT_TYPES
        kind = OrderType(self.type) if direct else OrderType.LIMIT
        if not direct and self.price is None:
            kind = OrderType.MARKET  # a stop without a limit sends a market order
        request = OrderRequest(
            client_order_id=client_order_id or f"tui-{uuid.uuid4().hex[:12]}",
            venue=self.venue,
            symbol=self.symbol,
            side=self.side,
            type=kind,
            qty=self.qty,
            price=self.price if kind is not OrderType.MARKET else None,
            reason="order ticket",
        )
        if direct:
            return PlaceOrder(request=request)
        return PlaceEmulated(
            type=self.type,
            request=request,
            trigger=self.trigger,
            trail=self.trail,
            visible=self.visible,
        )


def from_words(side: str, args: tuple[str, ...]) -> TicketOrder:
    """``VENUE SYMBOL QTY [@ PRICE]`` (``:buy sim-a BTC/USDT 0.1 @ 42000``): limit with a
    price, market without. DataError names the bad word."""
    venue, symbol, qty_text, *rest = args
    if rest and rest[0] != "@":
        raise DataError(f":{side}: expected '@ PRICE' after the quantity, got {rest[0]!r}")
    if rest[:1] == ["@"] and len(rest) != 2:
        raise DataError(f":{side}: '@' needs a price after it")
    qty = _positive(qty_text, side, "QTY")
    price = _positive(rest[1], side, "PRICE") if len(rest) == 2 else None
    return TicketOrder(
        venue=venue,
        symbol=symbol,
        side=Side(side),
        type="limit" if price is not None else "market",
        qty=qty,
        price=price,
    )


def _positive(text: str, side: str, name: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise DataError(f":{side}: {name} must be a number, got {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise DataError(f":{side}: {name} must be positive, got {text!r}")
    return value


def confirm_body(order: TicketOrder, est: TicketEstimate | None, inst: Instrument | None) -> Table:
    """The confirm modal's body: the order in one line, then the estimate and its warnings."""
    arrow, style = ("▲ BUY", "green") if order.side is Side.BUY else ("▼ SELL", "red")
    line = Text.assemble((arrow, f"bold {style}"), f" {order.qty} {order.symbol} on {order.venue}")
    line.append(f"  {order.type.replace('_', ' ')}")
    if order.price is not None:
        line.append(f" @ {order.price}")
    if order.trigger is not None:
        line.append(f"  trigger {order.trigger}")
    if order.trail is not None:
        line.append(f"  trail {order.trail:%}")
    if order.visible is not None:
        line.append(f"  visible {order.visible}")
    body = Table.grid()
    body.add_row(line)
    quote = inst.quote if inst is not None else ""
    if est is not None:
        figures = Text()
        if est.avg_price is not None:
            figures.append(f"est. price {est.avg_price:.8g}   ")
        if est.notional is not None:
            figures.append(f"cost {est.notional:,.2f} {quote}   ")
        if est.fee is not None:
            figures.append(f"fee ~{est.fee:,.4f} {quote} ({est.liquidity})")
        body.add_row(figures)
        for problem in est.problems:
            body.add_row(Text(f"⚠ {problem}", style="yellow"))
    else:
        body.add_row(Text("no book for this market here: no estimate", style="italic"))
    body.add_row(Text("The core's pre-trade gate checks the order before it is sent.", "dim"))
    return body
