"""App-flow tests: ``make_app`` with a real core on the simulated exchange, driven by Pilot."""

from __future__ import annotations

import re

from cockpit.screens.help import HelpModal
from cockpit.screens.main import PANES, MainScreen
from core.config import GROUPS, Settings
from tests.app.conftest import press, running_app, wait_until
from widgets.execution_log import ExecutionLog
from widgets.holdings_table import HoldingsTable
from widgets.line_pane import LinePane
from widgets.order_book_ladder import OrderBookLadder
from widgets.plan_diff import PlanDiff
from widgets.risk_panel import RiskPanel

MONEY = re.compile(r"\$\d")


def lines(pane: LinePane) -> list[str]:
    return [pane.line_text(i) for i in range(pane.line_count)]


def risk_text(panel: RiskPanel) -> str:
    return "\n".join(lines(panel))


async def test_five_panes_fill_with_sim_values_and_update(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        screen = app.main
        holdings = screen.query_one(HoldingsTable)
        book = screen.query_one(OrderBookLadder)
        plan = screen.query_one(PlanDiff)
        log = screen.query_one(ExecutionLog)
        risk = screen.query_one(RiskPanel)
        await wait_until(
            pilot,
            lambda: (
                holdings.view is not None
                and plan.view is not None
                and book.book is not None
                and risk.view is not None
            ),
            "every pane to get its first view",
        )
        state = screen.state
        assert state is not None and state.holdings is not None

        # Holdings: every asset of the demo portfolio appears with a dollar value.
        held = lines(holdings)
        assets = {row.asset for row in state.holdings.rows}
        assert len(assets) >= 10
        for asset in assets:
            assert any(line.startswith(asset[:6]) and MONEY.search(line) for line in held), asset
        total = next(line for line in held if line.startswith("Total"))
        # The pane repaints at most twice a second: compare with the view it painted, which
        # may be one state behind screen.state.
        painted = holdings.view
        assert painted is not None
        assert f"${painted.total:,.2f}" in total  # to the cent, as `cockpit holdings` prints

        # Risk: figures computed from the sim's recorded history.
        text = risk_text(risk)
        assert "Volatility" in text and "Max drawdown" in text
        assert re.search(r"Volatility\s+\d+\.\d%", text)

        # Plan: its id and freshness, one row per asset group in display order, then the
        # orders build_plan made on the sim's books, with their totals.
        await wait_until(pilot, lambda: bool(plan.view and plan.view.plan_id), "a plan")
        assert plan.view is not None and plan.view.plan_id is not None
        plan_lines = lines(plan)
        assert plan_lines[1].startswith(plan.view.plan_id)
        assert plan_lines[2].startswith(f"{len(plan.view.orders)} orders · turnover $")
        assert [line[:13].strip() for line in plan_lines[3 : 3 + len(GROUPS)]] == [
            g[:13] for g in GROUPS
        ]
        orders = [line for line in plan_lines if line.startswith(("sim-a ", "sim-b "))]
        assert len(orders) == len(plan.view.orders) > 0
        assert any(line.startswith("sells $") for line in plan_lines)

        # Book: asks (▼) above the mid line, bids (▲) below, integrity badge.
        ladder = lines(book)
        mid = next(i for i, line in enumerate(ladder) if line.startswith(" mid "))
        assert ladder[1].startswith("▼") and ladder[mid - 1].startswith("▼")
        assert ladder[mid + 1].startswith("▲") and ladder[-1].startswith("▲")
        assert book.border_subtitle == "✔ verified"
        assert state.book is not None and state.market is not None
        assert state.book.symbol in str(book.border_title)

        # Execution log: the core's start-up event.
        assert any("SYS" in line and "started in PAPER mode" in line for line in lines(log))

        # Then the book moves: its content changes over later states.
        first_book, seen = ladder, app.states_seen
        await wait_until(
            pilot,
            lambda: app.states_seen > seen and lines(book) != first_book,
            "the book ladder to change",
        )
        assert app.states_seen > seen


async def test_number_keys_and_tab_move_between_panes(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        screen = app.main
        ids = [p for p, _ in PANES]

        async def expect_active(pane_id: str) -> None:
            pane = screen.pane(pane_id)
            await wait_until(
                pilot, lambda: screen.active == pane_id and screen.focused is pane, pane_id
            )
            # The wide layout keeps every pane on screen; only focus moves.
            assert all(screen.pane(p).display for p in ids)

        await expect_active("holdings")
        for key, pane_id in zip("24135", ["risk", "book", "holdings", "plan", "log"], strict=True):
            await press(pilot, key)
            await expect_active(pane_id)
        for step in range(1, len(ids) + 1):
            await press(pilot, "tab")
            await expect_active(ids[(len(ids) - 1 + step) % len(ids)])
        await press(pilot, "shift+tab")
        await expect_active(ids[-2])
        # j/k move the cursor of the focused line pane.
        await press(pilot, "1", "j", "j", "k")
        await wait_until(pilot, lambda: screen.query_one(HoldingsTable).cursor == 1, "cursor 1")


async def test_help_theme_and_privacy_keys(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        holdings = app.main.query_one(HoldingsTable)
        await wait_until(pilot, lambda: holdings.view is not None, "holdings")
        await press(pilot, "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpModal), "the help modal")
        await press(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), "help to close")

        assert app.theme == "cockpit-dark"
        await press(pilot, "t")
        await wait_until(pilot, lambda: app.theme == "cockpit-light", "the light theme")
        assert app.theme_name == "light"
        await press(pilot, "t")
        await wait_until(pilot, lambda: app.theme == "cockpit-colorblind", "colour-blind theme")

        def money_lines() -> list[str]:
            return [line for line in lines(holdings) if MONEY.search(line)]

        assert money_lines()
        await press(pilot, "p")
        await wait_until(pilot, lambda: app.privacy and not money_lines(), "amounts masked")
        assert any("•••••" in line for line in lines(holdings))
        # Still masked after later states arrive.
        seen = app.states_seen
        await wait_until(pilot, lambda: app.states_seen > seen + 2, "later states")
        assert not money_lines()
        await press(pilot, "p")
        await wait_until(pilot, lambda: bool(money_lines()), "amounts shown again")


async def test_bracket_changes_the_books_market(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        book = app.main.query_one(OrderBookLadder)
        await wait_until(pilot, lambda: book.book is not None, "a book")
        state = app.main.state
        assert state is not None and state.market is not None
        before = state.market
        index = state.markets.index(before)
        await press(pilot, "right_square_bracket")
        expected = state.markets[(index + 1) % len(state.markets)]
        await wait_until(
            pilot,
            lambda: (
                book.book is not None
                and (book.book.venue, book.book.symbol) == (expected.venue, expected.symbol)
            ),
            f"the book to show {expected.key}",
        )
        assert f"{expected.symbol}@{expected.venue}" in str(book.border_title)
        await press(pilot, "left_square_bracket")
        await wait_until(
            pilot,
            lambda: (
                book.book is not None
                and (book.book.venue, book.book.symbol) == (before.venue, before.symbol)
            ),
            f"the book to return to {before.key}",
        )


async def test_small_terminal_shows_one_pane_at_a_time(settings: Settings) -> None:
    async with running_app(settings, size=(80, 24)) as (app, pilot):
        screen = app.main
        assert screen.has_class("-compact")

        def shown() -> list[str]:
            return [p for p, _ in PANES if screen.pane(p).display]

        assert shown() == ["holdings"]
        assert screen.pane("holdings").size.width > 70
        await press(pilot, "4")
        await wait_until(pilot, lambda: shown() == ["book"], "only the book")
        await press(pilot, "tab")
        await wait_until(pilot, lambda: shown() == ["log"], "only the log")
        await pilot.resize_terminal(160, 48)
        await wait_until(pilot, lambda: not screen.has_class("-compact"), "the wide layout")
        assert shown() == [p for p, _ in PANES]
