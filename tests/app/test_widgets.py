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
    async with Harness(table).run_test(size=(80, 30)) as pilot:
        table.update_view(view)
        await pilot.pause()
        text = lines(table)
        assert text[0].split() == ["Asset", "Qty", "Price", "Src", "Value", "Wt", "24h", "P&L"]
        by_asset = {line.split()[0]: line for line in text[1:] if not line.startswith("▸")}
        # One row per asset: BTC sums its two locations (0.5 + 0.25 at 60,000).
        assert "$45,000" in by_asset["BTC"] and "0.750" in by_asset["BTC"]
        # Gains carry ▲ and a plus sign, losses ▼ and a minus sign, in the theme's colours.
        assert "▲+2.1%" in by_asset["BTC"]
        assert "▼-3.4%" in by_asset["ETH"]
        gain_row = next(i for i, line in enumerate(text) if "▲+2.1%" in line)
        loss_row = next(i for i, line in enumerate(text) if "▼-3.4%" in line)
        assert style_at(table, gain_row, "▲").color == table.style_of("gain").color
        assert style_at(table, loss_row, "▼").color == table.style_of("loss").color
        assert table.style_of("gain").color != table.style_of("loss").color
        # Every price shows its source badge and age; the stale one '!' in the stale colour.
        assert re.search(r" 0\.12 m!<1s ", by_asset["DOGE"])  # stale, and still a book mid
        assert re.search(r"60,000\.00 m<1s ", by_asset["BTC"])
        assert re.search(r"1\.0000 =<1s ", by_asset["USDT"])
        doge_row = next(i for i, line in enumerate(text) if line.startswith("DOGE"))
        assert style_at(table, doge_row, "!").color == table.style_of("stale").color
        assert "! 1 stale or missing price(s)" in text
        # All 11 groups get a subtotal line (empty ones at $0), and they add up to the total.
        headers = [line for line in text if line.startswith("▸")]
        assert [h[2:].split("  ")[0] for h in headers] == list(GROUPS)
        assert "▸ BTC  $45,000  71.2%" in text
        assert "▸ SOL  $0.00  0.0%" in text
        total = sum((r.value for r in view.rows), Decimal(0))
        assert sum((g.value for g in view.groups), Decimal(0)) == total
        # The total to the cent (what `cockpit holdings` prints), the rows in whole dollars.
        assert f"${total:,.2f}" in next(line for line in text if line.startswith("Total"))
        # The session sparkline: samples scaled between their min (▁) and max (█), e.g. 212,900
        # is (212,900 - 211,500) / 2,700 x 7 = 3.6 -> ▅; then the change over the session.
        assert text[-1] == "session ▂▅▁▆▇█ ▲+1.04%"

        table.update_view(view, privacy=True)
        await pilot.pause()
        assert not [line for line in lines(table) if re.search(r"\$\d", line)]
        assert "•••••" in by_line(lines(table), "ETH")


async def test_holdings_table_marks_imported_rows_with_badge_and_age_and_cold_wallets() -> None:
    """Imported quantities show ``imp`` and the import's age where a P&L would be (an import
    has no cost basis); cold-wallet rows carry ⊘; under the total, where the holdings come
    from, and in paper mode the real balances, labelled and outside the total."""
    table = HoldingsTable(id="subject")
    view = samples.imported_holdings()
    async with Harness(table).run_test(size=(100, 30)) as pilot:
        table.update_view(view)
        await pilot.pause()
        text = lines(table)
        # ETH sits only in the imported cold wallet: badge and age (90 days), and ⊘.
        assert by_line(text, "ETH").endswith(" imp 90d ⊘")
        # BTC mixes a venue account and an imported cold wallet: no import badge on the sum.
        assert "imp" not in by_line(text, "BTC")
        await pilot.press("l")
        text = lines(table)
        cold = next(line for line in text if line.startswith("BTC") and "ledger:cold" in line)
        spot = next(line for line in text if line.startswith("BTC") and "sim-a:spot" in line)
        assert cold.endswith(" imp 90d ⊘") and "imp" not in spot and "⊘" not in spot
        total = next(line for line in text if line.startswith("Total"))
        assert f"${view.total:,.2f}" in total
        assert "· from sim-a $30,000 · cointracking $27,000 (imp 90d)" in text
        assert "· real, not traded (rows are paper): sim-a $31,000" in text
        table.update_view(view, privacy=True)
        await pilot.pause()
        masked = lines(table)
        assert not [line for line in masked if re.search(r"\$\d", line)]
        assert any(line.startswith("· from sim-a •••••") for line in masked)


