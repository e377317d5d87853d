"""The header fits its parts to its width, also when only the width changes."""

from __future__ import annotations

from core.models import TradingMode
from tests.app import samples
from tests.app.conftest import wait_until
from tests.app.harness import Harness
from widgets.status import CockpitHeader


async def test_header_refits_to_a_new_width_without_waiting_for_a_state() -> None:
    """The venues go first when the line is full; a resize refits it at once (the first state
    can come before the first layout, and a paused replay sends no next one)."""
    header = CockpitHeader(id="subject")
    async with Harness(header).run_test(size=(140, 5)) as pilot:
        await pilot.pause()
        header.show(TradingMode.PAPER, ("sim-a", "sim-b"), "sim-a:BTC/USDT", samples.AT)
        wide = str(header.render())
        assert "venues: sim-a, sim-b" in wide and "12:30:00 UTC" in wide
        await pilot.resize_terminal(80, 5)
        await wait_until(pilot, lambda: "venues" not in str(header.render()), "the refit")
        narrow = str(header.render())
        assert "book: sim-a:BTC/USDT" in narrow and narrow.rstrip().endswith("12:30:00 UTC")
        await pilot.resize_terminal(140, 5)
        await wait_until(pilot, lambda: "venues" in str(header.render()), "the venues back")
