"""RiskPanel: headline figures, VaR/CVaR, drawdown sparkline, correlations, stress, limits.

Drawn with the Line API like the other panes: a new report (every few seconds at most) is laid
out into lines once; redraws, focus changes and key presses then cost a cache lookup per row,
never a Rich table layout on the UI loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from core.risk.forecast.views import ForecastView
from core.risk.models import AssetHistory
from core.views import RiskView
from widgets import format as fmt
from widgets.forecast_lines import forecast_lines
from widgets.line_pane import LinePane

SPARK = "▁▂▃▄▅▆▇█"
HEAT = " ░▒▓█"
GAUGE_CLASS = {"ok": "gain", "warn": "stale", "breach": "loss", "unknown": "dim"}
GAUGE_MARK = {"ok": "✓", "warn": "!", "breach": "✖", "unknown": "?"}


def sparkline(values: tuple[float, ...], width: int) -> str:
    """Values resampled to ``width`` cells of block characters (higher = deeper drawdown)."""
    if not values or width <= 0:
        return ""
    step = max(1, -(-len(values) // width))
    sampled = [max(values[i : i + step]) for i in range(0, len(values), step)][-width:]
    top = max(sampled) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1)))] for v in sampled)


class RiskPanel(LinePane):
    """Risk figures recomputed by the core off the UI loop, shown as they arrive."""

    show_cursor = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "open_forecast", "Forecast chart", id="risk.forecast"),
    ]

    class OpenForecast(Message):
        """``f``: show the forecast VaR chart full size (the screen decides how)."""

        def __init__(self, view: ForecastView) -> None:
            super().__init__()
            self.view = view

    def action_open_forecast(self) -> None:
        if self.view is not None and self.view.forecast is not None:
            self.post_message(self.OpenForecast(self.view.forecast))

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: RiskView | None = None
        self._built_width = -1
        self.stale_prices = 0
        """Holdings whose price is stale or missing: the weights rest on them."""

    def set_stale_prices(self, count: int) -> None:
        """Flag (on the first line) how many holding prices behind the weights are stale."""
        if count != self.stale_prices:
            self.stale_prices = count
            self._rebuild()

    def update_view(self, view: RiskView | None) -> None:
        self.view = view
        self._rebuild()

    @property
    def content_width(self) -> int:
        return max(16, self.scrollable_content_region.width or 30)

    def _rebuild(self) -> None:
        self._built_width = self.content_width
        self.set_lines(self.build_lines(self._built_width))

    def render_line(self, y: int) -> Strip:
        # The layout fits the width (right-aligned figures, sparkline, heatmap size), and the
        # width changes without a resize event when the scrollbar appears: re-lay out here.
        if self.content_width != self._built_width and self.view is not None:
            self._built_width = self.content_width
            self._texts = self.build_lines(self._built_width)
            self._strips = {}
        return super().render_line(y)

    # --------------------------------------------------------------- layout

    def build_lines(self, width: int) -> list[Text]:
        """The whole pane as lines ``width`` cells wide."""
        view = self.view
        dim = self.style_of("dim")
        if view is None:
            return [Text("computing risk…", style=dim)]
        r = view.report
        if r.n_observations == 0:
            return [
                Text("not enough price history yet", style=dim),
                *(Text(line[:width], style=dim) for line in history_lines(r.coverage.history)),
                *(Text(note, style=dim) for note in r.coverage.excluded),
            ]
        bold = Style(bold=True)
        lines = []
        if self.stale_prices:
            warning = f"! {self.stale_prices} stale price(s) in the weights"
            lines.append(Text(warning[:width], style=self.style_of("stale")))
        lines += [
            self._pair("Volatility", fmt.pct(r.volatility), width),
            self._pair("CAGR", fmt.signed_pct(r.cagr), width),
            self._pair("Sharpe", _num(r.sharpe), width),
            self._pair("Sortino", _num(r.sortino), width),
            self._pair("Calmar", _num(r.calmar), width),
            self._pair("Max drawdown", fmt.pct(r.max_drawdown), width),
            self._pair("Beta to BTC", _num(r.beta_btc), width),
            self._pair("Eff. assets", _num(r.effective_assets, sign=False), width),
            Text(""),
            Text(f"{'1d':<6}{'VaR':>7}{'CVaR':>8}", style=self.style_of("header")),
        ]
        for level in ("95", "99"):
            var = fmt.pct(r.var["historical"].get(level), digits=2)
            cvar = fmt.pct(r.cvar["historical"].get(level), digits=2)
            lines.append(Text(f"{level + '%':<6}{var:>7}{cvar:>8}"))
        lines.append(Text(f"{'G 99%':<6}{fmt.pct(r.var['gaussian'].get('99'), digits=2):>7}"))
        flag = "" if r.tail_moments.cornish_fisher_valid else "?"
        cf = fmt.pct(r.var["cornish_fisher"].get("99"), digits=2)
        lines.append(Text(f"{'CF 99%' + flag:<6}{cf:>7}"))
        lines.extend(forecast_lines(view.forecast, width, self.style_of))
        lines.append(Text(""))
        drawdown = Text("Drawdown now ", style=bold)
        drawdown.append("▼ " + fmt.pct(r.drawdown.current))
        lines.append(drawdown)
        lines.append(Text(sparkline(r.drawdown.series, width), style=self.style_of("loss")))
        lines.extend(self._heatmap(view, width))
        lines.extend(self._stress(view, width))
        lines.extend(self._limits(view, width))
        lines.append(Text(""))
        lines.append(
            Text(
                f"{r.n_observations} obs · ×{r.annualization} · cover "
                f"{fmt.pct(r.coverage.covered_weight, digits=0)}",
                style=dim,
            )
        )
        lines += [Text(line[:width], style=dim) for line in history_lines(r.coverage.history)]
        return lines

    def _pair(self, label: str, value: str, width: int, style: Style | None = None) -> Text:
        text = Text(label, style=Style(bold=True))
        text.append(value.rjust(max(1, width - len(label))), style=style or "")
        return text

    def _heatmap(self, view: RiskView, width: int) -> list[Text]:
        corr = view.report.correlation
        n = min(len(corr.symbols), 8, max(1, (width - 6) // 2))
        lines = [Text(""), Text("Correlation (top)"[:width], style=Style(bold=True))]
        positive, negative = self.style_of("accent"), self.style_of("loss")
        for i in range(n):
            line = Text(f"{corr.symbols[i][:5]:<6}")
            for j in range(n):
                value = corr.matrix[i][j]
                cell = "··" if value is None else HEAT[min(4, max(0, int(abs(value) * 4.999)))] * 2
                line.append(cell, style=positive if value is not None and value >= 0 else negative)
            lines.append(line)
        return lines

    def _stress(self, view: RiskView, width: int) -> list[Text]:
        lines = [Text(""), Text("Stress", style=Style(bold=True))]
        for result in view.report.stress:
            ret = result.portfolio_return
            name = "gain" if (ret or 0) > 0 else "loss" if (ret or 0) < 0 else "dim"
            label = result.name[: max(1, width - 9)]
            lines.append(self._pair(label, fmt.signed_pct(ret), width, self.style_of(name)))
        return lines

    def _limits(self, view: RiskView, width: int) -> list[Text]:
        lines = [Text(""), Text("Limits", style=Style(bold=True))]
        for gauge in view.limits.gauges:
            mark = GAUGE_MARK.get(gauge.status, "?")
            value = f"{mark} {fmt.pct(gauge.utilization, digits=0)}"
            style = self.style_of(GAUGE_CLASS.get(gauge.status, "dim"))
            label = gauge.label[: max(1, width - 8)]
            lines.append(self._pair(label, value, width, style))
        return lines


def history_lines(history: Sequence[AssetHistory], shown: int = 3) -> list[str]:
    """How much stored history the held assets have: a count and span, then the shortest
    histories (what limits the figures), e.g. ``history 122/228`` (held assets with closes),
    ``2019-04-03→2025-08-31``, ``short: PEPE 40d``; each fits the pane's 21 columns."""
    if not history:
        return []
    have = [h for h in history if h.days]
    lines = [f"history {len(have)}/{len(history)}"]
    firsts = [h.first for h in have if h.first]
    lasts = [h.last for h in have if h.last]
    if firsts and lasts:
        lines.append(f"{min(firsts):%Y-%m-%d}→{max(lasts):%Y-%m-%d}")
    short = sorted(have, key=lambda h: (h.days, h.symbol))[:shown]
    if short:
        lines.append("short: " + ", ".join(f"{h.symbol} {h.days}d" for h in short))
    return lines


def _num(value: float | None, *, sign: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f}" if sign else f"{value:.2f}"