async def test_per_location_rows_fit_the_main_screen_column_with_badge_and_mark() -> None:
    """At 120x40 (62 cells) per-location rows drop the weight, then the price and its source
    (per asset, shown in the per-asset rows): the full location, the import badge, the P&L
    and ⊘ stay on screen."""
    table = HoldingsTable(id="subject")
    async with Harness(table).run_test(size=(64, 30)) as pilot:
        table.update_view(samples.imported_holdings())
        await pilot.press("l")
        text = lines(table)
        assert text[0].split() == ["Asset", "Where", "Qty", "Value", "24h", "P&L"]
        widths = [len(table._texts[i].plain) for i in range(table.line_count)]
        assert max(widths) <= table.scrollable_content_region.width == 62
        cold = next(line for line in text if line.startswith("ETH"))
        assert "ledger:cold" in cold and cold.endswith(" imp 90d ⊘")
        spot = next(line for line in text if line.startswith("BTC") and "sim-a:spot" in line)
        assert "⊘" not in spot and spot.endswith("—")
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        text = lines(table)
        head = ["Asset", "Where", "Qty", "Price", "Src", "Value", "Wt", "24h", "P&L"]
        assert text[0].split() == head
        assert next(line for line in text if line.startswith("ETH")).endswith(" imp 90d ⊘")


async def test_holdings_table_unrealised_pnl_column_signed_partial_and_masked() -> None:
    table = HoldingsTable(id="subject")
    view = samples.holdings()
    rows = {(r.asset, r.location_id): r for r in view.rows}
    btc = rows[("BTC", "sim-a:spot")].unrealised_pnl
    eth = rows[("ETH", "sim-b:spot")].unrealised_pnl
    assert btc == Decimal("0.5") * (60000 - 50000) and eth == 3 * (3000 - 3500)
    async with Harness(table).run_test(size=(100, 30)) as pilot:
        table.update_view(view)
        await pilot.pause()
        text = lines(table)
        # Per asset: BTC sums a covered account and a cold wallet without a basis -> partial.
        assert by_line(text, "BTC").endswith(" ▲~$5.0k")
        assert by_line(text, "ETH").endswith(" ▼~$1.5k")  # fills cover 3 of 4 ETH
        assert by_line(text, "USDT").endswith("—") and by_line(text, "DOGE").endswith("—")
        gain = next(i for i, line in enumerate(text) if line.endswith("▲~$5.0k"))
        loss = next(i for i, line in enumerate(text) if line.endswith("▼~$1.5k"))
        assert style_at(table, gain, "▲~$5").color == table.style_of("gain").color
        assert style_at(table, loss, "▼~$1").color == table.style_of("loss").color
        # Per location: the covered BTC row is complete; the cold wallet has no basis.
        await pilot.press("l")
        text = lines(table)
        spot = next(line for line in text if line.startswith("BTC") and "sim-a:spot" in line)
        cold = next(line for line in text if line.startswith("BTC") and "ledger:cold" in line)
        assert spot.endswith(" ▲+$5.0k") and cold.endswith("— ⊘")
        table.update_view(view, privacy=True)
        await pilot.pause()
        masked = lines(table)
        assert not [line for line in masked if "$5.0k" in line or "$1.5k" in line]
        assert next(line for line in masked if line.startswith("ETH")).endswith("•••••")


async def test_holdings_table_fits_the_main_screen_column_by_dropping_row_weights() -> None:
    """At 120x40 the holdings pane has 62 cells of content: every column but the row weight
    (the group subtotal lines keep it) fits, P&L included, without truncation."""
    table = HoldingsTable(id="subject")
    async with Harness(table).run_test(size=(64, 30)) as pilot:
        table.update_view(samples.holdings())
        await pilot.pause()
        assert table.scrollable_content_region.width == 62
        text = lines(table)
        assert text[0].split() == ["Asset", "Qty", "Price", "Src", "Value", "24h", "P&L"]
        assert by_line(text, "BTC").endswith(" ▲+2.1% ▲~$5.0k")
        assert "▸ BTC  $45,000  71.2%" in text
        widths = [len(table._texts[i].plain) for i in range(table.line_count)]
        assert max(widths) <= 62
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert "Wt" in lines(table)[0].split()


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
        assert table.border_subtitle == "by location · asset@location · sort asset"


