"""HoldingsTable: every position with its price's provenance, subtotals per group or location.

Rows are per asset (summed over locations) or, toggled with ``l``, per asset and location.
Each price shows its source badge and age (``m`` book mid, ``t`` last trade, ``c`` cached…;
``!`` and the stale colour when stale). A quantity from an import shows ``imp`` and the
import's age in the P&L column (an import has no cost basis); under the total, one line says
where the holdings come from and, in paper mode, what the real accounts hold beside the paper
ones. ``/`` edits a filter (asset, group or location
substring) typed straight into the pane, Enter keeps it, Esc clears it. The last line is a
sparkline of the portfolio's total value over the session. Everything is rendered once per
update into cached strips (:class:`~widgets.line_pane.LinePane`): a key press re-renders this
pane's lines only, never the screen's layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType

from core.config import GROUPS
from core.models import Price, PriceSource
from core.views import HoldingRow, HoldingsView, SourceTotal
from widgets import format as fmt
from widgets.inline_filter import InlineFilter
from widgets.line_pane import LinePane

BADGES: dict[PriceSource, str] = {
    PriceSource.BOOK_MID: "m",
    PriceSource.LAST_TRADE: "t",
    PriceSource.TICKER: "k",
    PriceSource.CACHED: "c",
    PriceSource.IMPORT: "i",
    PriceSource.CLOSE: "d",
    PriceSource.CONFIG: "=",
    PriceSource.NONE: "?",
}
"""One-letter provenance badge shown after every price (see the help screen)."""

SORTS = ("value", "asset", "change")
ROW_WIDTH = 68
"""Cells a row needs with every column (and the ⊘ mark); a narrower pane (65 columns at
120x40) drops the per-row weight, which the group subtotal lines still show."""
WHERE_WIDTH = 12
"""Cells the location column adds (per-location rows). Narrower than all columns need, such
rows drop the weight, then the price and its source (the same for every location of an
asset; the per-asset rows show them): the location, import badge, P&L and ⊘ stay visible at
120x40."""
SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 32


@dataclass(frozen=True, slots=True)
class Line:
    """One displayed position: an asset (all locations) or an asset at one location."""

    asset: str
    group: str
    where: str
    qty: Decimal
    price: Price
    value: Decimal
    weight: float
    change_24h: float | None
    tradable: bool
    pnl: Decimal | None = None
    """Unrealised P&L (USD) of the part a cost basis covers; None where none is known."""
    pnl_partial: bool = False
    imported_as_of: datetime | None = None
    """When every quantity in the line comes from an import: the import's as-of time (the
    P&L cell shows the import badge and age instead of a P&L nobody can know)."""


def coarse_age(seconds: float | None) -> str:
    """A price's age in whole units (``<1s``, ``12s``, ``4m``, ``3h``, ``2d``): rows repaint
    only when it visibly changes, not on every tenth of a second."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return "<1s"
    for unit, size in (("s", 60), ("m", 60), ("h", 24)):
        if seconds < size:
            return f"{int(seconds)}{unit}"
        seconds /= size
    return f"{int(seconds)}d"


