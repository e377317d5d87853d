"""The analytics screen's text panes: the monthly returns grid, attribution bars per group and
the P&L table. Each renders the :class:`~core.pnl.performance.PerformanceView` it is handed
(computed by the core) and does no arithmetic beyond layout."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from core.attribution.brinson import Attribution
from core.pnl.backtests import BacktestCurve
from core.pnl.models import PnlReport
from core.pnl.performance import MonthlyReturn
from widgets import format as fmt
from widgets.line_pane import LinePane

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CELL = 8


class MonthlyReturnsGrid(LinePane):
    """One row per year, a cell per month (compounded daily returns) and the year's total."""

    header_lines = 1

    def update_months(self, months: Sequence[MonthlyReturn] | None) -> None:
        header = f"{'year':<5}" + "".join(m.rjust(CELL) for m in MONTHS) + "year".rjust(CELL + 1)
        lines = [Text(header, style=self.style_of("header"))]
        if months is None:
            lines.append(Text("loading…", style=self.style_of("dim")))
        elif not months:
            lines.append(Text("no daily history yet", style=self.style_of("dim")))
        by_year: dict[int, dict[int, float]] = {}
        for m in months or ():
            by_year.setdefault(m.year, {})[m.month] = m.value
        for year, cells in sorted(by_year.items()):
            line = Text(f"{year:<5}")
            growth = 1.0
            for month in range(1, 13):
                value = cells.get(month)
                if value is not None:
                    growth *= 1.0 + value
                line.append(self._cell(value, CELL))
            line.append(" ")
            line.append(self._cell(growth - 1.0, CELL))
            lines.append(line)
        self.set_lines(lines)

    def _cell(self, value: float | None, width: int) -> Text:
        if value is None:
            return Text("·".rjust(width), style=self.style_of("dim"))
        style = self._sign_style(value)
        return Text(fmt.signed_pct(value, width=width), style=style)

    def _sign_style(self, value: float) -> Style:
        if round(value * 100, 1) == 0:
            return self.style_of("dim")
        return self.style_of("gain" if value > 0 else "loss")


