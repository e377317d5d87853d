"""A change that rounds to zero reads as no change: no arrow, and neither green nor red, in
every place a change is formatted (holdings rows, the session sparkline, the status line)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from rich.text import Text

from core.models import TradingMode
from tests.app import samples
from tests.app.harness import Harness
from tests.app.test_widgets import lines, style_at
from widgets import format as fmt
from widgets.holdings_table import HoldingsTable
from widgets.status import CockpitHeader


def test_the_tone_follows_the_figure_as_shown() -> None:
    for tiny in (0.0004, -0.0004, 0.0):
        assert fmt.signed_pct(tiny) == " 0.0%" and fmt.pct_tone(tiny) == "dim"
    assert fmt.pct_tone(None) == "dim"
    assert fmt.signed_pct(0.0006) == "▲+0.1%" and fmt.pct_tone(0.0006) == "gain"
    # With more digits the same change is visible, and coloured.
    assert fmt.signed_pct(-0.0004, digits=2) == "▼-0.04%"
    assert fmt.pct_tone(-0.0004, digits=2) == "loss"
    for cents in (Decimal("0.004"), Decimal("-0.004")):
        assert fmt.pnl(cents) == " +$0.00" and fmt.pnl_tone(cents) == "dim"
    assert fmt.pnl(Decimal("-0.006")) == "▼-$0.01" and fmt.pnl_tone(Decimal("-0.006")) == "loss"
    assert fmt.pnl_tone(Decimal(950)) == "gain"


async def test_a_holding_whose_change_rounds_to_zero_is_neither_red_nor_green() -> None:
    view = samples.holdings()
    rows = tuple(
        r.model_copy(update={"change_24h": -0.0004}) if r.asset == "ETH" else r for r in view.rows
    )
    # The session went down by 0.004 %: "0.00%" at two digits.
    history = (100_000.0, 99_999.996)
    view = view.model_copy(update={"rows": rows, "history": history})
    table = HoldingsTable(id="subject")
    async with Harness(table).run_test(size=(80, 30)) as pilot:
        table.update_view(view)
        await pilot.pause()
        text = lines(table)
        eth = next(i for i, line in enumerate(text) if line.startswith("ETH"))
        assert text[eth].split()[-2] == "0.0%" and "-0.0%" not in text[eth]
        dim, loss = table.style_of("dim").color, table.style_of("loss").color
        assert dim != loss
        assert style_at(table, eth, "0.0%").color == dim
        spark = next(i for i, line in enumerate(text) if line.startswith("session "))
        assert text[spark].endswith(" 0.00%")
        assert style_at(table, spark, "0.00%").color == dim


def _colours(text: Text, needle: str) -> set[str]:
    start = text.plain.index(needle)
    end = start + len(needle)
    return {str(s.style) for s in text.spans if s.start < end and s.end > start}


async def test_the_status_lines_day_change_that_rounds_to_zero_is_not_coloured() -> None:
    view = samples.holdings()
    # Every price moved by +0.0001 %: the day is up by cents of a cent, shown as +$0.00, 0.0%.
    rows = tuple(r.model_copy(update={"change_24h": 0.000001}) for r in view.rows)
    view = view.model_copy(update={"rows": rows})
    header = CockpitHeader()
    async with Harness(header).run_test(size=(160, 3)) as pilot:
        now = datetime(2025, 3, 14, 12, 30, tzinfo=UTC)
        header.show(TradingMode.PAPER, ("sim-a",), None, now, holdings=view)
        await pilot.pause()
        line = header.content
        assert isinstance(line, Text)
        assert " day ▲+$0.06  0.0%" in line.plain
        assert _colours(line, "▲+$0.06") == {"green"}
        assert _colours(line, " 0.0%") == set()
