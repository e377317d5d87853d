"""ConfirmModal: the confirmation every destructive action passes; focus starts on Cancel.

Used for plan execution (orders, notional, % of portfolio, estimated fees and slippage, the
PAPER/LIVE badge) and for each step of the kill switch. Enter on the focused Cancel, Escape
or ``n`` dismiss with ``False``; only Tab to Confirm and Enter (or ``y``) return ``True``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from core.answers import PlanPreview
from core.models import Side

MAX_ROWS = 40


class ConfirmModal(ModalScreen[bool]):
    """Ask before doing something that cannot be undone."""

    AUTO_FOCUS = "#cancel"
    """Focus starts on Cancel (also when the screen resumes), never on the scrolling body."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Cancel", id="confirm.cancel"),
        Binding("y", "answer(True)", "Confirm", show=False, id="confirm.yes"),
    ]
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 96; max-width: 95%; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ConfirmModal #badge { text-style: bold; }
    ConfirmModal #badge.-paper { color: $success; }
    ConfirmModal #badge.-live { color: $error; }
    ConfirmModal VerticalScroll { height: auto; max-height: 24; }
    ConfirmModal Horizontal { height: auto; align-horizontal: right; }
    ConfirmModal Button { margin: 0 1; }
    """

    def __init__(self, title: str, body: Any, *, mode: str, confirm_label: str = "Confirm") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.mode = mode
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text(f"[{self.mode.upper()}]"), id="badge", classes=f"-{self.mode.lower()}"
            )
            yield Static(Text(self.title_text, style="bold"), id="title")
            with VerticalScroll():
                yield Static(self.body, id="body")
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button(self.confirm_label, id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @classmethod
    def for_plan(cls, preview: PlanPreview) -> ConfirmModal:
        """The plan's orders (sells first), notional, share of portfolio, fees, slippage."""
        table = Table(box=None, expand=True, pad_edge=False)
        for name, justify in (
            ("#", "right"),
            ("side", "left"),
            ("qty", "right"),
            ("market", "left"),
            ("venue", "left"),
            ("limit", "right"),
            ("USD", "right"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        orders = preview.orders
        for o in orders[:MAX_ROWS]:
            sell = o.side is Side.SELL
            table.add_row(
                str(o.seq),
                Text("▼ sell" if sell else "▲ buy", style="red" if sell else "green"),
                str(o.qty),
                o.symbol,
                o.venue,
                str(o.limit),
                f"${o.usd:,.2f}",
            )
        if len(orders) > MAX_ROWS:
            table.add_row("", f"… {len(orders) - MAX_ROWS} more", "", "", "", "", "")
        summary = Text.assemble(
            (f"{preview.sells} sells, then {preview.buys} buys   ", "bold"),
            f"notional ${preview.notional_usd:,.2f} "
            f"({preview.portfolio_pct}% of portfolio)   "
            f"est. fees ${preview.fees_usd:,.2f}   "
            f"est. slippage ${preview.slippage_usd:,.2f}",
            (
                f"   {preview.indicative} indicative order(s) not sent (no live book)"
                if preview.indicative
                else ""
            ),
        )
        body = Table.grid()
        body.add_row(summary)
        body.add_row(table)
        return cls(
            f"Execute plan {preview.plan_id}? ({len(orders)} orders)",
            body,
            mode=preview.mode.value,
            confirm_label="Execute",
        )
