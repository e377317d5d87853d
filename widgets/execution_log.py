"""ExecutionLog: orders placed, filled, cancelled and rejected, alerts and market events."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from core.models import EventKind, EventLevel, LogEvent
from widgets import format as fmt
from widgets.line_pane import LinePane

FILTERS = ("all", "no prints", "orders")
ORDER_KINDS = {
    EventKind.ORDER_SUBMITTED,
    EventKind.ORDER_ACKED,
    EventKind.ORDER_FILLED,
    EventKind.ORDER_PARTIAL,
    EventKind.ORDER_CANCELLED,
    EventKind.ORDER_REJECTED,
}
KIND_LABEL = {
    EventKind.ORDER_SUBMITTED: "SUBMIT",
    EventKind.ORDER_ACKED: "ACK",
    EventKind.ORDER_FILLED: "FILL",
    EventKind.ORDER_PARTIAL: "PART",
    EventKind.ORDER_CANCELLED: "CANCEL",
    EventKind.ORDER_REJECTED: "REJECT",
    EventKind.FEED: "FEED",
    EventKind.RISK: "RISK",
    EventKind.PLAN: "PLAN",
    EventKind.SYSTEM: "SYS",
    EventKind.ALERT: "ALERT",
    EventKind.MARKET: "PRINT",
}


class ExecutionLog(LinePane):
    """Newest event first; ``f`` cycles the filter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_filter", "Filter", id="log.filter"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.events: tuple[LogEvent, ...] = ()
        self.filter = "all"
        self.privacy = False

    def update_events(self, events: tuple[LogEvent, ...], *, privacy: bool = False) -> None:
        self.events = events
        self.privacy = privacy
        self._rebuild()

    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self._rebuild()

    def _visible(self, event: LogEvent) -> bool:
        if self.filter == "orders":
            return event.kind in ORDER_KINDS
        if self.filter == "no prints":
            return event.kind is not EventKind.MARKET
        return True

    def _style(self, event: LogEvent) -> str:
        if (
            event.level in (EventLevel.ERROR, EventLevel.ALERT)
            or event.kind is EventKind.ORDER_REJECTED
        ):
            return "loss"
        if event.level is EventLevel.WARNING:
            return "stale"
        if event.kind is EventKind.ORDER_FILLED:
            return "gain"
        if event.kind is EventKind.MARKET:
            return "dim"
        return ""

    def _rebuild(self) -> None:
        self.border_subtitle = f"filter: {self.filter} · {len(self.events)} events"
        lines = []
        for event in reversed(self.events):
            if not self._visible(event):
                continue
            stamp = event.ts.strftime("%H:%M:%S")
            where = f"{event.venue or ''} {event.symbol or ''}".strip()
            message = event.message
            if self.privacy and event.kind is not EventKind.SYSTEM:
                message = f"{event.side.value if event.side else ''} {fmt.MASK}".strip()
            elif self.privacy:  # system lines: account ids, amounts, pids/uids masked
                message = fmt.mask_text(message)
            line = Text(f"{stamp} {KIND_LABEL.get(event.kind, event.kind.value):<6} ")
            line.append(f"{where:<16} " if where else "")
            line.append(message)
            if event.slippage_bps is not None:
                line.append(f" slip {event.slippage_bps:+.1f}bp")
            if event.latency_ms is not None:
                line.append(f" {event.latency_ms:.0f}ms")
            style = self._style(event)
            if style:
                line.stylize(self.style_of(style))
            lines.append(line)
        if not lines:
            lines.append(Text("no events yet", style=self.style_of("dim")))
        self.set_lines(lines)
