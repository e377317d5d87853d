"""OpenOrdersScreen: every open order on every trading venue; ``d`` cancels the selected one.

The rows come from the core's state: the venues' open orders (``CockpitState.orders``), then
the client-side stops, trailing stops, OCOs and icebergs waiting for their trigger
(``CockpitState.armed``, state ``armed``), re-read a few times a second while the screen is up.
``d`` posts :class:`CancelRequested`; the app asks for confirmation (focus on Cancel) and sends
``CancelOrder`` to the core, which cancels a venue order or disarms an armed one.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from core.execution.armed import ArmedOrder
from core.models import Order
from core.views import CockpitState
from widgets import format as fmt

REFRESH_S = 0.25


class OpenOrdersScreen(Screen[None]):
    """Open orders (id, venue, market, side, type, qty, filled, price, status) and the armed
    client-side ones (their trigger or trail and their legs)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "cancel_order", "Cancel order", id="orders.cancel"),
        Binding("escape,q", "app.pop_screen", "Close", id="orders.close"),
        Binding("j", "cursor(1)", "Down", show=False, id="orders.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="orders.up"),
    ]
    DEFAULT_CSS = """
    OpenOrdersScreen { layout: vertical; }
    OpenOrdersScreen > #title { height: 1; background: $panel; text-style: bold; }
    OpenOrdersScreen > DataTable { height: 1fr; }
    OpenOrdersScreen > #hint { height: 1; background: $panel; color: $text-muted; }
    """

    class CancelRequested(Message):
        """``d`` on a row: cancel this order or disarm this armed one (the app confirms first)."""

        def __init__(self, order: Order | ArmedOrder) -> None:
            super().__init__()
            self.order = order

    def __init__(self, latest: Callable[[], CockpitState | None], *, privacy: bool = False) -> None:
        super().__init__()
        self.latest = latest
        self.privacy = privacy
        self.orders: tuple[Order, ...] = ()
        self.armed: tuple[ArmedOrder, ...] = ()
        self._shown: tuple[tuple[Order, ...], tuple[ArmedOrder, ...]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(" Open orders", id="title")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static(" d cancel the selected order (disarm an armed one) · Esc close", id="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("client id", "venue", "market", "side", "type", "qty", "filled", "price")
        table.add_columns("status", "trigger", "legs")
        self.refresh_orders()
        self.set_interval(REFRESH_S, self.refresh_orders)
        table.focus()

    def on_screen_resume(self) -> None:
        self._shown = None  # shown again (privacy may have changed): redraw the rows
        self.refresh_orders()

    def refresh_orders(self) -> None:
        if not self.is_current:
            return  # installed and kept while hidden: nothing to draw
        state = self.latest()
        self.orders = state.orders if state is not None else ()
        self.armed = state.armed if state is not None else ()
        if (self.orders, self.armed) == self._shown:
            return
        self._shown = (self.orders, self.armed)
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for o in self.orders:
            table.add_row(
                o.client_order_id,
                o.venue,
                o.symbol,
                _side(o),
                o.type.value,
                self._qty(o.qty),
                self._qty(o.filled_qty),
                fmt.exact(o.price) if o.price is not None else "market",
                o.status.value,
                "",
                "",
                key=o.client_order_id,
            )
        for a in self.armed:
            table.add_row(
                a.client_order_id,
                a.venue,
                a.symbol,
                _side(a),
                a.type.replace("_", " "),
                self._qty(a.qty),
                "",
                fmt.exact(a.price) if a.price is not None else "market",
                a.state,
                _trigger(a),
                " · ".join(a.legs),
                key=f"armed:{a.client_order_id}",
            )
        rows = len(self.orders) + len(self.armed)
        if rows:
            table.move_cursor(row=min(row, rows - 1))
        title = f" Open orders ({len(self.orders)})" if self.orders else " Open orders: none"
        if self.armed:
            title += f" · armed ({len(self.armed)})"
        self.query_one("#title", Static).update(title)

    def _qty(self, qty: Decimal) -> str:
        return fmt.exact(qty) if not self.privacy else fmt.MASK

    @property
    def selected(self) -> Order | ArmedOrder | None:
        rows: tuple[Order | ArmedOrder, ...] = (*self.orders, *self.armed)
        row = self.query_one(DataTable).cursor_row
        return rows[row] if 0 <= row < len(rows) else None

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_cancel_order(self) -> None:
        order = self.selected
        if order is None:
            self.notify("no open order selected", timeout=2)
            return
        self.post_message(self.CancelRequested(order))


def _side(order: Order | ArmedOrder) -> str:
    return "▲ buy" if order.side.value == "buy" else "▼ sell"


def _trigger(armed: ArmedOrder) -> str:
    """When an armed order fires: ``≤ 41000`` (a sell stop), ``trail 2% (≤ 41000)``."""
    sign = "≤" if armed.side.value == "sell" else "≥"
    at = f"{sign} {fmt.exact(armed.trigger)}" if armed.trigger is not None else ""
    if armed.trail is not None:
        return f"trail {fmt.exact(armed.trail * 100)}%" + (f" ({at})" if at else "")
    return at if armed.type != "iceberg" else f"show {fmt.exact(armed.visible or Decimal(0))}"
