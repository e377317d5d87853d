"""Armed client-side orders in the open-orders view, through ``make_app`` on the sim.

A stop armed with the order ticket is listed in ``O`` (type, trigger, state ``armed``); ``d``
disarms it through the confirm modal and the same ``CancelOrder`` the CLI sends; the log says so.
Every wait is on a condition, never on time.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR

from textual.widgets import DataTable, Select

from cockpit.screens.orders import OpenOrdersScreen
from cockpit.screens.ticket import OrderTicketModal
from core.config import Settings
from tests.app.conftest import press, running_app, wait_until
from tests.app.test_terminal import confirm, small_qty, trading_market


async def test_a_stop_armed_with_the_ticket_is_listed_armed_and_d_disarms_it(
    settings: Settings,
) -> None:
    async with running_app(settings) as (app, pilot):
        inst, bid = await trading_market(app, pilot)
        # A sell stop at half the bid: the sim's market never falls that far in a test.
        trigger = (bid / 2).quantize(inst.price_tick, rounding=ROUND_FLOOR)
        qty = small_qty(inst, trigger)

        await press(pilot, "o")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderTicketModal), "the ticket")
        ticket = app.screen
        assert isinstance(ticket, OrderTicketModal)
        await wait_until(pilot, lambda: ticket.focused is not None, "the ticket's focus")
        # Type: back from the quantity to the type list, open it, down to "stop" (5th).
        await press(pilot, "shift+tab")
        await wait_until(pilot, lambda: ticket.focused is ticket.query_one("#type"), "type")
        await press(pilot, "enter", "down", "down", "down", "down", "enter")
        await wait_until(pilot, lambda: ticket.kind == "stop", "the stop type chosen")
        await press(pilot, "tab")
        await wait_until(pilot, lambda: getattr(ticket.focused, "id", "") == "qty", "quantity")
        await press(pilot, *str(qty), "tab", "tab")  # no price: the stop sends a market sell
        await wait_until(pilot, lambda: getattr(ticket.focused, "id", "") == "trigger", "trigger")
        await press(pilot, *str(trigger))
        ticket.query_one("#side", Select).value = "sell"
        await press(pilot, "enter")
        await confirm(app, pilot)

        def armed_ids() -> list[str]:
            s = app.client.latest()
            return [a.client_order_id for a in s.armed] if s else []

        await wait_until(pilot, lambda: bool(armed_ids()), "the stop armed in the state")
        (coid,) = armed_ids()

        def logged(text: str) -> bool:
            s = app.client.latest()
            return bool(s and any(coid in e.message and text in e.message for e in s.events))

        await press(pilot, "O")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenOrdersScreen), "open orders")
        orders = app.screen
        assert isinstance(orders, OpenOrdersScreen)
        await wait_until(pilot, lambda: [a.client_order_id for a in orders.armed] == [coid], "row")
        table = orders.query_one(DataTable)
        row = [str(cell) for cell in table.get_row(f"armed:{coid}")]
        assert row[0] == coid and row[3] == "▼ sell" and row[4] == "stop"
        assert row[7] == "market" and row[8] == "armed" and row[9] == f"≤ {trigger.normalize()}"
        assert orders.selected == orders.armed[0]  # the only row, under the cursor

        await press(pilot, "d")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: logged("disarmed by operator"), "disarmed in the log")
        await wait_until(pilot, lambda: not orders.armed, "the armed row gone")
        assert not armed_ids()
        assert not logged("sending")  # it never fired