class AttributionBars(LinePane):
    """Per group: a bar of the linked active contribution and its allocation, selection and
    interaction (Brinson–Fachler, Carino-linked, against the target group weights)."""

    header_lines = 1
    BAR = 9
    """Cells per side of the bar at most; fewer when the pane is narrow."""
    FIXED = 14 + 9 + 1 + 1 + 27 + 1
    """Columns of everything but the bars (group, active, spaces, the three effects)."""

    def _bar(self) -> int:
        width = self.size.width
        return self.BAR if width <= 0 else max(2, min(self.BAR, (width - self.FIXED) // 2))

    def update_attribution(self, attribution: Attribution | None, note: str = "") -> None:
        bar = self._bar()
        lines = [
            Text(
                f"{'group':<14}{'active':>9} {'':<{bar * 2 + 1}}"
                f"{'alloc':>9}{'select':>9}{'inter':>9}",
                style=self.style_of("header"),
            )
        ]
        if attribution is None:
            lines.append(Text(note or "loading…", style=self.style_of("dim")))
            self.set_lines(lines)
            return
        linked = attribution.linked
        scale = max((abs(s.total) for s in linked.segments), default=0.0) or 1.0
        for s in linked.segments:
            line = Text(f"{s.segment[:13]:<14}")
            line.append(fmt.signed_pct(s.total, width=9, digits=2), style=self._sign(s.total))
            line.append(" ")
            cells = round(abs(s.total) / scale * bar)
            left = "█" * cells if s.total < 0 else ""
            right = "█" * cells if s.total > 0 else ""
            line.append(left.rjust(bar), style=self.style_of("loss"))
            line.append("│", style=self.style_of("dim"))
            line.append(right.ljust(bar), style=self.style_of("gain"))
            for value in (s.allocation, s.selection, s.interaction):
                line.append(fmt.signed_pct(value, width=9, digits=2), style=self._sign(value))
            lines.append(line)
        t = linked.total
        lines.append(
            Text(
                f"{len(attribution.periods)} months · portf. "
                f"{fmt.signed_pct(t.portfolio_return, digits=2)} · target "
                f"{fmt.signed_pct(t.benchmark_return, digits=2)} · active "
                f"{fmt.signed_pct(t.active, digits=2)} (Carino)",
                style=self.style_of("dim"),
            )
        )
        self.set_lines(lines)

    def _sign(self, value: float) -> Style:
        if round(value * 100, 2) == 0:
            return self.style_of("dim")
        return self.style_of("gain" if value > 0 else "loss")


class PnlTable(LinePane):
    """Average-cost P&L per asset: realised, unrealised, fees; totals and the TWR."""

    header_lines = 1

    def update_pnl(
        self, report: PnlReport | None, *, privacy: bool = False, note: str = ""
    ) -> None:
        lines = [
            Text(
                f"{'asset':<8}{'group':<11}{'avg cost':>10}{'realised':>9}"
                f"{'unreal.':>10}{'fees':>8}",
                style=self.style_of("header"),
            )
        ]
        if report is None:
            lines.append(Text(note or "loading…", style=self.style_of("dim")))
            self.set_lines(lines)
            return
        for a in report.assets:
            if not a.fills and a.unrealised_usd is None:
                continue  # held but never traded here: no basis, nothing to show
            line = Text(f"{a.asset[:7]:<8}{a.group[:10]:<11}")
            line.append(fmt.money(a.avg_cost_usd, privacy=privacy, width=10))
            line.append(self._pnl(a.realised_usd, privacy, 9))
            line.append(self._pnl(a.unrealised_usd, privacy, 10, partial=not a.complete))
            line.append(fmt.money(a.fees_usd, privacy=privacy, width=8))
            lines.append(line)
        if len(lines) == 1:
            lines.append(Text("no fills recorded yet", style=self.style_of("dim")))
        total = Text(f"{'total':<19}{'':>10}", style=self.style_of("group"))
        total.append(self._pnl(report.realised_usd, privacy, 9))
        total.append(self._pnl(report.unrealised_usd, privacy, 10))
        total.append(fmt.money(report.fees_usd, privacy=privacy, width=8))
        lines.append(total)
        twr = fmt.signed_pct(report.twr, digits=2)
        flows = sum(p.flow_usd for p in report.equity)
        lines.append(
            Text(
                f"TWR {twr} · {len(report.equity)} recorded day(s) · "
                f"flows {fmt.money(flows, privacy=privacy)}",
                style=self.style_of("dim"),
            )
        )
        self.set_lines(lines)

    def _pnl(
        self, value: float | None, privacy: bool, width: int, *, partial: bool = False
    ) -> Text:
        text = fmt.pnl(value, privacy=privacy, width=width, partial=partial)
        if value is None or privacy or abs(value) < 0.005:
            return Text(text, style=self.style_of("dim"))
        return Text(text, style=self.style_of("gain" if value > 0 else "loss"))


SPARKS = "▁▂▃▄▅▆▇█"


class BacktestPanel(LinePane):
    """Today's weights from the first day, rebalanced monthly after fees, against the benchmarks
    (hold those weights, equal weight monthly, BTC alone): a sparkline of each growth curve on
    one shared scale, the total return, max drawdown, fees and orders."""

    header_lines = 1
    SPARK = 30
    """Cells of the sparkline at most; fewer when the pane is narrow."""
    FIXED = 13 + 1 + 9 + 8 + 9 + 7 + 1

    def _spark(self) -> int:
        width = self.size.width
        return self.SPARK if width <= 0 else max(6, min(self.SPARK, width - self.FIXED))

    def update_backtests(self, curves: Sequence[BacktestCurve] | None, note: str = "") -> None:
        spark_w = self._spark()
        title = "growth of the cash" if spark_w < 27 else "growth of the starting cash"
        lines = [
            Text(
                f"{'portfolio':<13}{title[:spark_w]:<{spark_w + 1}}"
                f"{'return':>9}{'max dd':>8}{'fees':>9}{'orders':>7}",
                style=self.style_of("header"),
            )
        ]
        if not curves:
            lines.append(Text(note or "loading…", style=self.style_of("dim")))
            self.set_lines(lines)
            return
        low = min(min(c.growth) for c in curves)
        high = max(max(c.growth) for c in curves)
        span = (high - low) or 1.0
        for curve in curves:
            step = max(1, len(curve.growth) // spark_w)
            points = curve.growth[::step][:spark_w]
            spark = "".join(
                SPARKS[min(len(SPARKS) - 1, int((v - low) / span * len(SPARKS)))] for v in points
            )
            style = self.style_of("accent") if curve is curves[0] else self.style_of("dim")
            line = Text(f"{curve.name[:12]:<13}")
            line.append(f"{spark:<{spark_w}} ", style=style)
            ret = curve.total_return
            line.append(fmt.signed_pct(ret, width=9), style=self._sign(ret))
            dd = curve.max_drawdown
            line.append(("—" if dd is None else f"{-dd:.1%}").rjust(8))
            line.append(f"{curve.total_fees_usd:>9,.0f}{curve.n_orders:>7}")
            lines.append(line)
        self.set_lines(lines)

    def _sign(self, value: float) -> Style:
        if round(value * 100, 1) == 0:
            return self.style_of("dim")
        return self.style_of("gain" if value > 0 else "loss")
