"""The Textual app and the composition root ``make_app``.

The app owns no trading state: it renders the states a :class:`~core.client.CoreClient`
publishes and sends commands back. Production and tests build it the same way, through
:func:`make_app`, with a core in a thread, a daemon client, or a replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from typing import ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType

from cockpit.alert_bell import AlertBell
from cockpit.command_actions import CommandActions
from cockpit.execution_actions import ExecutionActions
from cockpit.keymap import checked
from cockpit.palette import CockpitCommands
from cockpit.recording import Recorder
from cockpit.screens.chart import ChartScreen
from cockpit.screens.help import HelpModal
from cockpit.screens.main import MainScreen
from cockpit.themes import ORDER, THEMES
from core.client import CoreClient
from core.config import Settings
from core.views import CockpitState
from widgets.line_pane import LinePane
from widgets.status import trading_status


def settle_heap() -> None:
    """Move everything start-up created out of the garbage collector's reach.

    Libraries, the sim's universe and the first state are long-lived; a full collection that
    walks them all stops both the UI loop and the core for ~100 ms, which showed up as the
    slowest key presses. Freezing them leaves only new objects for the collector.
    """
    gc.collect()
    gc.freeze()


PRIVACY = "privacy mode: mask amounts and values"
KEY_PRIORITY_S = 0.04
"""How long new data waits after a key press, so the key's own frame is drawn first."""


