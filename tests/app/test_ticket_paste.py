"""Paste right after Tab in the order ticket lands in the field Tab moved to.

A terminal delivers a Tab and a bracketed paste typed in quick succession in one read, so the
app receives both before either is handled. A key goes to the focused widget and only reaches
the screen's ``tab`` binding after bubbling up through its parents' queues; the paste is
forwarded to whatever has focus when the app handles it, which was still the field Tab left.
The ticket binds Tab with priority, so focus moves while the app handles the key, before the
paste is looked at.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from cockpit.screens.ticket import OrderTicketModal
from core.config import Settings
from tests.app.conftest import Pilot, press, running_app, wait_until
from tests.app.test_terminal import trading_market


async def tab_then_paste(pilot: Pilot[int], key: str, text: str) -> None:
    """Tab (or Shift+Tab) and a paste as one terminal read delivers them: back to back."""
    char = "\t" if key == "tab" else None
    pilot.app.post_message(events.Key(key, char))
    pilot.app.post_message(events.Paste(text))
    for _ in range(3):
        await pilot._wait_for_screen(timeout=10.0)


async def test_tab_then_paste_lands_in_the_next_field(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        await trading_market(app, pilot)
        await press(pilot, "o")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderTicketModal), "the ticket")
        ticket = app.screen
        assert isinstance(ticket, OrderTicketModal)
        await wait_until(pilot, lambda: ticket.focused is not None, "the ticket's focus")
        qty, price, trigger = (
            ticket.query_one(f"#{n}", Input) for n in ("qty", "price", "trigger")
        )
        await wait_until(pilot, lambda: ticket.focused is qty, "the quantity focused")
        await tab_then_paste(pilot, "tab", "0.25")
        await wait_until(pilot, lambda: price.value == "0.25", "the paste in the price")
        assert qty.value == "" and ticket.focused is price
        await tab_then_paste(pilot, "tab", "41000")
        await wait_until(pilot, lambda: trigger.value == "41000", "the paste in the trigger")
        await tab_then_paste(pilot, "shift+tab", "5")
        # Focus selects a field's text (Input.select_on_focus): the paste replaces it.
        await wait_until(pilot, lambda: price.value == "5", "the paste back in the price")
        assert (qty.value, trigger.value) == ("", "41000")
