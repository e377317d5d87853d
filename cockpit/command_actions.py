"""The app's side of the command palette and the ``:`` line, the order ticket and open orders.

A mixin of :class:`cockpit.app.CockpitApp`. Both the palette and the ``:`` line end in
:meth:`CommandActions.run_invocation`, which runs ``cmd_<name>`` for an action of the
registry (``cockpit.actions``). Trading commands take the keys' path: refused at once while
trading is paused, then the confirm modal (focus on Cancel), then the core's pre-trade gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from cockpit.actions import ActionContext, Invocation, complete, parse
from cockpit.orders import TicketOrder, confirm_body, from_words
from cockpit.screens.confirm import ConfirmModal
from cockpit.screens.orders import OpenOrdersScreen
from cockpit.screens.ticket import OrderTicketModal
from cockpit.themes import ORDER
from core.errors import CockpitError
from core.execution.armed import ArmedOrder
from core.models import Order
from core.views import CancelOrder, CockpitState, SelectMarket
from widgets.command_line import CommandLine

if TYPE_CHECKING:
    from cockpit.app import CockpitApp


class CommandActions:
    """Palette and ``:`` commands, the order ticket and the open-orders view."""

    @property
    def _app(self) -> CockpitApp:
        return self  # type: ignore[return-value]

    # ------------------------------------------------------------------ the registry's context

    def action_context(self) -> ActionContext:
        from cockpit.screens.main import PANES

        app = self._app
        state = app.client.latest()
        keys = app.key_names()
        return ActionContext(
            panes=tuple(p for p, _ in PANES),
            themes=ORDER,
            presets=state.plan.presets if state is not None and state.plan is not None else (),
            markets=tuple((m.venue, m.symbol) for m in state.markets) if state else (),
            orders=tuple(o.client_order_id for o in _cancellable(state)) if state else (),
            keys=keys,
        )

    def key_names(self) -> dict[str, str]:
        """Binding id -> its first key as displayed, after the user's keymap (computed once)."""
        app = self._app
        if app._key_names is None:
            from textual.binding import Binding

            from cockpit.keymap import bindings

            app._key_names = {
                b.id: app.get_key_display(Binding(b.keys[0], ""))
                for b in reversed(bindings(app.settings.ui.keys))
                if b.keys
            }
        return app._key_names

    def complete_command(self, text: str) -> list[str]:
        return complete(text, self.action_context())

    # ------------------------------------------------------------------ the : line

    def action_command_line(self) -> None:
        self.open_command_line()

    def open_command_line(self, text: str = "") -> None:
        app = self._app
        if app.screen is not app.main:
            app.pop_screen()  # the palette has closed; anything else on top goes first
        app.main.query_one(CommandLine).open(text)

    def on_command_line_run(self, message: CommandLine.Run) -> None:
        self.run_line(message.line)

    def run_line(self, line: str) -> None:
        """Parse and run one command line; a bad line is a one-line warning, nothing runs."""
        try:
            invocation = parse(line, self.action_context())
        except CockpitError as exc:
            self._app.notify(str(exc), severity="warning", timeout=5)
            return
        self.run_invocation(invocation)

    def run_invocation(self, invocation: Invocation) -> None:
        app = self._app
        if invocation.action.trading and (not app._may_trade() or app.refuse_if_paused()):
            return
        handler = getattr(self, f"cmd_{invocation.action.name}")
        handler(*invocation.args)

    # ------------------------------------------------------------------ commands

    def cmd_pane(self, pane: str) -> None:
        self._app.main.action_show_pane(pane)

    def cmd_plan(self, preset: str | None = None) -> None:
        from widgets.plan_diff import PlanDiff

        self._app.main.post_message(PlanDiff.Regenerate(preset))

    def cmd_execute(self) -> None:
        self._app.action_execute_plan()

    def cmd_abort(self) -> None:
        self._app.action_abort_plan()

    def cmd_kill(self) -> None:
        self._app.action_kill_switch()

    def cmd_rearm(self) -> None:
        self._app.action_rearm()

    def cmd_theme(self, name: str) -> None:
        self._app.set_theme(name)

    def cmd_privacy(self) -> None:
        self._app.action_toggle_privacy()

    def cmd_screenshot(self) -> None:
        self._app.action_save_svg()

    def cmd_record(self) -> None:
        self._app.action_toggle_record()

    def cmd_market(self, venue: str, symbol: str) -> None:
        self.select_market(venue, symbol)

    def cmd_ticket(self) -> None:
        self.action_order_ticket()

    def cmd_orders(self) -> None:
        self.action_open_orders()

    def cmd_buy(self, *args: str) -> None:
        self._order_from_words("buy", args)

    def cmd_sell(self, *args: str) -> None:
        self._order_from_words("sell", args)

    def cmd_cancel(self, client_order_id: str) -> None:
        state = self._app.client.latest()
        orders = _cancellable(state) if state is not None else ()
        order = next((o for o in orders if o.client_order_id == client_order_id), None)
        if order is None:
            self._app.notify(f":cancel: no open order {client_order_id}", severity="warning")
            return
        self.confirm_cancel(order)

    def cmd_history(self) -> None:
        self._app.on_execution_log_history_requested()

    def cmd_analytics(self) -> None:
        self.action_open_analytics()

    def action_open_analytics(self) -> None:
        """``6``: equity, drawdown, monthly returns, attribution and P&L (``AnalyticsScreen``)."""
        from cockpit.screens.analytics import AnalyticsScreen

        app = self._app
        if not isinstance(app.screen, AnalyticsScreen):
            app.push_screen(AnalyticsScreen(app.client, privacy=app.privacy))

    def cmd_help(self) -> None:
        self._app.action_help()

    def cmd_quit(self) -> None:
        self._app.exit(0)

    def _order_from_words(self, side: str, args: tuple[str, ...]) -> None:
        try:
            order = from_words(side, args)
        except CockpitError as exc:
            self._app.notify(str(exc), severity="warning", timeout=5)
            return
        self.confirm_order(order)

    # ------------------------------------------------------------------ markets

    def select_market(self, venue: str, symbol: str) -> None:
        self._app.run_worker(
            self._app.client.send(SelectMarket(venue=venue, symbol=symbol)),
            group="market",
            exclusive=True,
            exit_on_error=False,
            description="select a market",
        )

    # ------------------------------------------------------------------ ticket and orders

    def action_order_ticket(self) -> None:
        app = self._app
        if not app._may_trade() or app.refuse_if_paused():
            return
        state = app.client.latest()
        markets = tuple((m.venue, m.symbol) for m in state.markets) if state else ()
        if not markets:
            app.notify("no markets yet", timeout=2)
            return
        current = (state.market.venue, state.market.symbol) if state and state.market else None
        if not app.is_screen_installed("ticket"):
            app.install_screen(
                OrderTicketModal(
                    markets, app.client.latest, self.select_market, mode=app.settings.mode.value
                ),
                "ticket",
            )
        ticket = app.get_screen("ticket")
        assert isinstance(ticket, OrderTicketModal)
        ticket.prepare(markets, current)
        app.push_screen(ticket, self._ticket_done)

    def _ticket_done(self, order: TicketOrder | None) -> None:
        if order is not None:
            self.confirm_order(order)

    @work(group="execution", exclusive=True, exit_on_error=False, description="place an order")
    async def confirm_order(self, order: TicketOrder) -> None:
        """Paused? say so. Else the confirm modal (focus on Cancel), then the core's gate."""
        app = self._app
        if not app._may_trade() or app.refuse_if_paused():
            return
        state = app.client.latest()
        inst = state.instrument if state is not None else None
        if inst is not None and (inst.venue, inst.symbol) != (order.venue, order.symbol):
            inst = None
        order = order.rounded(inst)
        problem = order.problem()
        if problem is not None:
            app.notify(f"order: {problem}", severity="warning")
            return
        book = state.book if state is not None and inst is not None else None
        est = order.estimate(inst, book) if inst is not None else None
        side = order.side.value.capitalize()
        modal = ConfirmModal(
            f"{side} {order.qty} {order.symbol} on {order.venue}?",
            confirm_body(order, est, inst),
            mode=app.settings.mode.value,
            confirm_label=f"Place {order.side.value}",
        )
        if not await app.push_screen_wait(modal):
            app.notify("order not placed", timeout=2)
            return
        result = await app.client.send(order.command())
        app.notify(result.message or "order sent", severity="information" if result.ok else "error")

    def action_open_orders(self) -> None:
        app = self._app
        if not isinstance(app.screen, OpenOrdersScreen):
            if not app.is_screen_installed("orders"):  # kept: reopening it costs nothing
                app.install_screen(OpenOrdersScreen(app.client.latest), "orders")
            screen = app.get_screen("orders")
            assert isinstance(screen, OpenOrdersScreen)
            screen.privacy = app.privacy
            app.push_screen(screen)

    def on_open_orders_screen_cancel_requested(
        self, message: OpenOrdersScreen.CancelRequested
    ) -> None:
        self.confirm_cancel(message.order)

    @work(group="execution", exclusive=True, exit_on_error=False, description="cancel an order")
    async def confirm_cancel(self, order: Order | ArmedOrder) -> None:
        """Cancel a venue order or disarm an armed one: the confirm modal (focus on Cancel),
        then ``CancelOrder`` to the core (the command ``cockpit order cancel`` sends)."""
        app = self._app
        if not app._may_trade():
            return
        price = f" @ {order.price}" if order.price is not None else ""
        what = f"{order.side.value} {order.qty} {order.symbol}{price} on {order.venue}"
        if isinstance(order, ArmedOrder):
            title, label = f"Disarm {order.type} {order.client_order_id}?", "Disarm"
            trigger = f", trigger {order.trigger}" if order.trigger is not None else ""
            body = f"{what} ({order.state}{trigger}); its live legs are cancelled"
        else:
            title, label = f"Cancel order {order.client_order_id}?", "Cancel order"
            body = f"{what} ({order.status.value}, {order.filled_qty} filled)"
        modal = ConfirmModal(title, body, mode=app.settings.mode.value, confirm_label=label)
        if not await app.push_screen_wait(modal):
            return
        command = CancelOrder(
            venue=order.venue, symbol=order.symbol, client_order_id=order.client_order_id
        )
        result: Any = await app.client.send(command)
        app.notify(
            result.message or "cancel sent", severity="information" if result.ok else "error"
        )


def _cancellable(state: CockpitState) -> tuple[Order | ArmedOrder, ...]:
    """What ``:cancel`` and ``d`` act on: the open orders, then the armed client-side ones."""
    return (*state.orders, *state.armed)
