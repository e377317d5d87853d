"""HelpModal: every key binding, with the price-badge legend."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("?", "this help"),
    ("q / Ctrl+C", "quit"),
    ("1 … 5", "holdings, risk, plan, order book, execution log"),
    ("Tab / Shift+Tab", "next / previous pane"),
    ("j k ↑ ↓", "move in the focused pane; g/G top/bottom; PgUp/PgDn"),
    ("[ ]", "previous / next market in the order book"),
    ("c", "price and depth charts of the book's market (← → crosshair, + - zoom, H L pan,"),
    ("", "  m mode, f timeframe 1m 5m 1h 1d, Tab price/depth, 0 follow live, Esc close)"),
    ("b", "holdings: group by asset group / by location"),
    ("l", "holdings: a row per asset / per asset and location"),
    ("/ Esc", "holdings: filter (asset, group, location; Enter keeps it) / clear"),
    ("s", "holdings: cycle sort (value, asset, 24h change)"),
    ("r P x", "plan: regenerate / next target preset / send (refused when stale)"),
    ("f", "execution log: cycle filter (all, no prints, orders)"),
    ("t", "cycle theme (dark, light, colour-blind)"),
    ("p", "privacy mode: mask amounts and values"),
    ("Ctrl+P", "command palette"),
    ("Ctrl+E", "execute the current plan (confirm modal, focus on Cancel)"),
    ("Ctrl+X", "abort running plans: no further plan orders are sent"),
    ("Ctrl+K", "kill switch, one confirmed step a press: pause → cancel all → flatten"),
    ("R", "re-arm trading after the kill switch (confirmed)"),
    ("Ctrl+S", "save an SVG screenshot (masked in privacy mode)"),
    ("space . , > < + -", "replay: pause/play, step ±1 frame, seek ±10 s, speed"),
)
BADGES: tuple[tuple[str, str], ...] = (
    ("m", "price from a live book mid (then its age: m<1s, m12s, c4m)"),
    ("t / k", "last trade / venue ticker"),
    ("c / i / =", "cached, import file, configured"),
    ("!", "stale, after the source: older than the limit or unverified book (m!12s)"),
    ("?", "no price known"),
    ("⊘", "holding sits where the cockpit cannot trade (wallet, cold storage)"),
    ("▲ ▼", "up / down (gains, bids / losses, asks)"),
    ("P&L ▲~", "vs average cost of the venue's recorded fills; ~ partial cover, — no fills"),
)


class HelpModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpModal { align: center middle; }
    HelpModal > VerticalScroll {
        width: 80; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        keys = Table(title="Keys", box=None, show_header=False, title_style="bold")
        keys.add_column(style="bold")
        keys.add_column()
        for key, what in KEYS:
            keys.add_row(key, what)
        badges = Table(title="Price badges", box=None, show_header=False, title_style="bold")
        badges.add_column(style="bold")
        badges.add_column()
        for badge, what in BADGES:
            badges.add_row(badge, what)
        with VerticalScroll():
            yield Static(keys)
            yield Static(badges)
