"""ExecutionLog: orders placed, filled, cancelled and rejected, alerts and market events.

Two views of the same events (``o`` toggles): the event list, newest first, and the order
lifecycle, one row per order with each step (submit → ack → fills → done) and the latency of
that step. ``f`` cycles the kind filter, ``v`` the venue, ``s`` the symbol and ``l`` the
minimum level, ``/`` searches the text; the border subtitle names every active filter. ``h``
asks for the execution history (the screen posts :class:`ExecutionLog.HistoryRequested`; the
app opens it); Enter posts :class:`ExecutionLog.EventOpened` with the event under the cursor
(the app shows it whole, however long its line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from core.models import EventKind, EventLevel, LogEvent
from widgets import format as fmt
from widgets.inline_filter import InlineFilter
from widgets.line_pane import LinePane

FILTERS = ("all", "no prints", "orders")
LEVELS = (EventLevel.DEBUG, EventLevel.INFO, EventLevel.WARNING, EventLevel.ERROR)
"""Minimum levels ``l`` cycles through (alerts count as errors)."""
_RANK = {
    EventLevel.DEBUG: 0,
    EventLevel.INFO: 1,
    EventLevel.WARNING: 2,
    EventLevel.ERROR: 3,
    EventLevel.ALERT: 3,
}
ORDER_KINDS = {
    EventKind.ORDER_SUBMITTED,
    EventKind.ORDER_ACKED,
    EventKind.ORDER_FILLED,
    EventKind.ORDER_PARTIAL,
    EventKind.ORDER_CANCELLED,
    EventKind.ORDER_REJECTED,
}
FINAL_KINDS = {EventKind.ORDER_FILLED, EventKind.ORDER_CANCELLED, EventKind.ORDER_REJECTED}
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
STEP_LABEL = {
    EventKind.ORDER_SUBMITTED: "submit",
    EventKind.ORDER_ACKED: "ack",
    EventKind.ORDER_PARTIAL: "fill",
    EventKind.ORDER_FILLED: "filled",
    EventKind.ORDER_CANCELLED: "done",
    EventKind.ORDER_REJECTED: "rejected",
}


@dataclass(slots=True)
class Lifecycle:
    """One order's steps as the log saw them: (label, step latency in ms or None)."""

    client_order_id: str
    first: LogEvent
    last: LogEvent
    steps: list[tuple[str, float | None]] = field(default_factory=list)
    _since_sent: float = 0.0

    def add(self, event: LogEvent) -> float | None:
        """Record ``event``; returns the latency of this step alone.

        The submit event's latency is the time before sending (gate and write-ahead); every
        later event carries the time since the order was sent, so a step's own latency is the
        difference from the previous one.
        """
        self.last = event
        step: float | None = None
        if event.latency_ms is not None:
            if event.kind is EventKind.ORDER_SUBMITTED:
                step = event.latency_ms
            else:
                step = max(0.0, event.latency_ms - self._since_sent)
                self._since_sent = event.latency_ms
        self.steps.append((STEP_LABEL.get(event.kind, event.kind.value), step))
        return step


def lifecycles(events: tuple[LogEvent, ...]) -> dict[str, Lifecycle]:
    """Order events grouped by client order id, oldest first within each order."""
    out: dict[str, Lifecycle] = {}
    for event in events:
        coid = event.client_order_id
        if coid is None or event.kind not in ORDER_KINDS:
            continue
        life = out.get(coid)
        if life is None:
            life = out[coid] = Lifecycle(coid, event, event)
        life.add(event)
    return out


