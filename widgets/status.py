"""The cockpit's header (venues, PAPER/LIVE badge, clock) and feed-health status line."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from core.models import FeedHealth, FeedState, TradingMode
from widgets import format as fmt

STATE_ICON = {
    FeedState.LIVE: "●",
    FeedState.CONNECTING: "◌",
    FeedState.RESYNCING: "⟳",
    FeedState.STALE: "⚠",
    FeedState.DISCONNECTED: "✖",
    FeedState.STOPPED: "■",
}


class CockpitHeader(Static):
    """One line: name, venues, the trading-mode badge, selected market and UTC clock."""

    DEFAULT_CSS = """
    CockpitHeader { height: 1; background: $panel; color: $foreground; }
    """

    def show(
        self,
        mode: TradingMode,
        venues: tuple[str, ...],
        market: str | None,
        now: datetime,
        *,
        replay: bool = False,
        privacy: bool = False,
        observer: bool = False,
    ) -> None:
        text = Text(" cockpit ", style="bold")
        if replay:
            text.append(" REPLAY ", style="bold reverse magenta")
        elif mode is TradingMode.LIVE:
            text.append(" LIVE ", style="bold reverse red")
        else:
            text.append(" PAPER ", style="bold reverse green")
        if observer:
            text.append(" OBSERVER ", style="bold reverse blue")
        text.append(f"  venues: {', '.join(venues)}")
        if market:
            text.append(f"  │ book: {market}")
        if privacy:
            text.append("  │ privacy", style="bold yellow")
        text.append(f"  │ {now:%Y-%m-%d %H:%M:%S} UTC")
        self.update(text, layout=False)  # fixed height: never needs a layout pass


class FeedStatusLine(Static):
    """Feed health per venue: state, last-message age, messages per second, integrity counts."""

    DEFAULT_CSS = """
    FeedStatusLine { height: 1; background: $panel; }
    """

    def show(self, feeds: tuple[FeedHealth, ...], now: datetime) -> None:
        text = Text()
        for health in feeds:
            state = health.state
            colour = {
                FeedState.LIVE: "green",
                FeedState.STALE: "yellow",
                FeedState.RESYNCING: "yellow",
                FeedState.CONNECTING: "yellow",
            }.get(state, "red")
            text.append(f" {health.venue} ", style="bold")
            text.append(f"{STATE_ICON.get(state, '?')} {state.value}", style=colour)
            text.append(
                f" {fmt.age(health.age_s(now))} {health.messages_per_s:.0f} msg/s"
                f" · crc✗ {health.checksum_failures} gaps {health.gaps} resyncs {health.resyncs} │"
            )
        self.update(text, layout=False)  # fixed height: never needs a layout pass
