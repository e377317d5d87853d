"""OrderTicketModal (``o``): one order, with its cost and fee estimated from the live book.

The ticket offers every order type (the venue's limit, market, post-only, IOC and the
client-side stop, trailing stop, OCO and iceberg), rounds the quantity to the market's step and
the price to its tick, and shows what the order would cost against the book now. "Review"
dismisses it with a :class:`~cockpit.orders.TicketOrder` (the app keeps the one ticket and
reopens it, which costs nothing next time); the app then checks trading is not
paused, shows the confirm modal (focus on Cancel) and sends the order through the core's
pre-trade gate. Choosing another market asks the core to stream that book.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from cockpit.orders import TicketOrder
from core.execution.ticket import NEEDS_PRICE, NEEDS_TRIGGER, TICKET_TYPES, TicketType, estimate
from core.models import Side
from core.views import CockpitState

REFRESH_S = 0.5
TYPE_LABELS = {
    "limit": "limit",
    "market": "market",
    "post_only": "post-only",
    "ioc": "IOC",
    "stop": "stop",
    "trailing_stop": "trailing stop",
    "oco": "OCO (take-profit + stop)",
    "iceberg": "iceberg",
}


def number(text: str) -> Decimal | None:
    """A positive decimal from an input, or None when blank or not a number."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


