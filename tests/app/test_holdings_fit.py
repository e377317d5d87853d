"""The holdings pane in the real app at 120x40: every line fits, the P&L column included."""

from __future__ import annotations

from core.config import Settings
from tests.app.conftest import running_app, wait_until
from widgets.holdings_table import HoldingsTable


async def test_holdings_pane_fits_at_120x40_with_its_pnl_column(settings: Settings) -> None:
    async with running_app(settings, (120, 40)) as (app, pilot):
        table = app.screen.query_one("#holdings", HoldingsTable)
        await wait_until(pilot, lambda: table.line_count > 3, "holdings rows")
        width = table.scrollable_content_region.width
        head = table.line_text(0)
        assert head.split()[-2:] == ["24h", "P&L"]
        rows = [table.line_text(i) for i in range(table.line_count)]
        assert max(len(r) for r in rows) <= width, (width, rows)
        # No fills yet in a fresh database: every row's P&L is unknown.
        body = [r for r in rows[1:] if r[:1].isalpha() and not r.startswith(("Total", "session"))]
        assert body and all(r.rstrip(" ⊘").endswith("—") for r in body), body
