"""KeyHints: one line listing the keys active for the focused pane, like a cheap Footer.

Textual's ``Footer`` recomposes itself (a new widget per key, each styled and laid out) every
time the focus moves; with five panes switched by 1–5/Tab that cost 30–150 ms of UI time per
key press and pushed keystroke latency far past the 50 ms budget. This line re-renders one
``Text`` instead, without a layout pass.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyHints(Static):
    """Shown bindings of the focused widget, its ancestors and the app: ``key description``."""

    DEFAULT_CSS = """
    KeyHints { height: 1; background: $panel; color: $text-muted; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        text = Text()
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            text.append(f" {self.app.get_key_display(binding)} ", style="bold reverse")
            text.append(f" {binding.description} ")
        self.update(text, layout=False)
