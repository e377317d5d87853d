"""The cockpit's header (mode, trading state, portfolio total, clock) and feed-health line.

The header is the status line a trader reads first: PAPER/LIVE, whether trading is ACTIVE,
PAUSED (by whom and why, with the key that re-arms) or stopped by a BREAKER, the portfolio
total and its change over the day. It is drawn from one :class:`TradingStatus`, computed from
the core's state by :func:`trading_status`, so a test reads the same words the user sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from rich.text import Text
from textual.widgets import Static

from core.models import FeedHealth, FeedState, TradingMode
from core.views import HoldingsView
from widgets import format as fmt

BREAKER_PREFIX = "breaker:"
KILL_PREFIX = "kill switch "


@dataclass(frozen=True, slots=True)
class TradingStatus:
    """What the status line says about trading: a label and why, in the user's words."""

    label: str
    """ACTIVE, PAUSED, CANCELLED (open orders cancelled), FLATTENED, BREAKER or HALTED."""
    detail: str = ""
    """Who paused it and why (``operator (Ctrl+K)``, the breaker's reason, reconciling…)."""
    rearm_key: str = ""
    """The key that re-arms trading, shown beside a paused state (empty when active)."""

    @property
    def active(self) -> bool:
        return self.label == "ACTIVE"

    def describe(self) -> str:
        """One line for a toast: ``trading PAUSED (operator (Ctrl+K)); R re-arms``."""
        text = f"trading {self.label}"
        if self.detail:
            text += f" ({self.detail})"
        if self.rearm_key:
            text += f"; {self.rearm_key} re-arms"
        return text


KILL_LABELS = {1: "PAUSED", 2: "CANCELLED", 3: "FLATTENED"}


def trading_status(
    enabled: bool, reason: str | None, kill_level: int, *, rearm_key: str = "R"
) -> TradingStatus:
    """The trading state from the core's ``trading_enabled``, ``trading_reason``, ``kill_level``.

    A breaker engages the kill switch with a reason ``breaker: NAME…``; the operator's own
    Ctrl+K gives ``operator (Ctrl+K)``. Trading disabled without the kill switch (reconciling,
    execution not started) is HALTED with the core's reason: no key re-arms that.
    """
    if enabled and kill_level == 0:
        return TradingStatus("ACTIVE")
    why = reason or ""
    if why.startswith(KILL_PREFIX):  # "kill switch paused: operator (Ctrl+K)"
        why = why.partition(": ")[2] or why
    if kill_level > 0:
        if why.startswith(BREAKER_PREFIX):
            return TradingStatus("BREAKER", why[len(BREAKER_PREFIX) :].strip(), rearm_key)
        return TradingStatus(KILL_LABELS.get(kill_level, "PAUSED"), why, rearm_key)
    return TradingStatus("HALTED", why)


def day_change(view: HoldingsView | None) -> tuple[Decimal, float] | None:
    """The portfolio's change over 24 h at today's quantities: (USD, fraction of a day ago).

    Each priced row contributes ``value - value / (1 + change_24h)``; rows without a 24 h
    change count as unchanged. None without holdings or any row with a change.
    """
    if view is None:
        return None
    change = Decimal(0)
    known = False
    for row in view.rows:
        if row.change_24h is None or row.change_24h <= -1:
            continue
        known = True
        change += row.value - row.value / Decimal(str(1 + row.change_24h))
    if not known:
        return None
    before = view.total - change
    return change, float(change / before) if before else 0.0


GIVE_WAY = ("venues", "market", "clock", "name", "re-arm", "detail")
"""The header's parts in the order they give way when the line is too narrow: the trading
state, its re-arm key, the total and the day's P&L always stay (issue 13), and who paused
and why (or the breaker's name) goes only after everything else."""

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
    _refit: Callable[[], None] | None = None

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
        trading: TradingStatus | None = None,
        holdings: HoldingsView | None = None,
    ) -> None:
        self._refit = partial(
            self.show,
            mode,
            venues,
            market,
            now,
            replay=replay,
            privacy=privacy,
            observer=observer,
            trading=trading,
            holdings=holdings,
        )
        width = self.size.width or 120
        for drop in range(len(GIVE_WAY) + 1):
            text = self._line(
                mode,
                venues,
                market,
                now,
                frozenset(GIVE_WAY[:drop]),
                replay=replay,
                privacy=privacy,
                observer=observer,
                trading=trading,
                holdings=holdings,
            )
            if text.cell_len <= width:
                break
        self.update(text, layout=False)  # fixed height: never needs a layout pass

    @classmethod
    def _line(
        cls,
        mode: TradingMode,
        venues: tuple[str, ...],
        market: str | None,
        now: datetime,
        dropped: frozenset[str],
        *,
        replay: bool,
        privacy: bool,
        observer: bool,
        trading: TradingStatus | None,
        holdings: HoldingsView | None,
    ) -> Text:
        """The line without the parts in ``dropped`` (names from :data:`GIVE_WAY`)."""
        text = Text() if "name" in dropped else Text(" cockpit ", style="bold")
        if replay:
            text.append(" REPLAY ", style="bold reverse magenta")
        elif mode is TradingMode.LIVE:
            text.append(" LIVE ", style="bold reverse red")
        else:
            text.append(" PAPER ", style="bold reverse green")
        if observer:
            text.append(" OBSERVER ", style="bold reverse blue")
        if trading is not None:
            text.append(" ")
            text.append_text(cls._trading(trading, dropped))
        if holdings is not None:
            text.append("  " + fmt.money(holdings.total, privacy=privacy), style="bold")
            day = day_change(holdings)
            if day is not None:
                usd, fraction = day
                colour = {"gain": "green", "loss": "red", "dim": ""}
                text.append(
                    f" day {fmt.pnl(usd, privacy=privacy)}", style=colour[fmt.pnl_tone(usd)]
                )
                text.append(f" {fmt.signed_pct(fraction)}", style=colour[fmt.pct_tone(fraction)])
        if "venues" not in dropped:
            text.append(f"  │ venues: {', '.join(venues)}")
        if market and "market" not in dropped:
            text.append(f"  │ book: {market}")
        if privacy:
            text.append("  │ privacy", style="bold yellow")
        if "clock" not in dropped:
            text.append(f"  │ {now:%H:%M:%S} UTC")
        return text

    def on_resize(self) -> None:
        """Refit the line to the new width now: which parts fit depends on it, and the first
        state may come before the first layout (or no next state come soon: a paused replay)."""
        if self._refit is not None:
            self._refit()

    @staticmethod
    def _trading(status: TradingStatus, dropped: frozenset[str] = frozenset()) -> Text:
        if status.active:
            return Text(" ● ACTIVE ", style="bold green")
        text = Text(f" ■ {status.label} ", style="bold reverse yellow")
        if status.detail and "detail" not in dropped:
            text.append(f" {status.detail}", style="yellow")
        if status.rearm_key:
            # The key stands apart from the reversed state block: not reversed, bracketed.
            text.append(f" [{status.rearm_key}]", style="bold underline")
            if "re-arm" not in dropped:
                text.append(" re-arm")
        return text


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
            text.append(f" {fmt.age(health.age_s(now))} {health.messages_per_s:.0f} msg/s · ")
            # "crc ok" when every checksum matched; a count only when some failed.
            failures = health.checksum_failures
            text.append(f"crc fail {failures}" if failures else "crc ok", "red" if failures else "")
            text.append(f" gaps {health.gaps} resyncs {health.resyncs} │")
        self.update(text, layout=False)  # fixed height: never needs a layout pass
