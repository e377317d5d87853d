"""The palette, the ``:`` line, the keymap, ``?``, the log's Enter and ``/`` (``make_app``)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from textual.command import CommandList, CommandPalette

from cockpit.app import CockpitApp
from cockpit.cli import main
from cockpit.screens.confirm import ConfirmModal
from cockpit.screens.event import EventModal, event_table
from cockpit.screens.help import HelpModal
from cockpit.screens.main import MainScreen
from core.config import Settings
from core.models import EventKind
from tests.app.conftest import press, running_app, wait_until
from tests.app.test_terminal import capture_toasts
from widgets.command_line import CommandInput, CommandLine
from widgets.execution_log import ExecutionLog
from widgets.holdings_table import HoldingsTable


def palette_options(app: CockpitApp) -> list[str]:
    if not isinstance(app.screen, CommandPalette):
        return []
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).hit.text) for i in range(options.option_count)]


async def test_palette_finds_kill_and_plan_and_switches_theme(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        await press(pilot, "ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await press(pilot, *"kill")
        await wait_until(pilot, lambda: "Kill switch (next step)" in palette_options(app), "kill")
        for _ in "kill":
            await press(pilot, "backspace")
        await press(pilot, *"plan")
        await wait_until(pilot, lambda: "Plan: regenerate" in palette_options(app), "plan")
        assert "Plan preset: hrp" in palette_options(app)  # one hit per target preset
        for _ in "plan":
            await press(pilot, "backspace")
        await press(pilot, *"theme light")
        await wait_until(pilot, lambda: "Theme: light" in palette_options(app), "theme light")
        options = app.screen.query_one(CommandList)
        options.highlighted = palette_options(app).index("Theme: light")
        await press(pilot, "enter")
        await wait_until(pilot, lambda: app.theme == "cockpit-light", "the light theme")
        assert isinstance(app.screen, MainScreen)


async def test_command_line_completes_and_runs_with_the_keys_gate(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        holdings = app.main.query_one(HoldingsTable)
        line = app.main.query_one(CommandLine)
        await wait_until(pilot, lambda: holdings.view is not None, "holdings")
        await press(pilot, "colon")
        await wait_until(pilot, lambda: line.is_open, "the : line")
        assert isinstance(app.focused, CommandInput)
        await press(pilot, *"th", "tab")
        assert line.input.value == "theme "
        await press(pilot, "tab")
        assert line.input.value == "theme dark "  # the first theme, then Tab cycles
        await press(pilot, "tab")
        assert line.input.value == "theme light "
        await press(pilot, "enter")
        await wait_until(pilot, lambda: app.theme == "cockpit-light", ":theme light")
        assert not line.is_open and app.focused is holdings  # back where the user was

        toasts = capture_toasts(app)
        await press(pilot, "colon", *"frobnicate", "enter")
        await wait_until(pilot, lambda: bool(toasts), "a toast for a bad command")
        assert "unknown command" in toasts[-1]

        await press(pilot, "colon", *"plan hrp", "enter")

        def preset() -> str | None:
            state = app.client.latest()
            return state.plan.preset if state is not None and state.plan is not None else None

        await wait_until(pilot, lambda: preset() == "hrp", ":plan hrp", limit_s=60)

        await press(pilot, "colon", *"buy sim-a BTC/USDT 0.1 @ 42000", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirm modal")
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert modal.title_text == "Buy 0.1 BTC/USDT on sim-a?"
        await press(pilot, "n")
        await wait_until(pilot, lambda: "order not placed" in toasts, "declined")
        state = app.client.latest()
        assert state is not None and not state.orders


async def test_keymap_remaps_keys_and_help_shows_the_effective_ones(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {
            "store": {"path": str(tmp_path / "cockpit.db")},
            "ui": {
                "keys": {"app.theme": "T", "app.help": "f1,question_mark", "app.rearm": "ctrl+y"}
            },
        }
    )
    async with running_app(settings) as (app, pilot):
        assert app.main.key_of("app.rearm") == "^y"  # what the status line names
        await press(pilot, "t")
        assert app.theme == "cockpit-dark"  # t no longer switches the theme
        await press(pilot, "T")
        await wait_until(pilot, lambda: app.theme == "cockpit-light", "T switches theme")
        await press(pilot, "f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpModal), "help on F1")
        help_modal = app.screen
        assert isinstance(help_modal, HelpModal)
        console = Console(record=True, width=140)
        for table in help_modal.key_tables():
            console.print(table)
        text = console.export_text()
        theme_row = next(line for line in text.splitlines() if "app.theme" in line)
        assert theme_row.split()[0] == "T"
        assert "f1 / ?" in text
        for log_key in ("log.venue", "log.symbol", "log.level", "log.lifecycle", "log.history"):
            assert log_key in text
        assert "log.open" in text and "log.search" in text


def test_a_bad_keymap_reports_every_problem_and_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yaml"
    config.write_text(
        "ui:\n  keys:\n    app.nope: x\n    app.theme: p\n    pane.risk: ''\n",
        encoding="utf-8",
    )
    assert main(["config", "validate", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3
    assert "ui.keys.app.nope: unknown binding id" in err[0]
    assert any("ui.keys.app.theme: key 'p' is already app.privacy" in line for line in err)
    assert any("ui.keys.pane.risk: no key given" in line for line in err)


async def test_log_enter_opens_the_whole_event_and_slash_searches(settings: Settings) -> None:
    async with running_app(settings) as (app, pilot):
        log = app.main.query_one(ExecutionLog)
        await press(pilot, "5")
        await wait_until(pilot, lambda: app.focused is log, "the log focused")
        await wait_until(pilot, lambda: len(log.line_events) >= 2, "a few events")
        await press(pilot, "j", "j")
        chosen = log.line_events[log.cursor]
        newest = log.events[-1]
        await wait_until(pilot, lambda: log.events[-1] is not newest, "newer events above it")
        assert log.line_events[log.cursor] is chosen  # the cursor stays on its event
        await press(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EventModal), "the event modal")
        shown = app.screen
        # The event under the cursor when Enter was pressed (new prints may have arrived since,
        # so compare with the log's events, not with the row now under the cursor).
        assert isinstance(shown, EventModal)
        assert any(shown.event is e for e in log.events)
        console = Console(record=True, width=100)
        console.print(event_table(shown.event))
        text = " ".join(console.export_text().split())
        assert " ".join(shown.event.message.split()) in text  # the whole message, not cut off
        await press(pilot, "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), "modal closed")

        word = next(e for e in log.line_events if e.kind is not EventKind.MARKET).message.split()[0]
        await press(pilot, "slash", *word)
        assert f"/{word}▏" in str(log.border_subtitle)
        await press(pilot, "enter")
        assert log.line_events and all(
            word.lower() in e.message.lower()
            or word.lower() in f"{e.venue} {e.symbol} {e.client_order_id}".lower()
            for e in log.line_events
        )
        assert f"filter {word!r}" in str(log.border_subtitle)
        await press(pilot, "escape")
        assert "esc clears" not in str(log.border_subtitle)


async def test_record_from_the_command_line_starts_and_stops_a_cast(
    settings: Settings, tmp_path: Path
) -> None:
    from cockpit.recording import validate_cast

    async with running_app(settings) as (app, _):
        app.screenshot_dir = str(tmp_path)
        app.run_line("record")
        assert app.recorder.active
        path = app.recorder.path
        assert path is not None and path.parent == tmp_path
        app.recorder.output("frame")  # what the recording driver sends it while on
        app.run_line(":record")
        assert not app.recorder.active
        header, events = validate_cast(path)
        assert (header["width"], header["height"]) == (120, 40)
        assert events[0][1:] == ["o", "frame"]
