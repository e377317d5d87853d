"""RiskPanel: headline figures, VaR/CVaR, drawdown sparkline, correlations, stress, limits."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.views import RiskView
from widgets import format as fmt

SPARK = "▁▂▃▄▅▆▇█"
HEAT = " ░▒▓█"
GAUGE_STYLE = {"ok": "green", "warn": "yellow", "breach": "bold red", "unknown": "dim"}


def sparkline(values: tuple[float, ...], width: int) -> str:
    """Values resampled to ``width`` cells of block characters (higher = deeper drawdown)."""
    if not values or width <= 0:
        return ""
    step = max(1, -(-len(values) // width))
    sampled = [max(values[i : i + step]) for i in range(0, len(values), step)][-width:]
    top = max(sampled) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1)))] for v in sampled)


class RiskPanel(VerticalScroll, can_focus=True):
    """Risk figures recomputed by the core off the UI loop, shown as they arrive."""

    DEFAULT_CSS = """
    RiskPanel { padding: 0 1; scrollbar-size-vertical: 1; }
    RiskPanel > Static { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: RiskView | None = None
        self._body = Static("computing risk…")

    def compose(self) -> ComposeResult:
        yield self._body

    def update_view(self, view: RiskView | None) -> None:
        self.view = view
        self._body.update(self.render_view())

    def on_resize(self) -> None:
        if self.view is not None:
            self._body.update(self.render_view())

    def render_view(self) -> RenderableType:
        view = self.view
        if view is None:
            return Text("computing risk…", style="dim")
        r = view.report
        if r.n_observations == 0:
            notes = "\n".join(r.coverage.excluded)
            return Text(f"not enough price history yet\n{notes}", style="dim")
        head = Table.grid(padding=(0, 1), expand=True)
        head.add_column(style="bold")
        head.add_column(justify="right")
        head.add_row("Volatility", fmt.pct(r.volatility))
        head.add_row("CAGR", fmt.signed_pct(r.cagr))
        head.add_row("Sharpe", _num(r.sharpe))
        head.add_row("Sortino", _num(r.sortino))
        head.add_row("Calmar", _num(r.calmar))
        head.add_row("Max drawdown", fmt.pct(r.max_drawdown))
        head.add_row("Beta to BTC", _num(r.beta_btc))
        head.add_row("Eff. assets", _num(r.effective_assets, sign=False))
        var = Table(box=None, padding=(0, 0), show_edge=False, header_style="bold", expand=True)
        var.add_column("1d")
        var.add_column("VaR", justify="right")
        var.add_column("CVaR", justify="right")
        for level in ("95", "99"):
            var.add_row(
                f"{level}%",
                fmt.pct(r.var["historical"].get(level), digits=2),
                fmt.pct(r.cvar["historical"].get(level), digits=2),
            )
        var.add_row("G 99%", fmt.pct(r.var["gaussian"].get("99"), digits=2), "")
        flag = "" if r.tail_moments.cornish_fisher_valid else "?"
        var.add_row(f"CF 99%{flag}", fmt.pct(r.var["cornish_fisher"].get("99"), digits=2), "")
        width = max(8, (self.size.width or 30) - 3)
        dd = Text("Drawdown now ", style="bold")
        dd.append("▼ " + fmt.pct(r.drawdown.current))
        spark = Text(sparkline(r.drawdown.series, width), style="red")
        parts: list[RenderableType] = [head, Text(""), var, Text(""), dd, spark]
        parts.append(self._heatmap(view, width))
        parts.append(self._stress(view))
        parts.append(self._limits(view))
        parts.append(
            Text(
                f"{r.n_observations} obs · ×{r.annualization} · cover "
                f"{fmt.pct(r.coverage.covered_weight, digits=0)}",
                style="dim",
            )
        )
        return Group(*parts)

    def _heatmap(self, view: RiskView, width: int) -> RenderableType:
        corr = view.report.correlation
        n = min(len(corr.symbols), 8, max(1, (width - 6) // 2))
        text = Text("\nCorrelation (top holdings)\n", style="bold")
        for i in range(n):
            text.append(f"{corr.symbols[i][:5]:<6}")
            for j in range(n):
                value = corr.matrix[i][j]
                cell = "··" if value is None else HEAT[min(4, max(0, int(abs(value) * 4.999)))] * 2
                text.append(cell, style="cyan" if value is not None and value >= 0 else "magenta")
            text.append("\n")
        return text

    def _stress(self, view: RiskView) -> RenderableType:
        table = Table(title="Stress", title_style="bold", box=None, padding=(0, 0), expand=True)
        table.add_column("scenario")
        table.add_column("P&L", justify="right")
        for result in view.report.stress:
            ret = result.portfolio_return
            style = "green" if (ret or 0) > 0 else "red" if (ret or 0) < 0 else "dim"
            table.add_row(result.name[:18], Text(fmt.signed_pct(ret), style=style))
        return table

    def _limits(self, view: RiskView) -> RenderableType:
        table = Table(title="Limits", title_style="bold", box=None, padding=(0, 0), expand=True)
        table.add_column("limit")
        table.add_column("use", justify="right")
        for gauge in view.limits.gauges:
            use = gauge.utilization
            mark = "✖" if gauge.status == "breach" else "!" if gauge.status == "warn" else "✓"
            table.add_row(
                gauge.label[:18],
                Text(f"{mark} {fmt.pct(use, digits=0)}", style=GAUGE_STYLE.get(gauge.status, "")),
            )
        return table


def _num(value: float | None, *, sign: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}" if sign else f"{value:.2f}"
