"""EventModal: one execution-log event whole (Enter in the log), however long its message.

Every field the event carries is listed; privacy mode masks amounts as the log does.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from core.models import LogEvent
from widgets import format as fmt

AMOUNTS = frozenset({"qty", "price", "fee"})


def event_table(event: LogEvent, *, privacy: bool = False) -> Table:
    """Field / value rows for every field that is set, the message first and wrapped."""
    table = Table(box=None, show_header=False, expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    message = fmt.mask_text(event.message) if privacy else event.message
    table.add_row("message", Text(message))
    for name, value in event.model_dump(mode="json").items():
        if name == "message" or value is None:
            continue
        shown = fmt.MASK if privacy and name in AMOUNTS else str(value)
        table.add_row(name, shown)
    return table


class EventModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss", "Close", id="event.close"),
    ]
    DEFAULT_CSS = """
    EventModal { align: center middle; }
    EventModal > VerticalScroll {
        width: 100; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, event: LogEvent, *, privacy: bool = False) -> None:
        super().__init__()
        self.event = event
        self.privacy = privacy

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Log event", style="bold"))
            yield Static(event_table(self.event, privacy=self.privacy), id="event")
