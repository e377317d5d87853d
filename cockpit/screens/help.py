"""HelpModal: every key as the user's keymap sets it, the ``:`` commands, the badge legend.

The keys are read from the bindings themselves (``cockpit.keymap.bindings`` with the
configured ``ui.keys``), so ``?`` always shows the effective keys and each binding's id (the
name to use in ``ui.keys``); nothing here is a second list to keep in step.
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

SCOPE_TITLES: dict[str, str] = {
    "global": "Everywhere",
    "panes": "In every pane",
    "holdings": "Holdings pane (1)",
    "risk": "Risk pane (2)",
    "plan": "Plan pane (3)",
    "book": "Order book (4)",
    "log": "Execution log (5)",
    "orders": "Open orders (O)",
    "ticket": "Order ticket (o)",
    "confirm": "Confirm dialogs (focus starts on Cancel)",
    "event": "Log event",
    "help": "This help",
}
NOTES: tuple[tuple[str, str], ...] = (
    ("Ctrl+P", "command palette: every action below, searchable"),
    ("space . , > < + -", "replay: pause/play, step ±1 frame, seek ±10 s, speed"),
)
BADGES: tuple[tuple[str, str], ...] = (
    ("m", "price from a live book mid (then its age: m<1s, m12s, c4m)"),
    ("t / k", "last trade / venue ticker"),
    ("c / i / d / =", "cached, import file, last daily close, configured"),
    ("!", "stale, after the source: older than the limit or unverified book (m!12s)"),
    ("?", "no price known"),
    ("⊘", "holding sits where the cockpit cannot trade (wallet, cold storage)"),
    ("imp 99d", "quantity from an import, with its age (in the P&L column: no cost basis)"),
    ("▲ ▼", "up / down (gains, bids / losses, asks)"),
    ("P&L ▲~", "vs average cost of the venue's recorded fills; ~ partial cover, — no fills"),
)


def _table(title: str, columns: int = 2) -> Table:
    table = Table(title=title, box=None, show_header=False, title_style="bold", expand=True)
    table.add_column(style="bold", no_wrap=True)
    for _ in range(columns - 1):
        table.add_column()
    return table


class HelpModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpModal { align: center middle; }
    HelpModal > VerticalScroll {
        width: 96; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def key_text(self, keys: tuple[str, ...]) -> str:
        return " / ".join(self.app.get_key_display(Binding(k, "")) for k in keys)

    def key_tables(self) -> list[Table]:
        """One table per scope: effective keys, what they do, the binding id."""
        from cockpit.keymap import bindings

        settings = getattr(self.app, "settings", None)
        keymap = settings.ui.keys if settings is not None else {}
        tables: dict[str, Table] = {}
        shown: set[str] = set()
        for b in bindings(keymap):
            if b.scope == "help" or b.id in shown:
                continue  # a pane's inherited keys are listed once, under "In every pane"
            shown.add(b.id)
            table = tables.get(b.scope)
            if table is None:
                table = tables[b.scope] = _table(SCOPE_TITLES.get(b.scope, b.scope), 3)
            table.add_row(self.key_text(b.keys), b.help, Text(b.id, style="dim"))
        return list(tables.values())

    def compose(self) -> ComposeResult:
        from cockpit.actions import ACTIONS

        notes = _table("More keys")
        for key, what in NOTES:
            notes.add_row(key, what)
        commands = _table(": command line (Tab completes)")
        for action in ACTIONS:
            commands.add_row(action.usage, action.help)
        badges = _table("Price badges")
        for badge, what in BADGES:
            badges.add_row(badge, what)
        with VerticalScroll():
            for table in self.key_tables():
                yield Static(table)
            yield Static(notes)
            yield Static(commands)
            yield Static(badges)