class CockpitApp(CommandActions, ExecutionActions, App[int]):
    """The cockpit TUI."""

    CSS_PATH = "cockpit.tcss"
    TITLE = "cockpit"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {CockpitCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit_ctrl_c"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="this help"),
        Binding("t", "cycle_theme", "Theme", id="app.theme", tooltip="cycle the colour theme"),
        Binding("p", "toggle_privacy", "Privacy", id="app.privacy", tooltip=PRIVACY),
        Binding(
            "ctrl+k",
            "kill_switch",
            "Kill switch",
            priority=True,
            id="app.kill_switch",
            tooltip="kill switch, one confirmed step a press: pause → cancel all → flatten",
        ),
        Binding(
            "R",
            "rearm",
            "Re-arm trading",
            show=False,
            id="app.rearm",
            tooltip="re-arm trading after the kill switch or a breaker (confirmed)",
        ),
        Binding(
            "ctrl+e",
            "execute_plan",
            "Execute plan",
            show=False,
            id="app.execute_plan",
            tooltip="execute the current plan (confirm modal, focus on Cancel)",
        ),
        Binding(
            "ctrl+x",
            "abort_plan",
            "Abort plan",
            show=False,
            id="app.abort_plan",
            tooltip="abort running plans: no further plan orders are sent",
        ),
        Binding(
            "ctrl+s",
            "save_svg",
            "Screenshot",
            show=False,
            id="app.screenshot",
            tooltip="save an SVG screenshot (masked in privacy mode)",
        ),
        Binding(
            "colon",
            "command_line",
            "Command",
            id="app.command_line",
            tooltip="command line: :plan hrp, :buy VENUE SYMBOL QTY @ PRICE, :theme light…",
        ),
        Binding(
            "o",
            "order_ticket",
            "Ticket",
            id="app.order_ticket",
            tooltip="order ticket: any type, cost and fee from the book, confirmed",
        ),
        Binding(
            "O",
            "open_orders",
            "Orders",
            id="app.open_orders",
            tooltip="open orders; d cancels the selected one (confirmed)",
        ),
        Binding(
            "ctrl+r",
            "toggle_record",
            "Record",
            show=False,
            id="app.record",
            tooltip="start / stop an asciicast recording of the screen",
        ),
    ]

    def __init__(self, settings: Settings, client: CoreClient) -> None:
        super().__init__()
        self.settings = settings
        self.client = client
        self.privacy = settings.ui.privacy
        self.theme_name: str = settings.ui.theme
        self.states_seen = 0
        self.start_error: BaseException | None = None
        self._last_key = 0.0
        self.screenshot_dir: str | None = None
        """Where ctrl+s saves SVG screenshots (the working directory when None)."""
        self.last_screenshot: str | None = None
        self.alert_bell = AlertBell()
        self.alerts_shown = 0
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = THEMES[self.theme_name].name
        self.set_keymap(checked(settings.ui.keys, "config"))
        self._key_names: dict[str, str] | None = None
        self.recorder = Recorder()
        """Records the terminal while on: ``cockpit --record FILE``, Ctrl+R or ``:record``."""

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        # Not possible off the main thread (tests): Ctrl+C and q still quit there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            self._loop_signal_handlers()
        self.start_core()

    def _loop_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.exit)

    async def on_unmount(self) -> None:
        # Stop the client on this loop while it runs: a socket or replay client lives on the
        # app's loop and cannot be closed once the loop has ended.
        await self.client.stop()

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[1] if len(self.screen_stack) > 1 else self.screen
        assert isinstance(screen, MainScreen)
        return screen

    @work(group="core", exclusive=True, exit_on_error=False, description="start the core")
    async def start_core(self) -> None:
        try:
            await self.client.start()
        except Exception as exc:
            self.start_error = exc
            self.exit(return_code=1, message=f"cockpit: could not start: {exc}")
            return
        self.bridge()

    @work(
        group="bridge",
        exclusive=True,
        exit_on_error=True,
        description="carry core states to the screens at the UI rate",
    )
    async def bridge(self) -> None:
        async for state in self.client.updates(self.settings.ui.fps):
            # Input first: right after a key press, let its frame go out before new data
            # makes that frame bigger; the data waits a few milliseconds, the user does not.
            wait = self._last_key + KEY_PRIORITY_S - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not self.is_running:
                # Shutting down: the screens' widgets are being removed under us.
                return
            self.render_state(self.client.latest() or state)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()
        await super().on_event(event)

    def render_state(self, state: CockpitState, *, force: bool = False) -> None:
        self.states_seen += 1
        self.main.apply_state(
            state, privacy=self.privacy, force=force, observer=self.client.read_only
        )
        if isinstance(self.screen, ChartScreen):
            self.screen.apply_state(state)
        if self.states_seen == 1:
            self.call_after_refresh(settle_heap)
        for alert in self.alert_bell.new_alerts(state.events, state.ts):
            self.alerts_shown += 1
            if not state.replay:
                self.bell()
            self.notify(alert.message, title="Alert", severity="warning", timeout=8)

    async def action_quit(self) -> None:
        self.exit(0)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpModal):
            # Built once and kept (the keys are fixed for the session): the help's tables are
            # the biggest thing a key opens, and rebuilding them cost most of a second on a
            # loaded machine.
            if not self.is_screen_installed("help"):
                self.install_screen(HelpModal(), "help")
            self.push_screen("help")

    def action_cycle_theme(self) -> None:
        self.set_theme(ORDER[(ORDER.index(self.theme_name) + 1) % len(ORDER)])

    def set_theme(self, name: str) -> None:
        """Switch to the cockpit theme ``name`` (dark, light, colorblind) and repaint."""
        self.theme_name = name
        self.theme = THEMES[name].name
        self.notify(f"theme: {name}", timeout=2)
        # After the stylesheet has the new theme's colours (Textual refreshes the CSS on the
        # next message); repainting now would cache the old theme's colours in every pane.
        self.call_next(self._rerender)

    def action_toggle_privacy(self) -> None:
        self.privacy = not self.privacy
        self.notify("privacy on: amounts masked" if self.privacy else "privacy off", timeout=2)
        self._rerender()

    def action_save_svg(self) -> None:
        """Save what the screen shows (privacy masking included) as an SVG file."""
        from pathlib import Path

        saved = self.save_screenshot(path=str(self.screenshot_dir or Path.cwd()))
        self.last_screenshot = saved
        self.notify(f"screenshot saved: {saved}", timeout=3)

    def action_toggle_record(self) -> None:
        """Start an asciicast recording beside the screenshots, or stop the one running."""
        from datetime import UTC, datetime
        from pathlib import Path

        stopped = self.recorder.stop()
        if stopped is not None:
            self.notify(f"recording saved: {stopped}", timeout=4)
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = Path(self.screenshot_dir or Path.cwd()) / f"cockpit-{stamp}.cast"
        self.recorder.start(path, self.size.width, self.size.height)
        self.screen.refresh(layout=True)  # the recording opens on a whole frame
        self.notify(f"recording to {path} (Ctrl+R stops)", timeout=4)

    def refuse_if_paused(self) -> bool:
        """True (and a toast saying why and how to re-arm) while trading is not active: a
        trading action then opens no confirmation it would only refuse after."""
        state = self.client.latest()
        if state is None:
            return False
        status = trading_status(
            state.trading_enabled,
            state.trading_reason,
            state.kill_level,
            rearm_key=self.main.key_of("app.rearm"),
        )
        if status.active:
            return False
        self.notify(f"{status.describe()}: no order sent", severity="warning", timeout=5)
        return True

    def _rerender(self) -> None:
        for pane in self.main.query(LinePane):
            pane.invalidate()
        state = self.main.state
        if state is not None:
            self.render_state(state, force=True)


def make_app(settings: Settings, client: CoreClient) -> CockpitApp:
    """The composition root: the same wiring in production and in tests."""
    return CockpitApp(settings, client)
