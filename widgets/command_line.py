"""CommandLine: the ``:`` line, with inline completion and a row of candidates above it.

The widget knows nothing of the commands: the screen hands it a ``completer`` (text in, whole-
line completions out) and receives :class:`CommandLine.Run` with the typed line. Tab accepts
the first completion (or cycles through them when the line already is one); Escape closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, Static

Completer = Callable[[str], list[str]]
MAX_SHOWN = 12


class CompletionSuggester(Suggester):
    """Suggests the first completion of the line (shown dimmed after the cursor)."""

    def __init__(self, completer: Completer) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.completer = completer

    async def get_suggestion(self, value: str) -> str | None:
        options = self.completer(value)
        return options[0] if options and options[0] != value else None


class CommandInput(Input):
    """The ``:`` line's input: Tab completes, Escape closes (the bar handles both)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "Complete", show=False, id="command.complete", priority=True),
        Binding("escape", "close", "Close", show=False, id="command.close"),
    ]

    def action_complete(self) -> None:
        bar = self.parent
        if isinstance(bar, CommandLine):
            bar.complete()

    def action_close(self) -> None:
        bar = self.parent
        if isinstance(bar, CommandLine):
            bar.close()


class CommandLine(Vertical):
    """Hidden until :meth:`open`; posts :class:`Run` with the line on Enter and closes."""

    DEFAULT_CSS = """
    CommandLine { height: auto; display: none; background: $panel; dock: bottom; layer: overlay; }
    CommandLine.-open { display: block; }
    CommandLine > Static { height: 1; color: $text-muted; }
    CommandLine > CommandInput, CommandLine > CommandInput:focus {
        border: none; height: 1; padding: 0 1; background: $boost;
    }
    """

    class Run(Message):
        """The user pressed Enter on ``line`` (without the leading ``:``)."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, completer: Completer, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.completer = completer
        self.candidates: list[str] = []
        self._cycle = 0
        self._accepted: str | None = None
        """The line as the last Tab left it (Tab again cycles to the next candidate)."""
        self._return_focus: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="candidates")
        yield CommandInput(
            placeholder="command (Tab completes, Enter runs, Esc closes; :help lists them)",
            suggester=CompletionSuggester(self.completer),
            id="command-input",
            compact=True,
        )

    @property
    def input(self) -> CommandInput:
        return self.query_one(CommandInput)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, text: str = "") -> None:
        focused = self.screen.focused
        if focused is not None and focused is not self.input:
            self._return_focus = focused
        self.add_class("-open")
        self.input.value = text
        self.input.cursor_position = len(text)
        self.input.focus()
        self._show_candidates(text)

    def close(self) -> None:
        self.remove_class("-open")
        self.input.value = ""
        back = self._return_focus
        if back is not None and back.is_attached and self.screen.focused is self.input:
            back.focus()  # the pane the user came from, not the next one in the focus chain

    def complete(self) -> None:
        """Tab: the first completion; pressed again right after, the next one (cycling)."""
        value = self.input.value
        if value == self._accepted and len(self.candidates) > 1:
            self._cycle = (self._cycle + 1) % len(self.candidates)
        else:
            options = self.completer(value)
            if not options:
                return
            self.candidates, self._cycle = options, 0
        # A completed word is followed by a space, ready for the next argument.
        self._accepted = self.candidates[self._cycle] + " "
        self.input.value = self._accepted
        self.input.cursor_position = len(self._accepted)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != self._accepted:
            self._show_candidates(event.value)

    def _show_candidates(self, value: str) -> None:
        self.candidates = self.completer(value)
        text = Text(":", style="bold")
        last = value.split(" ")
        for option in self.candidates[:MAX_SHOWN]:
            text.append(f" {option.split(' ')[len(last) - 1]} ")
        if len(self.candidates) > MAX_SHOWN:
            text.append(f" … {len(self.candidates) - MAX_SHOWN} more", style="italic")
        self.query_one("#candidates", Static).update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        self.close()
        if line:
            self.post_message(self.Run(line))
