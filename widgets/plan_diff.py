"""PlanDiff: current vs target weight per group, with a drift bar and the band marked."""

from __future__ import annotations

from rich.text import Text

from core.views import PlanGroupRow, PlanView
from widgets import format as fmt
from widgets.line_pane import LinePane

BAR_HALF = 10
"""Cells on each side of the centre of a drift bar."""
BAR_SCALE_PP = 10.0
"""Percentage points shown by a full half-bar."""


class PlanDiff(LinePane):
    """The plan diff: drift per group against its band, and what closing it would trade."""

    header_lines = 1

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: PlanView | None = None
        self.privacy = False

    def update_view(self, view: PlanView | None, *, privacy: bool = False) -> None:
        self.view = view
        self.privacy = privacy
        self._rebuild()

    def _rebuild(self) -> None:
        head = Text(
            f"{'Group':<13} {'Now':>6} {'Target':>6} {'Drift':>7}  {'under ◄ ─ ► over':^21}",
            style=self.style_of("header"),
        )
        view = self.view
        if view is None:
            self.set_lines([head, Text("waiting for holdings…", style=self.style_of("dim"))])
            return
        lines = [head]
        lines.extend(self._row(row) for row in view.groups)
        out = sum(1 for r in view.groups if r.out_of_band)
        summary = Text(
            f"turnover to target {fmt.money(view.turnover, privacy=self.privacy)}"
            f" · {out} group(s) out of band",
            style=self.style_of("stale" if out else "dim"),
        )
        lines.append(summary)
        self.set_lines(lines)

    def _row(self, row: PlanGroupRow) -> Text:
        text = Text(f"{row.group[:13]:<13} {row.current_pct:>5.1f}% {row.target_pct:>5.1f}% ")
        arrow = "▲" if row.drift_pct > 0.05 else "▼" if row.drift_pct < -0.05 else " "
        style = self.style_of("stale") if row.out_of_band else None
        text.append(f"{arrow}{row.drift_pct:+5.1f}", style=style or "")
        text.append("  ")
        text.append_text(self._bar(row))
        return text

    def _bar(self, row: PlanGroupRow) -> Text:
        cells = [" "] * (2 * BAR_HALF + 1)
        cells[BAR_HALF] = "│"
        band = round(row.band_pct / BAR_SCALE_PP * BAR_HALF)
        for pos in (BAR_HALF - band, BAR_HALF + band):
            if 0 <= pos < len(cells) and pos != BAR_HALF:
                cells[pos] = "┆"
        span = round(max(-1.0, min(1.0, row.drift_pct / BAR_SCALE_PP)) * BAR_HALF)
        lo, hi = (BAR_HALF + span, BAR_HALF) if span < 0 else (BAR_HALF + 1, BAR_HALF + span + 1)
        bar = Text("".join("█" if lo <= i < hi else c for i, c in enumerate(cells)))
        if span:
            bar.stylize(self.style_of("stale" if row.out_of_band else "accent"), lo, hi)
        return bar