class ExecutionLog(LinePane):
    """Newest event first (or one lifecycle row per order); filters by kind/venue/symbol/level."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_event", "Open", id="log.open", tooltip="open the whole event"),
        Binding("slash", "start_search", "Search", id="log.search", tooltip="search the text"),
        Binding("escape", "clear_search", "Clear", show=False, id="log.clear"),
        Binding("f", "cycle_filter", "Filter", id="log.filter", tooltip="all, no prints, orders"),
        Binding("v", "cycle_venue", "Venue", id="log.venue", tooltip="filter by venue (cycle)"),
        Binding("s", "cycle_symbol", "Symbol", id="log.symbol", tooltip="filter by symbol (cycle)"),
        Binding("l", "cycle_level", "Level", id="log.level", tooltip="minimum level (cycle)"),
        Binding(
            "o",
            "toggle_lifecycle",
            "Lifecycle",
            id="log.lifecycle",
            tooltip="one row per order: submit → ack → fills, with latencies",
        ),
        Binding("h", "history", "History", id="log.history", tooltip="execution history screen"),
    ]

    class HistoryRequested(Message):
        """The user asked for the execution-history screen."""

    class EventOpened(Message):
        """Enter on a row: show ``event`` whole."""

        def __init__(self, event: LogEvent) -> None:
            super().__init__()
            self.event = event

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.events: tuple[LogEvent, ...] = ()
        self.filter = "all"
        self.venue: str | None = None
        self.symbol: str | None = None
        self.min_level = EventLevel.DEBUG
        self.lifecycle = False
        self.privacy = False
        self.search = InlineFilter()
        self.line_events: list[LogEvent] = []
        """The event behind each body line, in display order (what Enter opens)."""

    def update_events(self, events: tuple[LogEvent, ...], *, privacy: bool = False) -> None:
        self.events = events
        self.privacy = privacy
        self._rebuild()

    # --------------------------------------------------------------- actions

    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self._rebuild()

    @staticmethod
    def _next(current: str | None, choices: list[str]) -> str | None:
        """The choice after ``current`` in ``[None, *choices]`` (None: no filter)."""
        ring: list[str | None] = [None, *choices]
        index = ring.index(current) if current in ring else 0
        return ring[(index + 1) % len(ring)]

    def action_cycle_venue(self) -> None:
        self.venue = self._next(self.venue, sorted({e.venue for e in self.events if e.venue}))
        self._rebuild()

    def action_cycle_symbol(self) -> None:
        symbols = sorted(
            {
                e.symbol
                for e in self.events
                if e.symbol and (self.venue is None or e.venue == self.venue)
            }
        )
        self.symbol = self._next(self.symbol, symbols)
        self._rebuild()

    def action_cycle_level(self) -> None:
        self.min_level = LEVELS[(LEVELS.index(self.min_level) + 1) % len(LEVELS)]
        self._rebuild()

    def action_toggle_lifecycle(self) -> None:
        self.lifecycle = not self.lifecycle
        self._rebuild()

    def action_history(self) -> None:
        self.post_message(self.HistoryRequested())

    def action_open_event(self) -> None:
        if 0 <= self.cursor < len(self.line_events):
            self.post_message(self.EventOpened(self.line_events[self.cursor]))

    def action_start_search(self) -> None:
        self.search.start()
        self._rebuild()

    def action_clear_search(self) -> None:
        self.search.clear()
        self._rebuild()

    def on_key(self, event: events.Key) -> None:
        """While editing the search, keys type into it instead of reaching any binding."""
        if self.search.on_key(event):
            self._rebuild()

    # --------------------------------------------------------------- rendering

    def _visible(self, event: LogEvent) -> bool:
        if self.filter == "orders" and event.kind not in ORDER_KINDS:
            return False
        if self.filter == "no prints" and event.kind is EventKind.MARKET:
            return False
        if self.venue is not None and event.venue != self.venue:
            return False
        if self.symbol is not None and event.symbol != self.symbol:
            return False
        if not self.search.matches(
            event.message, event.venue or "", event.symbol or "", event.client_order_id or ""
        ):
            return False
        return _RANK[event.level] >= _RANK[self.min_level]

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

    def subtitle(self) -> str:
        """What the border says: the view, every active filter, and the event count."""
        parts = ["lifecycle" if self.lifecycle else f"filter: {self.filter}"]
        if self.venue is not None:
            parts.append(f"venue: {self.venue}")
        if self.symbol is not None:
            parts.append(f"symbol: {self.symbol}")
        if self.min_level is not EventLevel.DEBUG:
            parts.append(f"level ≥ {self.min_level.value}")
        label = self.search.label()
        if label:
            parts.append(label)
        parts.append(f"{len(self.events)} events")
        return " · ".join(parts)

    def _rebuild(self) -> None:
        # The row the user moved to stays on its event while newer events arrive above it
        # (on the top row the cursor follows the newest event, as a log should).
        events = self.line_events
        anchor = events[self.cursor] if 0 < self.cursor < len(events) else None
        self.border_subtitle = self.subtitle()
        self.line_events = []
        lines = self._lifecycle_lines() if self.lifecycle else self._event_lines()
        if not lines:
            lines.append(Text("no events yet", style=self.style_of("dim")))
        self.set_lines(lines)
        if anchor is not None:
            at = next((i for i, e in enumerate(self.line_events) if e is anchor), None)
            if at is not None and at != self.cursor:
                self._move(at)

    def _event_lines(self) -> list[Text]:
        # Per-step latency for order events that follow another step of the same order.
        steps: dict[int, float | None] = {}
        seen: dict[str, Lifecycle] = {}
        for index, event in enumerate(self.events):
            coid = event.client_order_id
            if coid is None or event.kind not in ORDER_KINDS:
                continue
            life = seen.get(coid)
            if life is None:
                seen[coid] = Lifecycle(coid, event, event)
                seen[coid].add(event)
                continue
            steps[index] = life.add(event)
        lines = []
        last = len(self.events) - 1
        for offset, event in enumerate(reversed(self.events)):
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
                step = steps.get(last - offset)
                if step is not None:
                    line.append(f" (+{step:.0f})")
            style = self._style(event)
            if style:
                line.stylize(self.style_of(style))
            lines.append(line)
            self.line_events.append(event)
        return lines

    def _lifecycle_lines(self) -> list[Text]:
        lines = []
        for life in reversed(list(lifecycles(self.events).values())):
            if not (self._visible(life.last) or self._visible(life.first)):
                continue
            event = life.first
            stamp = event.ts.strftime("%H:%M:%S")
            side = event.side.value if event.side else ""
            qty = fmt.MASK if self.privacy else f"{event.qty or ''}"
            line = Text(f"{stamp} {life.client_order_id[-12:]:<12} ")
            line.append(f"{event.venue or ''} {event.symbol or ''} {side} {qty} ")
            for n, (label, ms) in enumerate(life.steps):
                line.append(("" if n == 0 else " → ") + label)
                if ms is not None:
                    line.append(f" {ms:.0f}ms", style=self.style_of("dim"))
            if life.last.slippage_bps is not None:
                line.append(f"  slip {life.last.slippage_bps:+.1f}bp")
            done = life.last.kind in FINAL_KINDS
            style = self._style(life.last) if done else "stale"
            if style:
                line.stylize(self.style_of(style), 0, len(stamp))
            lines.append(line)
            self.line_events.append(life.last)
        return lines
