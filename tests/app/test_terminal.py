"""The trader's terminal through ``make_app`` on the sim: status line, ticket, open orders.

Each test drives real keys (Pilot) against a real core in its thread and waits on conditions,
never on time.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from textual.widgets import Button, Input

from cockpit.app import CockpitApp
from cockpit.screens.confirm import ConfirmModal
from cockpit.screens.main import MainScreen
from cockpit.screens.orders import OpenOrdersScreen
from cockpit.screens.ticket import OrderTicketModal
from core.config import Settings
from core.models import EventKind, Instrument
from tests.app.conftest import Pilot, press, running_app, wait_until
from widgets.status import CockpitHeader


def header(app: CockpitApp) -> str:
    return str(app.main.query_one(CockpitHeader).content)


def capture_toasts(app: CockpitApp) -> list[str]:
    """Every toast message the app shows from now on (they expire from the screen)."""
    seen: list[str] = []
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        seen.append(message)
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


async def confirm(app: CockpitApp, pilot: Pilot[int], answer: str = "y") -> None:
    """A confirm modal is up with focus on Cancel; answer it (``y`` confirms, ``n`` not)."""
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirm modal")
    await wait_until(pilot, lambda: app.screen.focused is not None, "the modal's focus")
    await pilot._wait_for_screen(timeout=10.0)  # the modal has mounted (its focus is final)
    focused = app.screen.focused
    assert isinstance(focused, Button) and focused.id == "cancel"
    await press(pilot, answer)
    await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmModal), "modal closed")


async def trading_market(app: CockpitApp, pilot: Pilot[int]) -> tuple[Instrument, Decimal]:
    """Wait for trading to be ACTIVE with the selected market's book; its instrument and bid."""

    def state_ready() -> bool:
        s = app.client.latest()
        return bool(s and s.instrument and s.book and s.book.bids and "ACTIVE" in header(app))

    await wait_until(pilot, state_ready, "a book and its instrument")
    state = app.client.latest()
    assert state is not None and state.instrument is not None and state.book is not None
    return state.instrument, state.book.bids[0].price


def small_qty(inst: Instrument, price: Decimal) -> Decimal:
    """Three times the minimum notional at ``price``, at the market's step."""
    wanted = max(inst.min_notional * 3 / price, inst.min_qty, inst.qty_step)
    return (wanted / inst.qty_step).to_integral_value(rounding=ROUND_CEILING) * inst.qty_step


async def test_status_line_shows_paused_after_kill_step_one_until_rearm(
    settings: Settings,
) -> None:
    async with running_app(settings) as (app, pilot):
        await wait_until(pilot, lambda: "ACTIVE" in header(app), "ACTIVE in the status line")
        await wait_until(pilot, lambda: " day " in header(app), "the day's change")
        assert "$" in header(app)

        await press(pilot, "ctrl+k")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: "PAUSED" in header(app), "PAUSED in the status line")
        line = header(app)
        assert "operator" in line and "[R]" in line and "re-arm" in line
        assert "ACTIVE" not in line

        # Trading actions while paused say so at once: no confirmation opens.
        toasts = capture_toasts(app)
        await press(pilot, "ctrl+e")
        await wait_until(pilot, lambda: len(toasts) == 1, "a toast for Ctrl+E")
        # `o` is the ticket from every pane but the log (where it shows order lifecycles).
        await press(pilot, "1")
        holdings = app.main.pane("holdings")
        await wait_until(pilot, lambda: app.focused is holdings, "the holdings pane focused")
        await press(pilot, "o")
        await wait_until(pilot, lambda: len(toasts) == 2, "a toast for o (the ticket)")
        app.run_line("buy sim-a BTC/USDT 0.01")
        await wait_until(pilot, lambda: len(toasts) == 3, "a toast for :buy")
        assert isinstance(app.screen, MainScreen)
        for toast in toasts:
            assert "trading PAUSED (operator" in toast and "R re-arms: no order sent" in toast
        # Later states keep showing it.
        seen = app.states_seen
        await wait_until(pilot, lambda: app.states_seen > seen + 2, "later states")
        assert "PAUSED" in header(app)

        await press(pilot, "R")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: "ACTIVE" in header(app), "ACTIVE again after R")
        assert "PAUSED" not in header(app)


