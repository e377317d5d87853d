"""Widget tests: each pane in a tiny harness app, fed hand-built snapshots."""

from __future__ import annotations

import re
from decimal import Decimal

from rich.style import Style

from core.config import GROUPS
from core.models import BookIntegrity
from tests.app import samples
from tests.app.harness import Harness
from widgets.execution_log import ExecutionLog
from widgets.holdings_table import HoldingsTable
from widgets.line_pane import LinePane
from widgets.order_book_ladder import OrderBookLadder
from widgets.plan_diff import PlanDiff


def lines(pane: LinePane) -> list[str]:
    return [pane.line_text(i) for i in range(pane.line_count)]


def style_at(pane: LinePane, index: int, needle: str) -> Style:
    """The combined style of the first character of ``needle`` in line ``index``."""
    text = pane._texts[index]
    start = text.plain.index(needle)
    style = Style.parse(str(text.style)) if isinstance(text.style, str) else text.style
    for span in text.spans:
        if span.start <= start < span.end:
            span_style = span.style if isinstance(span.style, Style) else Style.parse(span.style)
            style = style + span_style
    return style


async def test_holdings_table_arrows_badges_and_totals() -> None:
    table = HoldingsTable(id="subject")
    view = samples.holdings()
    async with Harness(table).run_test(size=(80, 24)) as pilot:
        table.update_view(view)
        await pilot.pause()
        text = lines(table)
        assert text[0].split() == ["Asset", "Where", "Qty", "Price", "Value", "Wt", "24h"]
        by_asset = {line.split()[0]: line for line in text[1:] if not line.startswith("▸")}
        # Gains carry ▲ and a plus sign, losses ▼ and a minus sign, in the theme's colours.
        assert "▲+2.1%" in by_asset["BTC"]
        assert "▼-3.4%" in by_asset["ETH"]
        gain_row = next(i for i, line in enumerate(text) if "▲+2.1%" in line)
        loss_row = next(i for i, line in enumerate(text) if "▼-3.4%" in line)
        assert style_at(table, gain_row, "▲").color == table.style_of("gain").color
        assert style_at(table, loss_row, "▼").color == table.style_of("loss").color
        assert table.style_of("gain").color != table.style_of("loss").color
        # The stale price is flagged '!' right after it; live ones carry their source badge.
        assert re.search(r" 0\.12!", by_asset["DOGE"])
        assert re.search(r"60,000\.00m", by_asset["BTC"])
        assert text[-1] == "! 1 stale or missing price(s)"
        # The cold-wallet holding is marked as not tradable.
        assert sum("⊘" in line for line in text) == 1
        total = sum((r.value for r in view.rows), Decimal(0))
        assert f"${total:,.0f}" in next(line for line in text if line.startswith("Total"))
        assert "▸ BTC  $45,000  71.2%" in text

        table.update_view(view, privacy=True)
        await pilot.pause()
        assert not [line for line in lines(table) if re.search(r"\$\d", line)]
        assert "•••••" in by_line(lines(table), "ETH")


def by_line(text: list[str], asset: str) -> str:
    return next(line for line in text if line.startswith(asset + " "))


async def test_holdings_table_group_by_location_and_sort_keys() -> None:
    table = HoldingsTable(id="subject")
    async with Harness(table).run_test(size=(80, 24)) as pilot:
        table.update_view(samples.holdings())
        await pilot.press("b")
        assert table.by == "location"
        groups = [line.split()[1] for line in lines(table) if line.startswith("▸")]
        assert groups == ["sim-a:spot", "ledger:cold", "sim-b:spot"]
        await pilot.press("s")
        assert table.sort == "asset"
        assert table.border_subtitle == "by location · sort asset"


