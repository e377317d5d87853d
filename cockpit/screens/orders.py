"""OpenOrdersScreen: every open order on every trading venue; ``d`` cancels the selected one.

The rows come from the core's state (``CockpitState.orders``), re-read a few times a second
while the screen is up. ``d`` posts :class:`CancelRequested`; the app asks for confirmation
(focus on Cancel) and sends ``CancelOrder`` to the core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from core.models import Order
from core.views import CockpitState
from widgets import format as fmt

REFRESH_S = 0.25


class OpenOrdersScreen(Screen[None]):
    """A table of open orders: id, venue, market, side, type, qty, filled, price, status."""

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
        """``d`` on a row: cancel this order (the app confirms first)."""

        def __init__(self, order: Order) -> None:
            super().__init__()
            self.order = order

    def __init__(self, latest: Callable[[], CockpitState | None], *, privacy: bool = False) -> None:
        super().__init__()
        self.latest = latest
        self.privacy = privacy
        self.orders: tuple[Order, ...] = ()
        self._shown: tuple[Order, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static(" Open orders", id="title")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static(" d cancel the selected order · Esc close", id="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("client id", "venue", "market", "side", "type", "qty", "filled", "price")
        table.add_column("status")
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
        if self.orders == self._shown:
            return
        self._shown = self.orders
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for o in self.orders:
            table.add_row(
                o.client_order_id,
                o.venue,
                o.symbol,
                "▲ buy" if o.side.value == "buy" else "▼ sell",
                o.type.value,
                fmt.exact(o.qty) if not self.privacy else fmt.MASK,
                fmt.exact(o.filled_qty) if not self.privacy else fmt.MASK,
                fmt.exact(o.price) if o.price is not None else "market",
                o.status.value,
                key=o.client_order_id,
            )
        if self.orders:
            table.move_cursor(row=min(row, len(self.orders) - 1))
        title = f" Open orders ({len(self.orders)})" if self.orders else " Open orders: none"
        self.query_one("#title", Static).update(title)

    @property
    def selected(self) -> Order | None:
        table = self.query_one(DataTable)
        if not self.orders or not 0 <= table.cursor_row < len(self.orders):
            return None
        return self.orders[table.cursor_row]

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_cancel_order(self) -> None:
        order = self.selected
        if order is None:
            self.notify("no open order selected", timeout=2)
            return
        self.post_message(self.CancelRequested(order))