async def test_holdings_table_toggles_per_location_rows() -> None:
    table = HoldingsTable(id="subject")
    async with Harness(table).run_test(size=(80, 30)) as pilot:
        table.update_view(samples.holdings())
        await pilot.pause()
        assert len([line for line in lines(table) if line.startswith("BTC ")]) == 1
        await pilot.press("l")
        btc = [line for line in lines(table) if line.startswith("BTC ")]
        assert [line.split()[1] for line in btc] == ["sim-a:spot", "ledger:cold"]
        assert "$30,000" in btc[0] and "$15,000" in btc[1] and "⊘" in btc[1]
        assert lines(table)[0].split()[1] == "Where"
        await pilot.press("l")
        assert len([line for line in lines(table) if line.startswith("BTC ")]) == 1


async def test_holdings_table_filter_typed_after_slash_and_cleared_by_escape() -> None:
    table = HoldingsTable(id="subject")
    async with Harness(table).run_test(size=(80, 30)) as pilot:
        table.update_view(samples.holdings())
        table.focus()
        await pilot.pause()
        # 's' and 'b' are bindings, but while the filter is edited they are typed into it.
        await pilot.press("slash", "s", "t", "a", "b")
        assert table.editing and table.filter == "stab"
        assert table.by == "group" and table.sort == "value"
        assert "/stab▏" in str(table.border_subtitle)
        rows = [line.split()[0] for line in lines(table)[1:] if line[:1].isupper()]
        assert rows == ["USDT", "Total"]
        assert [line for line in lines(table) if line.startswith("▸")] == [
            "▸ Stablecoins  $5,000  7.9%"
        ]
        await pilot.press("backspace", "backspace", "backspace", "backspace", "c", "o", "l")
        await pilot.press("enter")
        assert not table.editing and table.filter == "col"
        # Matches the location too: only the cold wallet's BTC ('ledger:cold') is summed.
        text = lines(table)
        assert [line.split()[0] for line in text[1:] if line[:1].isupper()] == ["BTC", "Total"]
        assert "$15,000" in by_line(text, "BTC") and "⊘" in by_line(text, "BTC")
        await pilot.press("escape")
        assert table.filter == "" and not table.editing
        assert len([line for line in lines(table) if line.startswith("▸")]) == len(GROUPS)


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
    async with Harness(plan).run_test(size=(80, 30)) as pilot:
        plan.update_view(view)
        await pilot.pause()
        text = lines(plan)
        assert text[1].startswith("plan-0123456789abcdef  12:30:00Z") and "✓ fresh" in text[1]
        assert text[2] == "2 orders · turnover $11,971 · fees $11.97 · net $15.04"
        rows = text[3 : 3 + len(GROUPS)]
        assert [line[:13].strip() for line in rows] == [g[:13] for g in GROUPS]
        btc, eth, stable = rows[0], rows[1], rows[2]
        assert "41.0%  35.0% ▲ +6.0" in btc and btc.endswith(" 35.1%")
        assert "14.5%  20.0% ▼ -5.5" in eth and eth.endswith(" 19.9%")
        assert "10.0%  10.0%   +0.0" in stable
        # Over target fills the bar right of the centre, under target left of it.
        assert btc.index("█") > btc.index("│")
        assert eth.index("█") < eth.index("│")
        assert text[3 + len(GROUPS)] == "2 group(s) out of band"
        assert style_at(plan, 3, "▲").color == plan.style_of("stale").color
        # The orders: venue, market, side, qty, limit, notional, fee; sells first.
        orders = [line for line in text if line.startswith("sim-a ")]
        assert orders[0].split() == ["sim-a", "BTC/USDT", "▼sell", "0.10000", "59,990.00",
                                     "$5,999", "$6.00"]  # fmt: skip
        assert orders[1].split()[:3] == ["sim-a", "ETH/USDT", "▲buy"]
        totals = next(i for i, line in enumerate(text) if line.startswith("sells "))
        assert "sells $5,999 · buys $5,972 · fees $11.97" in text[totals]
        # Computed: $15.04 is not within fees+slippage $14.97; the skipped $12 buy explains it.
        assert text[totals + 1] == "net $15.04 ≠0: skipped pieces $12.00 (fees+slippage $14.97)"
        assert text[totals + 2].startswith("residual drift max 0.10")
        # Nothing is dropped silently: transfers and skipped pieces are listed with reasons.
        assert text[totals + 3 :] == [
            "transfer first:",
            "  0.25000 BTC ledger:cold → sim-a ($15,000)",
            "skipped:",
            "  below_minimum  XYZ       $12.00  $12 is under the $20 minimum",
        ]
        # Privacy masks amounts everywhere in the pane, free text included.
        plan.update_view(view, privacy=True)
        masked = lines(plan)
        assert not [line for line in masked if re.search(r"\$\d", line)]
        assert masked[-1] == "  below_minimum  XYZ        •••••  ••••• is under the ••••• minimum"
        assert plan.border_subtitle == "preset fixed · r regenerate · P preset · x send"