async def test_order_book_ladder_asks_above_bids_below_with_badge() -> None:
    ladder = OrderBookLadder(id="subject")
    snapshot = samples.book()
    async with Harness(ladder).run_test(size=(60, 24)) as pilot:
        ladder.update_book(snapshot)
        await pilot.pause()
        text = lines(ladder)
        mid = next(i for i, line in enumerate(text) if line.startswith(" mid "))
        asks, bids = text[1:mid], text[mid + 1 :]
        assert len(asks) == len(bids) == 6
        assert all(line.startswith("▼") for line in asks)
        assert all(line.startswith("▲") for line in bids)
        ask_prices = [Decimal(line.split()[1].replace(",", "")) for line in asks]
        bid_prices = [Decimal(line.split()[1].replace(",", "")) for line in bids]
        assert ask_prices == sorted((lv.price for lv in snapshot.asks), reverse=True)
        assert bid_prices == [lv.price for lv in snapshot.bids]
        # Cumulative size at the outermost bid is the sum of all six.
        assert Decimal(bids[-1].split()[3]) == sum(lv.qty for lv in snapshot.bids)
        spread_bp = float(snapshot.spread / snapshot.mid * 10_000)  # type: ignore[operator]
        assert text[mid] == f" mid 60,000.00  spr {spread_bp:.1f}bp"
        assert style_at(ladder, 1, "▼").color == ladder.style_of("loss").color
        assert style_at(ladder, mid + 1, "▲").color == ladder.style_of("gain").color
        assert ladder.border_subtitle == "✔ verified"
        assert not ladder.has_class("-untrusted")

        ladder.update_book(snapshot, stale=True)
        await pilot.pause()
        assert ladder.border_subtitle == "⚠ stale"
        assert ladder.has_class("-untrusted")
        ladder.update_book(samples.book(BookIntegrity.RESYNCING))
        assert ladder.border_subtitle == "⟳ resyncing"


async def test_plan_diff_rows_for_all_groups_with_drift_arrows() -> None:
    plan = PlanDiff(id="subject")
    view = samples.plan()
    async with Harness(plan).run_test(size=(80, 24)) as pilot:
        plan.update_view(view)
        await pilot.pause()
        text = lines(plan)
        rows = text[1 : 1 + len(GROUPS)]
        assert [line[:13].strip() for line in rows] == [g[:13] for g in GROUPS]
        btc, eth, stable = rows[0], rows[1], rows[2]
        assert "41.0%  35.0% ▲ +6.0" in btc
        assert "14.5%  20.0% ▼ -5.5" in eth
        assert "10.0%  10.0%   +0.0" in stable
        # Over target fills the bar right of the centre, under target left of it.
        assert btc.index("█") > btc.index("│")
        assert eth.index("█") < eth.index("│")
        assert text[-1] == "turnover to target $6,000 · 2 group(s) out of band"
        assert style_at(plan, 1, "▲").color == plan.style_of("stale").color


async def test_execution_log_newest_first_filters_and_privacy() -> None:
    log = ExecutionLog(id="subject")
    async with Harness(log).run_test(size=(100, 24)) as pilot:
        log.update_events(samples.events())
        await pilot.pause()
        text = lines(log)
        assert [line.split()[1] for line in text] == ["PRINT", "REJECT", "FILL", "SYS"]
        assert text[0].startswith("12:30:12 PRINT  sim-a BTC/USDT")
        assert text[2].endswith("slip +1.5bp 42ms")
        assert "started in PAPER mode" in text[3]
        assert style_at(log, 2, "FILL").color == log.style_of("gain").color
        assert style_at(log, 1, "REJECT").color == log.style_of("loss").color
        await pilot.press("f")
        assert [line.split()[1] for line in lines(log)] == ["REJECT", "FILL", "SYS"]
        await pilot.press("f")
        assert [line.split()[1] for line in lines(log)] == ["REJECT", "FILL"]
        assert log.border_subtitle == "filter: orders · 4 events"
        log.update_events(samples.events(), privacy=True)
        assert "60000" not in lines(log)[1] and "•••••" in lines(log)[1]