class OrderTicketModal(ModalScreen[TicketOrder | None]):
    """Venue and market, side, type, quantity and prices; a live estimate; Cancel or Review."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="ticket.cancel"),
        Binding("ctrl+r", "review", "Review", id="ticket.review"),
        # Priority: focus moves while the app handles the key, so a paste right behind the
        # Tab (one terminal read) lands in the field Tab moved to. Without it the key reaches
        # the screen's own tab binding only after bubbling up through the field's parents,
        # and the paste, forwarded meanwhile to whatever had focus, lands in the old field.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="ticket.next"),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous field",
            show=False,
            priority=True,
            id="ticket.previous",
        ),
    ]
    DEFAULT_CSS = """
    OrderTicketModal { align: center middle; }
    OrderTicketModal > Vertical {
        width: 84; max-width: 98%; height: auto; max-height: 98%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    OrderTicketModal Grid {
        grid-size: 4; grid-columns: 10 1fr 10 1fr; grid-rows: 1; grid-gutter: 0 1; height: auto;
        margin: 1 0 0 0;
    }
    OrderTicketModal Input, OrderTicketModal Select { width: 1fr; }
    OrderTicketModal #estimate { height: auto; margin: 1 0 0 0; }
    OrderTicketModal Horizontal { height: auto; align-horizontal: right; }
    OrderTicketModal Button { margin: 0 1; }
    """

    def __init__(
        self,
        markets: tuple[tuple[str, str], ...],
        latest: Callable[[], CockpitState | None],
        select_market: Callable[[str, str], None],
        *,
        market: tuple[str, str] | None = None,
        side: Side = Side.BUY,
        mode: str = "paper",
    ) -> None:
        super().__init__()
        self.markets = markets
        self.latest = latest
        self.select_market = select_market
        self.market = market or (markets[0] if markets else ("", ""))
        self.side = side
        self.mode = mode

    def compose(self) -> ComposeResult:
        market_options = [(f"{v} {s}", f"{v}|{s}") for v, s in self.markets]
        with Vertical():
            yield Static(Text(f"Order ticket [{self.mode.upper()}]", style="bold"), id="title")
            with Grid():
                yield Label("market")
                yield Select(
                    market_options,
                    value=f"{self.market[0]}|{self.market[1]}",
                    allow_blank=False,
                    id="market",
                    compact=True,
                )
                yield Label("side")
                yield Select(
                    [("▲ buy", "buy"), ("▼ sell", "sell")],
                    value=self.side.value,
                    allow_blank=False,
                    id="side",
                    compact=True,
                )
                yield Label("type")
                yield Select(
                    [(TYPE_LABELS[t], t) for t in TICKET_TYPES],
                    value="limit",
                    allow_blank=False,
                    id="type",
                    compact=True,
                )
                yield Label("quantity")
                yield Input(placeholder="base units", id="qty", compact=True)
                yield Label("price")
                yield Input(placeholder="limit price", id="price", compact=True)
                yield Label("trigger")
                yield Input(placeholder="stop price", id="trigger", compact=True)
                yield Label("trail %")
                yield Input(placeholder="trailing: 2 = 2%", id="trail", compact=True)
                yield Label("visible")
                yield Input(placeholder="iceberg slice", id="visible", compact=True)
            yield Static(id="estimate")
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Review", id="review", variant="warning")

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self.refresh_estimate)

    def prepare(self, markets: tuple[tuple[str, str], ...], market: tuple[str, str] | None) -> None:
        """Before each opening (the app keeps one ticket): the markets and the selected one;
        the other fields keep what was typed last time."""
        self.market = market or (markets[0] if markets else ("", ""))
        if not self.is_mounted:
            self.markets = markets
            return
        select = self.query_one("#market", Select)
        if markets != self.markets:
            self.markets = markets
            select.set_options([(f"{v} {s}", f"{v}|{s}") for v, s in markets])
        select.value = f"{self.market[0]}|{self.market[1]}"

    def on_screen_resume(self) -> None:
        self.query_one("#qty", Input).focus()
        self.refresh_estimate()

    # ------------------------------------------------------------------ reading the form

    def _value(self, widget_id: str) -> str:
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, Select):
            return str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    @property
    def kind(self) -> TicketType:
        value = self._value("type")
        return next((t for t in TICKET_TYPES if t == value), "limit")

    def order(self) -> TicketOrder:
        """What the form says now (not yet rounded: the estimate rounds)."""
        venue, _, symbol = self._value("market").partition("|")
        trail = number(self._value("trail"))
        return TicketOrder(
            venue=venue,
            symbol=symbol,
            side=Side(self._value("side")),
            type=self.kind,
            qty=number(self._value("qty")),
            price=number(self._value("price")),
            trigger=number(self._value("trigger")),
            trail=trail / 100 if trail is not None else None,
            visible=number(self._value("visible")),
        )

    # ------------------------------------------------------------------ live estimate

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "market" and isinstance(event.value, str):
            venue, _, symbol = event.value.partition("|")
            self.select_market(venue, symbol)
        self.refresh_estimate()

    def on_input_changed(self) -> None:
        self.refresh_estimate()

    def refresh_estimate(self) -> None:
        if self.is_current:  # kept while closed: nothing to refresh then
            self.query_one("#estimate", Static).update(self.estimate_text())

    def estimate_text(self) -> Text:
        order = self.order()
        kind = order.type
        text = Text()
        need = [
            name
            for name, missing in (
                ("price", kind in NEEDS_PRICE and order.price is None),
                ("trigger", kind in NEEDS_TRIGGER and order.trigger is None),
                ("trail %", kind == "trailing_stop" and order.trail is None),
                ("visible", kind == "iceberg" and order.visible is None),
            )
            if missing
        ]
        state = self.latest()
        inst = state.instrument if state is not None else None
        if inst is None or (inst.venue, inst.symbol) != (order.venue, order.symbol):
            return text.append("waiting for this market's book…", style="italic")
        text.append(f"tick {inst.price_tick}  step {inst.qty_step}", style="dim")
        book = state.book if state is not None else None
        if book is not None and book.best_bid is not None and book.best_ask is not None:
            text.append(f"   bid {book.best_bid}  ask {book.best_ask}", style="dim")
        text.append("\n")
        if order.qty is None:
            return text.append("enter a quantity", style="italic")
        if need:
            text.append(f"needs: {', '.join(need)}\n", style="yellow")
        est = estimate(inst, book, order.side, kind, order.qty, order.price, order.trigger)
        text.append(f"{order.side.value} {est.qty} {inst.base}", style="bold")
        if est.avg_price is not None:
            text.append(f" @ ~{est.avg_price:.{max(0, -inst.price_tick.as_tuple().exponent)}f}")  # type: ignore[operator]
        if est.notional is not None:
            text.append(f"  cost {est.notional:,.2f} {inst.quote}")
        if est.fee is not None:
            text.append(f"  fee ~{est.fee:,.4f} {inst.quote} ({est.liquidity} {est.fee_rate:%})")
        for problem in est.problems:
            text.append(f"\n⚠ {problem}", style="yellow")
        return text

    # ------------------------------------------------------------------ answer

    def on_input_submitted(self) -> None:
        self.action_review()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "review":
            self.action_review()
        else:
            self.dismiss(None)

    def action_review(self) -> None:
        order = self.order()
        problem = order.problem()
        if problem is not None:
            self.notify(problem, severity="warning", timeout=3)
            return
        self.dismiss(order)
