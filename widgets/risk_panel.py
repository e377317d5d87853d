"""RiskPanel: headline risk figures, VaR/CVaR, and a drawdown sparkline."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from core.views import RiskView
from widgets import format as fmt

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: tuple[float, ...], width: int) -> str:
    """Values resampled to ``width`` cells of block characters (higher = deeper drawdown)."""
    if not values or width <= 0:
        return ""
    step = max(1, -(-len(values) // width))
    sampled = [max(values[i : i + step]) for i in range(0, len(values), step)][-width:]
    top = max(sampled) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1)))] for v in sampled)


class RiskPanel(Static, can_focus=True):
    """Risk figures recomputed by the core off the UI loop, shown as they arrive."""

    DEFAULT_CSS = """
    RiskPanel { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.view: RiskView | None = None

    def update_view(self, view: RiskView | None) -> None:
        self.view = view
        self.update(self._render_view())

    def on_resize(self) -> None:
        if self.view is not None:
            self.update(self._render_view())

    def _render_view(self) -> RenderableType:
        view = self.view
        if view is None:
            return Text("computing risk…", style="dim")
        if view.n_observations == 0:
            return Text("not enough price history yet\n" + "\n".join(view.notes), style="dim")
        head = Table.grid(padding=(0, 1), expand=True)
        head.add_column(style="bold")
        head.add_column(justify="right")
        head.add_row("Volatility", fmt.pct(view.volatility))
        head.add_row("Sharpe", _num(view.sharpe))
        head.add_row("Sortino", _num(view.sortino))
        head.add_row("Max drawdown", fmt.pct(view.max_drawdown))
        var = Table(box=None, padding=(0, 0), show_edge=False, header_style="bold", expand=True)
        var.add_column("1-day")
        var.add_column("VaR", justify="right")
        var.add_column("CVaR", justify="right")
        var.add_row("95%", fmt.pct(view.var_95, digits=2), fmt.pct(view.cvar_95, digits=2))
        var.add_row("99%", fmt.pct(view.var_99, digits=2), fmt.pct(view.cvar_99, digits=2))
        width = max(8, (self.size.width or 30) - 2)
        spark = Text("drawdown ", style="bold")
        spark.append("▼ " + fmt.pct(view.drawdown[-1] if view.drawdown else None))
        line = Text(sparkline(view.drawdown, width), style="red")
        foot = Text(
            f"{view.n_observations}d · ×{view.annualization} · cover {fmt.pct(view.coverage, digits=0)}",
            style="dim",
        )
        parts: list[RenderableType] = [head, Text(""), var, Text(""), spark, line, foot]
        parts.extend(Text(n, style="yellow") for n in view.notes)
        return Group(*parts)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"
