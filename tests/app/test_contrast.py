"""No theme draws text a person cannot read: every pane, screen and modal, in every theme.

The real app runs on the sim (``make_app`` with a threaded core); the screens are opened the
way a user opens them (keys), and each is read cell by cell (:mod:`tests.app.contrast`): a
visible character in its own background colour, or under the minimum contrast, fails the
test with its place, colours and screen row. Issue 13: the order book's depth bars drew ask
rows' numbers in the bar's own red, and the light theme drew frames, muted text and the price
badge white on white.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widgets import Button

from cockpit.app import CockpitApp
from cockpit.screens.chart import ChartScreen
from cockpit.screens.confirm import ConfirmModal
from cockpit.screens.help import HelpModal
from cockpit.screens.history import ExecutionHistoryScreen
from cockpit.screens.main import PANES, MainScreen
from cockpit.themes import THEMES
from core.config import Settings
from tests.app.conftest import press, running_app, wait_until
from tests.app.contrast import rows_text, unreadable
from widgets.chart import Chart


async def _look(app: CockpitApp, pilot: Pilot[int], where: str, problems: list[str]) -> None:
    await pilot._wait_for_screen(timeout=10.0)
    await pilot.pause()  # the frame after the last message
    screen = app.screen
    # A modal dims what is behind it on purpose: check the modal's own box.
    region = screen.children[0].region if isinstance(screen, ModalScreen) else None
    bevels = [
        Region(b.region.x, y, b.region.width, 1)
        for b in screen.query(Button)
        for y in (b.region.y, b.region.bottom - 1)
    ]
    bad = unreadable(app, region=region, skip=bevels)
    if bad:
        problems.append(f"{where}: {len(bad)} unreadable cell(s)\n{rows_text(app, bad)}")


async def _back_to_main(app: CockpitApp, pilot: Pilot[int]) -> None:
    """Escape closes every screen and modal (at most a few, never forever)."""
    for _ in range(4):
        if isinstance(app.screen, MainScreen):
            return
        await press(pilot, "escape")
    await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")


async def _opened(app: CockpitApp, pilot: Pilot[int], kind: type[Screen[object]]) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, kind), kind.__name__)


@pytest.mark.slow
@pytest.mark.parametrize("theme", list(THEMES))
async def test_every_screen_is_readable_in_every_theme(theme: str, tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"store": {"path": str(tmp_path / "cockpit.db")}, "ui": {"theme": theme}}
    )
    problems: list[str] = []
    async with running_app(settings) as (app, pilot):
        state = lambda: app.main.state  # noqa: E731
        await wait_until(
            pilot,
            lambda: (s := state()) is not None and s.book is not None and s.plan is not None,
            "a book and a plan",
        )
        await wait_until(pilot, lambda: bool(state() and state().plan.orders), "plan orders")  # type: ignore[union-attr]
        await _look(app, pilot, f"{theme} main 120x40", problems)

        await press(pilot, "c")
        await _opened(app, pilot, ChartScreen)
        chart = app.screen
        assert isinstance(chart, ChartScreen)
        await wait_until(pilot, lambda: chart.loads >= 1, "the chart's history")
        await press(pilot, "left")  # the crosshair and its readout
        await _look(app, pilot, f"{theme} chart (candles, crosshair)", problems)
        for mode in ("line", "area", "bars"):
            await press(pilot, "m")
            await _look(app, pilot, f"{theme} chart ({mode})", problems)
        await press(pilot, "tab", "left")
        assert app.screen.query_one("#depth", Chart).cursor is not None
        await _look(app, pilot, f"{theme} depth chart (crosshair)", problems)
        await _back_to_main(app, pilot)

        await press(pilot, "question_mark")
        await _opened(app, pilot, HelpModal)
        await _look(app, pilot, f"{theme} help", problems)
        await _back_to_main(app, pilot)

        app.action_execute_plan()
        await _opened(app, pilot, ConfirmModal)
        await _look(app, pilot, f"{theme} execute-plan confirmation", problems)
        await _back_to_main(app, pilot)

        app.action_kill_switch()
        await _opened(app, pilot, ConfirmModal)
        await _look(app, pilot, f"{theme} kill-switch confirmation", problems)
        await _back_to_main(app, pilot)

        for key, what in (("o", "order ticket"), ("O", "open orders")):
            await press(pilot, key)
            await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen), what)
            await _look(app, pilot, f"{theme} {what}", problems)
            await _back_to_main(app, pilot)

        app.on_execution_log_history_requested()
        await _opened(app, pilot, ExecutionHistoryScreen)
        await _look(app, pilot, f"{theme} execution history", problems)
        await _back_to_main(app, pilot)

        await pilot.resize_terminal(80, 24)
        for index, (pane, _) in enumerate(PANES, start=1):
            await press(pilot, str(index))
            await wait_until(pilot, lambda p=pane: app.main.active == p, f"pane {pane}")
            await _look(app, pilot, f"{theme} {pane} pane 80x24", problems)
    assert not problems, "\n\n".join(problems)[:6000]


async def test_switching_theme_recolours_every_pane(tmp_path: Path) -> None:
    """``t`` repaints the panes after the stylesheet has the new colours (it repainted before,
    so the light theme kept the dark theme's yellow and green in the panes)."""
    settings = Settings.model_validate({"store": {"path": str(tmp_path / "cockpit.db")}})
    async with running_app(settings) as (app, pilot):
        await wait_until(pilot, lambda: app.main.state is not None, "a state")
        await press(pilot, "t")
        await wait_until(pilot, lambda: app.theme == THEMES["light"].name, "the light theme")
        await pilot._wait_for_screen(timeout=10.0)
        await pilot.pause()
        bad = unreadable(app)
        assert not bad, rows_text(app, bad)
