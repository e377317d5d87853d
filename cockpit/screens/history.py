"""ExecutionHistoryScreen: fills, fees and slippage per plan; ``h`` in the log opens it.

The history is read by the core from the store (the ``ExecutionHistory`` command), in a worker,
so the UI loop never waits on SQLite. Escape (or ``q``) closes it, ``r`` reloads.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from core.client import CoreClient
from core.execution.history import ExecutionHistoryView
from core.views import ExecutionHistory
from widgets.execution_history import ExecutionHistoryTable


class ExecutionHistoryScreen(Screen[None]):
    """The execution history, full screen, over the main screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="history.close"),
        Binding("r", "reload", "Reload", id="history.reload"),
    ]
    DEFAULT_CSS = """
    ExecutionHistoryScreen #history { height: 1fr; border: round $primary; }
    ExecutionHistoryScreen #history-help { height: 1; color: $text-muted; }
    """

    def __init__(self, client: CoreClient, *, privacy: bool = False) -> None:
        super().__init__()
        self.client = client
        self.privacy = privacy
        self.view: ExecutionHistoryView | None = None

    def compose(self) -> ComposeResult:
        table = ExecutionHistoryTable(id="history")
        table.border_title = "Execution history (fills, fees, slippage vs arrival mid)"
        yield table
        yield Static("Esc close · r reload · j/k scroll", id="history-help")

    def on_mount(self) -> None:
        table = self.query_one(ExecutionHistoryTable)
        table.update_view(None)
        table.focus()
        self.load()

    @work(group="history", exclusive=True, exit_on_error=False, description="load the history")
    async def load(self) -> None:
        result = await self.client.send(ExecutionHistory())
        if not result.ok or not isinstance(result.data, ExecutionHistoryView):
            self.notify(f"history: {result.message}", severity="error")
            return
        self.view = result.data
        self.query_one(ExecutionHistoryTable).update_view(self.view, privacy=self.privacy)

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.app.pop_screen()
