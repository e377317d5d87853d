"""A tiny app that shows one widget, in the cockpit's theme, for widget and snapshot tests."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widget import Widget

from cockpit.themes import THEMES


class Harness(App[None]):
    """Mounts ``widget`` full-screen with a border like a pane; no core, no clock, no animation."""

    CSS = """
    Screen { layout: vertical; }
    #subject { height: 1fr; width: 1fr; border: round $primary; }
    """

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.subject = widget
        self.animation_level = "none"
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = THEMES["dark"].name

    def compose(self) -> ComposeResult:
        yield self.subject

    def on_mount(self) -> None:
        self.subject.focus()
