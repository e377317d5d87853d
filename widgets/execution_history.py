"""ExecutionHistoryTable: fills per plan with fees and slippage against the arrival mid."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from core.execution.history import ExecutionHistoryView, HistoryFill, PlanHistory
from widgets import format as fmt
from widgets.line_pane import LinePane

HEADER = (
    f"{'time':<9}{'side':<7}{'qty':>14} {'market':<18}{'price':>14}{'fee':>12}{'slip bp':>9}  liq"
)


class ExecutionHistoryTable(LinePane):
    """One block per plan (newest first): a totals row, then its fills."""

    header_lines: ClassVar[int] = 1

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: ExecutionHistoryView | None = None
        self.privacy = False

    def update_view(self, view: ExecutionHistoryView | None, *, privacy: bool = False) -> None:
        self.view = view
        self.privacy = privacy
        lines = [Text(HEADER, style=self.style_of("header"))]
        if view is None:
            lines.append(Text("loading…", style=self.style_of("dim")))
        elif not view.plans:
            lines.append(Text("no fills yet", style=self.style_of("dim")))
        else:
            for plan in view.plans:
                lines.append(self._plan_line(plan))
                lines.extend(self._fill_line(f) for f in reversed(plan.fills))
            self.border_subtitle = f"{view.fills} fills · {len(view.plans)} plans"
        self.set_lines(lines)

    def _money(self, value: object) -> str:
        return fmt.MASK if self.privacy else f"{value:,.2f}"

    def _plan_line(self, plan: PlanHistory) -> Text:
        slip = f"{plan.slippage_bps:+.1f}bp" if plan.slippage_bps is not None else "n/a"
        quote = "/".join(plan.quotes)
        line = Text(
            f"plan {plan.plan_id}: {plan.orders} orders, {len(plan.fills)} fills, "
            f"notional {self._money(plan.notional)} {quote}, fees {self._money(plan.fees)}, "
            f"slippage {slip} ({self._money(plan.slippage_cost)} {quote})",
            style=self.style_of("group"),
        )
        return line

    def _fill_line(self, fill: HistoryFill) -> Text:
        arrow = "▲ buy" if fill.side.value == "buy" else "▼ sell"
        # Exact, never in exponent form (a memecoin fill is hundreds of millions of units).
        qty = fmt.MASK if self.privacy else fmt.exact(fill.qty)
        slip = f"{fill.slippage_bps:+.1f}" if fill.slippage_bps is not None else "-"
        line = Text(
            f"{fill.ts.strftime('%H:%M:%S'):<9}{arrow:<7}{qty:>14} "
            f"{fill.venue + ' ' + fill.symbol:<18}{fmt.exact(fill.price):>14}"
            f"{(fmt.MASK if self.privacy else f'{fill.fee:.6g}'):>12}{slip:>9}  "
            f"{fill.liquidity.value}"
        )
        line.stylize(self.style_of("gain" if fill.side.value == "buy" else "loss"), 9, 16)
        if fill.slippage_bps is not None and fill.slippage_bps > 0:
            start = len(line.plain) - len(fill.liquidity.value) - 2 - 9
            line.stylize(self.style_of("stale"), start, start + 9)
        return line