async def test_plan_diff_keys_post_regenerate_preset_and_send() -> None:
    plan = PlanDiff(id="subject")
    posted: dict[int, object] = {}  # a message is seen once per widget it bubbles through

    def hook(message: object) -> None:
        posted.setdefault(id(message), message)

    seen = posted.values()
    async with Harness(plan).run_test(size=(80, 30), message_hook=hook) as pilot:
        plan.update_view(samples.plan())
        plan.focus()
        await pilot.press("r", "P", "x")
        regen = [m for m in seen if isinstance(m, PlanDiff.Regenerate)]
        assert [m.preset for m in regen] == [None, "bands"]
        sent = [m for m in seen if isinstance(m, PlanDiff.SendRequested)]
        assert [m.plan_id for m in sent] == ["plan-0123456789abcdef"]

        # A stale plan is refused here: nothing is posted, the pane says why.
        plan.update_view(samples.plan(stale=True))
        await pilot.press("x")
        assert len([m for m in seen if isinstance(m, PlanDiff.SendRequested)]) == 1
        text = lines(plan)
        assert "! STALE" in text[1]
        assert any(line.startswith("✗ stale plan cannot be sent") for line in text)


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


async def test_plan_and_risk_flag_the_stale_prices_their_weights_use() -> None:
    """Stale prices are flagged in every pane that uses them, not only in holdings."""
    from datetime import UTC, datetime, timedelta

    from core.risk import assess
    from core.views import RiskView
    from widgets.risk_panel import RiskPanel

    plan = PlanDiff(id="subject")
    async with Harness(plan).run_test(size=(80, 30)) as pilot:
        plan.update_view(samples.plan())
        await pilot.pause()
        assert not any("stale or missing price" in line for line in lines(plan))
        rows_before = lines(plan)[3 : 3 + len(GROUPS)]
        plan.set_stale_prices(2)
        await pilot.pause()
        text = lines(plan)
        warning = text.index("! weights use 2 stale or missing price(s)")
        assert text[3 : 3 + len(GROUPS)] == rows_before  # the group rows stay put
        assert warning > 3 + len(GROUPS)
        plan.set_stale_prices(0)
        await pilot.pause()
        assert not any("stale or missing price" in line for line in lines(plan))

    start = datetime(2024, 1, 1, tzinfo=UTC)
    closes = {
        "BTC": [(start + timedelta(days=i), 100.0 + (i % 7) * 3 + i * 0.1) for i in range(120)],
        "ETH": [(start + timedelta(days=i), 50.0 + (i % 5) * 2 - i * 0.05) for i in range(120)],
    }
    assessment = assess(closes, {"BTC": 0.6, "ETH": 0.4}, {"BTC": "BTC", "ETH": "ETH"})
    risk = RiskPanel(id="subject")
    async with Harness(risk).run_test(size=(40, 30)) as pilot:
        risk.update_view(RiskView(as_of=start, report=assessment.report, limits=assessment.limits))
        await pilot.pause()
        assert lines(risk)[0].startswith("Volatility")
        risk.set_stale_prices(1)
        await pilot.pause()
        assert lines(risk)[0] == "! 1 stale price(s) in the weights"
        assert lines(risk)[1].startswith("Volatility")