def sparkline(values: Sequence[float], width: int = SPARK_WIDTH) -> str:
    """The last ``width`` values as block characters scaled between their min and max."""
    points = list(values)[-width:]
    if not points:
        return ""
    lo, hi = min(points), max(points)
    span = hi - lo
    if span <= 0:
        return SPARKS[len(SPARKS) // 2] * len(points)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((v - lo) / span * top)] for v in points)


def summed_pnl(rows: Sequence[HoldingRow]) -> tuple[Decimal | None, bool]:
    """P&L of several rows of one asset, and whether it is partial: a row without a basis
    (a cold wallet beside a traded account) makes the sum partial, never unknown."""
    known = [r for r in rows if r.unrealised_pnl is not None]
    if not known:
        return None, False
    total = sum((r.unrealised_pnl for r in known if r.unrealised_pnl is not None), Decimal(0))
    return total, len(known) < len(rows) or not all(r.pnl_complete for r in known)


def by_asset(rows: Iterable[HoldingRow]) -> list[Line]:
    """Rows summed per asset over its locations (one price per asset)."""
    out: dict[str, list[HoldingRow]] = {}
    for row in rows:
        out.setdefault(row.asset, []).append(row)
    return [
        Line(
            asset=asset,
            group=members[0].group,
            where=f"{len(members)} loc" if len(members) > 1 else members[0].location_id,
            qty=sum((r.qty for r in members), Decimal(0)),
            price=members[0].price,
            value=sum((r.value for r in members), Decimal(0)),
            weight=sum(r.weight for r in members),
            change_24h=members[0].change_24h,
            tradable=any(r.tradable for r in members),
            pnl=(pnl := summed_pnl(members))[0],
            pnl_partial=pnl[1],
            imported_as_of=imported_as_of(members),
        )
        for asset, members in out.items()
    ]


def imported_as_of(rows: Sequence[HoldingRow]) -> datetime | None:
    """The oldest as-of time of ``rows`` when all of them come from an import, else None."""
    if not rows or not all(r.imported for r in rows):
        return None
    return min((r.as_of for r in rows if r.as_of is not None), default=None)


def by_location(rows: Iterable[HoldingRow]) -> list[Line]:
    return [
        Line(
            r.asset, r.group, r.location_id, r.qty, r.price, r.value, r.weight, r.change_24h,
            r.tradable, r.unrealised_pnl, not r.pnl_complete, imported_as_of([r]),
        )
        for r in rows
    ]  # fmt: skip


def import_badge(as_of: datetime | None, now: datetime) -> str:
    """``imp 97d``: the quantity comes from an import this old (7 cells at most)."""
    age = (now - as_of).total_seconds() if as_of is not None else None
    return f"imp{coarse_age(age):>4}"


def source_parts(sources: Sequence[SourceTotal], now: datetime, *, privacy: bool) -> list[str]:
    """Where the holdings come from, one part per source: ``sim-a $90,210``,
    ``cointracking $420,894 (imp 97d)``; imports carry their badge and age."""
    parts = []
    for s in sources:
        badge = f" ({import_badge(s.as_of, now)})" if s.imported else ""
        parts.append(f"{s.source} {fmt.money(s.value, privacy=privacy)}{badge}")
    return parts


def packed(prefix: str, parts: Sequence[str], width: int) -> list[str]:
    """``prefix`` and ``parts`` joined by `` · `` into lines of at most ``width`` cells (a
    part longer than a line is cut, never the pane's layout)."""
    out: list[str] = []
    line = prefix
    for part in parts:
        candidate = f"{line} · {part}" if line and line != prefix else f"{line}{part}"
        if len(candidate) <= width or not line:
            line = candidate
        else:
            out.append(line)
            line = f"  {part}"
    out.append(line)
    return [text[:width] for text in out]


class HoldingsTable(LinePane):
    """Holdings with group (or location) subtotals; prices carry provenance and age."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "b", "toggle_by", "Group/location", id="holdings.by", tooltip="by group / location"
        ),
        Binding(
            "l",
            "toggle_locations",
            "Per location",
            id="holdings.locations",
            tooltip="a row per asset / per asset and location",
        ),
        Binding(
            "s",
            "cycle_sort",
            "Sort",
            id="holdings.sort",
            tooltip="cycle sort: value, asset, 24h change",
        ),
        Binding(
            "slash",
            "start_filter",
            "Filter",
            id="holdings.filter",
            tooltip="filter: asset, group, location (Enter keeps it, Esc clears)",
        ),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="holdings.clear"),
    ]
    header_lines = 1

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: HoldingsView | None = None
        self.privacy = False
        self.by = "group"
        self.per_location = False
        self.sort = "value"
        self.search = InlineFilter()
        self._styles: dict[str, Style] = {}
        self._weight_shown = True
        self._price_shown = True

    def update_view(self, view: HoldingsView | None, *, privacy: bool = False) -> None:
        self.view = view
        self.privacy = privacy
        self._rebuild()

    # --------------------------------------------------------------- actions

    def action_toggle_by(self) -> None:
        self.by = "location" if self.by == "group" else "group"
        self._rebuild()

    def action_toggle_locations(self) -> None:
        self.per_location = not self.per_location
        self._rebuild()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._rebuild()

    @property
    def filter(self) -> str:
        return self.search.text

    @property
    def editing(self) -> bool:
        return self.search.editing

    def action_start_filter(self) -> None:
        self.search.start()
        self._rebuild()

    def action_clear_filter(self) -> None:
        self.search.clear()
        self._rebuild()

    def on_key(self, event: events.Key) -> None:
        """While editing the filter, keys type into it instead of reaching any binding."""
        if self.search.on_key(event):
            self._rebuild()

    # --------------------------------------------------------------- rendering

    def _matches(self, *fields: str) -> bool:
        return self.search.matches(*fields)

    def _sorted(self, lines: list[Line]) -> list[Line]:
        if self.sort == "asset":
            return sorted(lines, key=lambda r: (r.asset, r.where))
        if self.sort == "change":
            return sorted(lines, key=lambda r: (-(r.change_24h or 0.0), r.asset))
        return sorted(lines, key=lambda r: (-r.value, r.asset, r.where))

    def _subtitle(self) -> str:
        rows = "asset@location" if self.per_location or self.by == "location" else "asset"
        parts = [f"by {self.by}", rows, f"sort {self.sort}"]
        label = self.search.label()
        if label:
            parts.append(label)
        return " · ".join(parts)

    def _style(self, name: str) -> Style:
        """``style_of`` memoised for one rebuild (a theme lookup per cell was a third of it)."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.style_of(name)
        return style

    @property
    def detail(self) -> bool:
        """Rows per asset and location (with a location column)."""
        return self.per_location or self.by == "location"

    @property
    def show_weight(self) -> bool:
        """Whether rows have room for the weight column (always before the first layout)."""
        width = self.scrollable_content_region.width
        return width <= 0 or width >= ROW_WIDTH + (WHERE_WIDTH if self.detail else 0)

    @property
    def show_price(self) -> bool:
        """Whether per-location rows have room for the price and its source (per-asset rows
        always do)."""
        width = self.scrollable_content_region.width
        return not self.detail or width <= 0 or width >= ROW_WIDTH + WHERE_WIDTH - 6

    def on_resize(self) -> None:
        super().on_resize()
        shown = (self.show_weight, self.show_price)
        if self.view is not None and shown != (self._weight_shown, self._price_shown):
            self._rebuild()

    def _rebuild(self) -> None:
        self._styles.clear()
        view = self.view
        self.border_subtitle = self._subtitle()
        detail = self.detail
        where = f" {'Where':<11}" if detail else ""
        self._weight_shown = weight = self.show_weight
        self._price_shown = show_price = self.show_price
        head = Text(
            f"{'Asset':<6}{where} {'Qty':>9}"
            + (f" {'Price':>10} {'Src':<6}" if show_price else " ")
            + f"{'Value':>10}"
            + (f" {'Wt':>5}" if weight else "")
            + f" {'24h':>7} {'P&L':>7}",
            style=self._style("header"),
        )
        if view is None:
            self.set_lines([head, Text("waiting for balances…", style=self._style("dim"))])
            return
        lines = [head]
        # Filter positions first, then sum per asset: a location filter sums what is there.
        rows = [r for r in view.rows if self._matches(r.asset, r.group, r.location_id)]
        shown = by_location(rows) if detail else by_asset(rows)
        lines.extend(self._sections(view, shown, detail))
        lines.append(
            Text(
                f"{'Total':<15} {fmt.cents(view.total, privacy=self.privacy, width=31)}",
                style=self._style("accent"),
            )
        )
        width = self.scrollable_content_region.width or ROW_WIDTH
        if any(s.imported for s in view.sources):
            parts = source_parts(view.sources, view.as_of, privacy=self.privacy)
            lines += [Text(t, style=self._style("dim")) for t in packed("· from ", parts, width)]
        if view.real:
            parts = source_parts(view.real, view.as_of, privacy=self.privacy)
            label = "· real, not traded (rows are paper): "
            lines += [Text(t, style=self._style("dim")) for t in packed(label, parts, width)]
        if view.stale_prices:
            lines.append(
                Text(f"! {view.stale_prices} stale or missing price(s)", style=self._style("stale"))
            )
        if len(view.history) > 1:
            first, last = view.history[0], view.history[-1]
            change = (last / first - 1.0) if first else None
            spark = Text("session ", style=self._style("dim"))
            spark.append(sparkline(view.history), style=self._style("accent"))
            spark.append(" ")
            spark.append(
                fmt.signed_pct(change, digits=2),
                style=self._style(fmt.pct_tone(change, digits=2)),
            )
            lines.append(spark)
        self.set_lines(lines)

    def _sections(self, view: HoldingsView, shown: list[Line], detail: bool) -> list[Text]:
        def key(line: Line) -> str:
            return line.group if self.by == "group" else line.where

        totals = {g.group: g for g in (view.groups if self.by == "group" else view.locations)}
        names = list(GROUPS) if self.by == "group" else list(totals)
        names += sorted({key(r) for r in shown} - set(names))
        rank = {n: i for i, n in enumerate(names)}
        members = {
            n: list(m) for n, m in groupby(sorted(shown, key=lambda r: rank[key(r)]), key=key)
        }
        out: list[Text] = []
        for name in names:
            rows = members.get(name, [])
            if self.filter and not rows:
                continue
            if self.filter:
                value = sum((r.value for r in rows), Decimal(0))
                weight = sum(r.weight for r in rows)
            else:
                total = totals.get(name)
                value = total.value if total else Decimal(0)
                weight = total.weight if total else 0.0
            shown_name = name if self.by == "group" else fmt.location(name, privacy=self.privacy)
            header = Text(f"▸ {shown_name}", style=self._style("group" if rows else "dim"))
            header.append(
                f"  {fmt.money(value, privacy=self.privacy)}  {fmt.pct(weight)}",
                style=self._style("dim"),
            )
            out.append(header)
            out.extend(self._row(row, detail, view) for row in self._sorted(rows))
        return out

    def _row(self, row: Line, detail: bool, view: HoldingsView) -> Text:
        text = Text(f"{row.asset[:6]:<6}")
        if detail:
            other = (
                fmt.location(row.where, privacy=self.privacy) if self.by == "group" else row.group
            )
            text.append(f" {other[:11]:<11}")
        text.append(" ")
        text.append(fmt.qty(row.qty, privacy=self.privacy, width=9))
        text.append(" ")
        if self._price_shown:
            price = row.price
            bad = price.stale or price.value is None
            price_style = self._style("stale") if bad else None
            text.append(fmt.price(price.value, width=10), style=price_style or "")
            text.append(" ")
            age = (view.as_of - price.ts).total_seconds() if price.ts is not None else None
            # A stale price keeps its provenance letter: "m!12s" is a book mid gone stale.
            badge = BADGES.get(price.source, "?")
            stale = price.stale
            cell = f"{badge}!{coarse_age(age):<4}" if stale else f"{badge}{coarse_age(age):<5}"
            text.append(cell, style=price_style or self._style("dim"))
        text.append(fmt.money(row.value, privacy=self.privacy, width=10))
        if self._weight_shown:
            text.append(" ")
            text.append(fmt.pct(row.weight, width=5))
        text.append(" ")
        change = row.change_24h
        text.append(fmt.signed_pct(change, width=7), style=self._style(fmt.pct_tone(change)))
        text.append(" ")
        pnl = row.pnl
        if pnl is None and row.imported_as_of is not None:
            # An imported quantity has no cost basis: its cell says where it came from.
            text.append(import_badge(row.imported_as_of, view.as_of), style=self._style("dim"))
        else:
            tone = "dim" if self.privacy else fmt.pnl_tone(pnl)
            text.append(
                fmt.pnl(pnl, privacy=self.privacy, width=7, partial=row.pnl_partial),
                style=self._style(tone),
            )
        if not row.tradable:
            text.append(" ⊘", style=self._style("dim"))
        return text
