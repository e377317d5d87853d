"""InlineFilter: the ``/`` text filter a pane edits in place (holdings, execution log).

While editing, printable keys type into the filter, Backspace deletes, Enter keeps it and
Escape clears it; the pane shows :meth:`InlineFilter.label` in its border and redraws.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events


@dataclass(slots=True)
class InlineFilter:
    text: str = ""
    editing: bool = False

    def start(self) -> None:
        self.editing = True

    def clear(self) -> None:
        self.editing = False
        self.text = ""

    def on_key(self, event: events.Key) -> bool:
        """Apply ``event`` when it edits the filter; True when it did (the pane stops the
        event and redraws), False when the key belongs to the pane's bindings."""
        if event.key == "escape" and (self.editing or self.text):
            self.clear()
        elif not self.editing:
            return False
        elif event.key == "enter":
            self.editing = False
        elif event.key == "backspace":
            self.text = self.text[:-1]
        elif event.character and event.is_printable:
            self.text += event.character
        else:
            return False
        event.stop()
        event.prevent_default()
        return True

    def matches(self, *fields: str) -> bool:
        """Case-insensitive: any field contains the filter text (all match an empty filter)."""
        needle = self.text.strip().lower()
        return not needle or any(needle in f.lower() for f in fields)

    def label(self) -> str | None:
        """What the border shows: ``/text▏`` while editing, the kept filter after."""
        if self.editing:
            return f"/{self.text}▏"
        if self.text:
            return f"filter {self.text!r} (esc clears)"
        return None
