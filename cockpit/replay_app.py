"""The cockpit TUI driven by a :class:`~core.replay.ReplayClient`, with transport keys.

Same app, same screens; only the keys differ: space pauses, ``.``/``,`` step a frame,
``>``/``<`` seek ten seconds, ``+``/``-`` change the speed. Trading is disabled by the client.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from cockpit.app import CockpitApp
from core.config import Settings
from core.replay import ReplayClient

SEEK_S = 10.0


class ReplayApp(CockpitApp):
    """The cockpit over a recorded session."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "replay_pause", "Pause/play", id="replay.pause"),
        Binding("full_stop", "replay_step(1)", "Step", id="replay.step"),
        Binding("comma", "replay_step(-1)", "Step back", show=False, id="replay.back"),
        Binding("greater_than_sign", "replay_seek(1)", "Seek +10s", id="replay.seek"),
        Binding("less_than_sign", "replay_seek(-1)", "Seek -10s", show=False, id="replay.rewind"),
        Binding("plus", "replay_speed(1)", "Faster", id="replay.faster"),
        Binding("minus", "replay_speed(-1)", "Slower", show=False, id="replay.slower"),
    ]

    KEY_HINT_PRIORITY: ClassVar[tuple[str, ...]] = ("replay.", "app.help", "app.quit", "pane.")
    """The key-hint line shows the transport keys first (it drops what does not fit)."""

    def __init__(self, settings: Settings, client: ReplayClient) -> None:
        super().__init__(settings, client)
        self.replay = client

    def _where(self) -> str:
        at = self.replay.position
        stamp = f"{at:%H:%M:%S}" if at else "?"
        state = "paused" if self.replay.paused else f"{self.replay.speed:g}×"
        return f"replay {stamp} · frame {self.replay.index + 1}/{len(self.replay.frames)} · {state}"

    def action_replay_pause(self) -> None:
        self.replay.toggle_pause()
        self.notify(self._where(), timeout=2)

    def action_replay_step(self, frames: int) -> None:
        self.replay.step(frames)
        self.notify(self._where(), timeout=1)

    def action_replay_seek(self, direction: int) -> None:
        self.replay.seek(direction * SEEK_S)
        self.notify(self._where(), timeout=1)

    def action_replay_speed(self, direction: int) -> None:
        if direction > 0:
            self.replay.faster()
        else:
            self.replay.slower()
        self.notify(self._where(), timeout=1)


def make_replay_app(settings: Settings, client: ReplayClient) -> ReplayApp:
    return ReplayApp(settings, client)