async def test_ticket_places_a_paper_order_seen_in_log_and_open_orders_d_cancels(
    settings: Settings,
) -> None:
    async with running_app(settings) as (app, pilot):
        inst, bid = await trading_market(app, pilot)
        # A resting buy: 1% under the best bid, off the tick on purpose (the ticket rounds).
        price = (bid * 99 / 100).quantize(inst.price_tick, rounding=ROUND_FLOOR)
        qty = small_qty(inst, price)

        await press(pilot, "o")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderTicketModal), "the ticket")
        ticket = app.screen
        assert isinstance(ticket, OrderTicketModal)
        await wait_until(pilot, lambda: ticket.focused is not None, "the ticket's focus")
        assert isinstance(ticket.focused, Input) and ticket.focused.id == "qty"
        await press(pilot, *str(qty))
        await press(pilot, "tab")
        await press(pilot, *str(price))
        await wait_until(
            pilot, lambda: "cost" in str(ticket.estimate_text()), "the live cost estimate"
        )
        estimate = str(ticket.estimate_text())
        assert "fee ~" in estimate and "maker" in estimate
        await press(pilot, "enter")
        await confirm(app, pilot)

        def open_order_ids() -> list[str]:
            s = app.client.latest()
            return [o.client_order_id for o in s.orders] if s else []

        await wait_until(pilot, lambda: bool(open_order_ids()), "the order open in the state")
        (coid,) = open_order_ids()
        assert coid.startswith("tui-")

        def logged(kind: EventKind) -> bool:
            s = app.client.latest()
            return bool(s and any(e.client_order_id == coid and e.kind is kind for e in s.events))

        await wait_until(pilot, lambda: logged(EventKind.ORDER_ACKED), "the order in the log")

        await press(pilot, "O")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenOrdersScreen), "open orders")
        orders = app.screen
        assert isinstance(orders, OpenOrdersScreen)
        await wait_until(pilot, lambda: [o.client_order_id for o in orders.orders] == [coid], "row")
        await press(pilot, "d")
        await confirm(app, pilot)
        await wait_until(pilot, lambda: logged(EventKind.ORDER_CANCELLED), "cancelled in the log")
        await wait_until(pilot, lambda: not orders.orders, "the open-orders view empties")
        await press(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), "back to the panes")

        # The ticket opens again (the same one, kept): focus on the quantity, nothing sent.
        await press(pilot, "o")
        await wait_until(pilot, lambda: app.screen is ticket, "the ticket again")
        await wait_until(pilot, lambda: ticket.focused is not None, "the ticket's focus")
        assert isinstance(ticket.focused, Input) and ticket.focused.id == "qty"
        await press(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), "ticket closed")
        assert not open_order_ids()


async def test_a_session_that_starts_paused_by_a_breaker_says_so_at_once(
    settings: Settings,
) -> None:
    from core.views import KillSwitch

    async with running_app(settings) as (app, pilot):
        await wait_until(pilot, lambda: "ACTIVE" in header(app), "ACTIVE")
        result = await app.client.send(KillSwitch(level=1, reason="breaker: 5 venue errors in 60s"))
        assert result.ok
        await wait_until(pilot, lambda: "BREAKER" in header(app), "BREAKER in the status line")
        assert "5 venue errors in 60s" in header(app)
    # The next session on the same database starts paused: the first state shows it.
    async with running_app(settings) as (app, pilot):
        line = header(app)
        assert "BREAKER" in line and "5 venue errors in 60s" in line and "[R]" in line
        assert "ACTIVE" not in line
