"""HoldingsTable: every position, grouped by asset group or by location, valued live."""

from __future__ import annotations

from itertools import groupby
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from core.models import PriceSource
from core.views import HoldingRow, HoldingsView
from widgets import format as fmt
from widgets.line_pane import LinePane

BADGES: dict[PriceSource, str] = {
    PriceSource.BOOK_MID: "m",
    PriceSource.LAST_TRADE: "t",
    PriceSource.TICKER: "k",
    PriceSource.CACHED: "c",
    PriceSource.IMPORT: "i",
    PriceSource.CONFIG: "=",
    PriceSource.NONE: "?",
}
"""One-letter provenance badge shown after every price (see the help screen)."""

SORTS = ("value", "asset", "change")


class HoldingsTable(LinePane):
    """Holdings with group (or location) subtotals; prices carry a provenance badge."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "toggle_by", "Group/location", id="holdings.by"),
        Binding("s", "cycle_sort", "Sort", id="holdings.sort"),
    ]
    header_lines = 1

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: HoldingsView | None = None
        self.privacy = False
        self.by = "group"
        self.sort = "value"

    def update_view(self, view: HoldingsView | None, *, privacy: bool = False) -> None:
        self.view = view
        self.privacy = privacy
        self._rebuild()

    def action_toggle_by(self) -> None:
        self.by = "location" if self.by == "group" else "group"
        self._rebuild()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._rebuild()

    def _sorted(self, rows: list[HoldingRow]) -> list[HoldingRow]:
        if self.sort == "asset":
            return sorted(rows, key=lambda r: (r.asset, r.location_id))
        if self.sort == "change":
            return sorted(rows, key=lambda r: -(r.change_24h or 0.0))
        return sorted(rows, key=lambda r: -r.value)

    def _rebuild(self) -> None:
        view = self.view
        self.border_subtitle = f"by {self.by} · sort {self.sort}"
        head = Text(
            f"{'Asset':<6} {'Where':<8} {'Qty':>9} {'Price':>10} {'Value':>10}"
            f" {'Wt':>5} {'24h':>7}",
            style=self.style_of("header"),
        )
        if view is None:
            self.set_lines([head, Text("waiting for balances…", style=self.style_of("dim"))])
            return
        lines = [head]

        def key(row: HoldingRow) -> str:
            return row.group if self.by == "group" else row.location_id

        totals = {g.group: g for g in (view.groups if self.by == "group" else view.locations)}
        rows = sorted(
            view.rows, key=lambda r: list(totals).index(key(r)) if key(r) in totals else 99
        )
        for name, members in groupby(rows, key=key):
            total = totals.get(name)
            group_line = Text(f"▸ {name}", style=self.style_of("group"))
            if total is not None:
                group_line.append(
                    f"  {fmt.money(total.value, privacy=self.privacy)}  {fmt.pct(total.weight)}",
                    style=self.style_of("dim"),
                )
            lines.append(group_line)
            for row in self._sorted(list(members)):
                lines.append(self._row(row))
        lines.append(
            Text(
                f"{'Total':<15} {fmt.money(view.total, privacy=self.privacy, width=31)}",
                style=self.style_of("accent"),
            )
        )
        if view.stale_prices:
            lines.append(
                Text(
                    f"! {view.stale_prices} stale or missing price(s)", style=self.style_of("stale")
                )
            )
        self.set_lines(lines)

    def _row(self, row: HoldingRow) -> Text:
        where = row.location_id if self.by == "group" else row.group
        text = Text(f"{row.asset[:6]:<6} {where.split(':')[0][:8]:<8} ")
        text.append(fmt.qty(row.qty, privacy=self.privacy, width=9))
        text.append(" ")
        price_style = self.style_of("stale") if row.price.stale or row.price.value is None else None
        text.append(fmt.price(row.price.value, width=10), style=price_style or "")
        badge = "!" if row.price.stale else BADGES.get(row.price.source, "?")
        text.append(badge, style=price_style or self.style_of("dim"))
        text.append(fmt.money(row.value, privacy=self.privacy, width=10))
        text.append(" ")
        text.append(fmt.pct(row.weight, width=5))
        text.append(" ")
        change = row.change_24h
        style = self.style_of(
            "gain" if (change or 0) > 0 else "loss" if (change or 0) < 0 else "dim"
        )
        text.append(fmt.signed_pct(change, width=7), style=style)
        if not row.tradable:
            text.append(" ⊘", style=self.style_of("dim"))
        return text
