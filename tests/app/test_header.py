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


async def test_a_paused_header_keeps_state_key_total_and_day_pnl_at_every_width() -> None:
    """Issue 13: paused or stopped by a breaker, the header gives way venues, the reason, the
    book and the clock first; the state, its re-arm key, the total and the day's P&L stay."""
    from widgets.status import trading_status

    paused = trading_status(False, "breaker: daily loss limit reached -3.2%", 1)
    holdings = samples.holdings()
    header = CockpitHeader(id="subject")
    async with Harness(header).run_test(size=(120, 5)) as pilot:
        await pilot.pause()
        for width in (120, 80, 60):
            await pilot.resize_terminal(width, 5)
            await pilot.pause()
            header.show(
                TradingMode.PAPER,
                ("sim-a", "sim-b"),
                "sim-a:BTC/USDT",
                samples.AT,
                trading=paused,
                holdings=holdings,
            )
            line = str(header.render())
            assert len(line.rstrip()) <= width, (width, line)
            assert "BREAKER" in line and "[R]" in line, line
            assert "day " in line and "%" in line and "$" in line, line
            if width == 120:
                assert "UTC" in line, line  # the clock fits at 120 once the venues give way
