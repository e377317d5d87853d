"""KeyHints: one line listing the keys active for the focused pane, like a cheap Footer.

Textual's ``Footer`` recomposes itself (a new widget per key, each styled and laid out) every
time the focus moves; with five panes switched by 1–5/Tab that cost 30–150 ms of UI time per
key press and pushed keystroke latency far past the 50 ms budget. This line re-renders one
``Text`` instead, without a layout pass.

The line never cuts a hint in half: hints that do not fit the width are left out (``?`` lists
every key). Bindings whose id starts with one of :attr:`KeyHints.priority` come first (the
replay app puts its transport keys there), and the five pane keys share one ``1-5 Panes`` hint.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Static

PANE_PREFIX = "pane."
PINNED = "app.help"
"""The binding-id prefix whose hint is never left out: ``?`` is how every other key is found,
so its width is reserved first and it closes the line, whatever other hints a screen adds."""


class KeyHints(Static):
    """Shown bindings of the focused widget, its ancestors and the app: ``key description``."""

    DEFAULT_CSS = """
    KeyHints { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, *, priority: tuple[str, ...] = (), id: str | None = None) -> None:
        super().__init__(id=id)
        self.priority = priority
        """Binding-id prefixes shown first, in this order (e.g. ``("replay.", "app.help")``)."""
        self.hints: list[tuple[str, str]] = []
        """Every (key, description) that applies now, in display order (shown or not)."""
        self.shown: list[tuple[str, str]] = []
        """The hints that fit the current width."""
        self.pinned: list[tuple[str, str]] = []
        """The hints always shown (``?`` Help), last on the line, their width reserved first."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self, event: Resize) -> None:
        self._render_hints()

    def _rank(self, binding_id: str | None) -> int:
        for rank, prefix in enumerate(self.priority):
            if binding_id is not None and binding_id.startswith(prefix):
                return rank
        return len(self.priority)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        entries: list[tuple[int, int, str, str, bool]] = []
        seen: set[str] = set()
        panes: list[str] = []
        for order, active in enumerate(screen.active_bindings.values()):
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            if (binding.id or "").startswith(PANE_PREFIX) and key.isdigit():
                if not panes:  # the pane keys share one hint where the first one stood
                    entries.append((self._rank(binding.id), order, "", "Panes", False))
                panes.append(key)
                continue
            pinned = (binding.id or "").startswith(PINNED)
            entries.append((self._rank(binding.id), order, key, binding.description, pinned))
        entries.sort(key=lambda e: (e[0], e[1]))
        pane_keys = f"{panes[0]}-{panes[-1]}" if len(panes) > 1 else "".join(panes)
        self.hints = [(key or pane_keys, text) for _, _, key, text, _ in entries]
        self.pinned = [h for h, e in zip(self.hints, entries, strict=True) if e[4]]
        self._render_hints()

    def _render_hints(self) -> None:
        width = self.content_size.width or self.app.size.width
        text = Text()
        used = sum(len(key) + len(description) + 4 for key, description in self.pinned)
        self.shown = []
        for key, description in [h for h in self.hints if h not in self.pinned] + self.pinned:
            cost = len(key) + len(description) + 4
            pinned = (key, description) in self.pinned
            if not pinned and used + cost > width:
                continue  # a shorter hint further on may still fit
            used += 0 if pinned else cost
            self.shown.append((key, description))
            text.append(f" {key} ", style="bold reverse")
            text.append(f" {description} ")
        self.update(text, layout=False)
