"""The risk pane's forecast section: tomorrow's VaR/ES, the backtest badge and a mini chart.

Pure layout over a :class:`~core.risk.forecast.views.ForecastView` (computed in the core):
``forecast_plot`` turns it into the chart widget's :class:`~widgets.chart_series.SeriesPlot`
(forecast VaR lines over realised-loss bars, exceedances marked), which the full chart screen
draws with the :class:`~widgets.chart.Chart` widget and the pane draws small on a canvas.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text

from core.risk.forecast.views import BacktestSummary, ForecastView
from widgets import format as fmt
from widgets.chart_canvas import Canvas
from widgets.chart_series import LineSeries, SeriesPlot, draw_series

ZONE_CLASS = {"green": "gain", "yellow": "stale", "red": "loss"}
ZONE_MARK = {"green": "●", "yellow": "▲", "red": "✖"}
CANVAS_TO_PANE = {
    "title": "header",
    "accent": "accent",
    "warn": "stale",
    "loss": "loss",
    "dim": "dim",
    "axis": "dim",
}
MINI_ROWS = 7


def forecast_plot(view: ForecastView) -> SeriesPlot:
    """Forecast 95/99 % VaR against realised losses; days whose loss beat the 99 % VaR marked."""
    days = view.days
    return SeriesPlot(
        labels=tuple(d.day.isoformat() for d in days),
        lines=(
            LineSeries("VaR 99", tuple(d.var_99 for d in days), "title"),
            LineSeries("VaR 95", tuple(d.var_95 for d in days), "warn"),
        ),
        bars=LineSeries("loss", tuple(d.loss for d in days), "dim"),
        marks=tuple(i for i, d in enumerate(days) if d.loss > d.var_99),
        mark_label="> VaR 99",
    )


def badge(bt: BacktestSummary) -> str:
    """E.g. ``99 % VaR: 2.7 % exceed, Kupiec p 0.41, green``."""
    return (
        f"{bt.level * 100:g} % VaR: {bt.exceedance_rate * 100:.1f} % exceed, "
        f"Kupiec p {bt.kupiec_p:.2f}, {bt.zone}"
    )


def forecast_lines(
    view: ForecastView | None, width: int, style_of: Callable[[str], Style]
) -> list[Text]:
    """The section's lines, each at most ``width`` cells."""
    bold = Style(bold=True)
    if view is None:
        return []
    lines = [Text(""), Text(f"Forecast · {view.model}"[:width], style=bold)]
    if view.note is not None or not view.forecast:
        lines.append(Text((view.note or "no forecast")[:width], style=style_of("dim")))
        return lines
    lines.append(Text(f"{'next':<6}{'VaR':>7}{'ES':>8}", style=style_of("header")))
    for key, tail in view.forecast.items():
        var, es = fmt.pct(tail.var, digits=2), fmt.pct(tail.es, digits=2)
        lines.append(Text(f"{key + '%':<6}{var:>7}{es:>8}"))
    for key in ("99", "95"):
        bt = view.backtests.get(key)
        if bt is None:
            continue
        zone = style_of(ZONE_CLASS[bt.zone])
        head = f"{key}% {bt.exceedance_rate * 100:.1f}% exceed"
        tail_text = f"Kupiec p {bt.kupiec_p:.2f}"
        mark = f"{ZONE_MARK[bt.zone]} {bt.zone}"
        if len(head) + len(tail_text) + len(mark) + 2 <= width:
            line = Text(f"{head} {tail_text} ")
            line.append(mark, style=zone)
            lines.append(line)
        else:
            lines.append(Text(head[:width]))
            line = Text(f" {tail_text} "[:width])
            line.append(mark[: max(0, width - len(line))], style=zone)
            lines.append(line)
    lines += mini_chart(view, width, style_of)
    return lines


def mini_chart(view: ForecastView, width: int, style_of: Callable[[str], Style]) -> list[Text]:
    """The forecast chart drawn small (no value axis) into text lines."""
    if not view.days or width < 8:
        return []
    canvas = Canvas(width, MINI_ROWS)
    readout = draw_series(canvas, forecast_plot(view), "", 0)
    del readout  # the pane's own heading says what the chart is
    out = []
    for y in range(1, MINI_ROWS):  # row 0 is the legend, too wide for the pane
        line = Text()
        for text, name in canvas.runs(y):
            line.append(text, style=style_of(CANVAS_TO_PANE.get(name, "dim")) if name else "")
        out.append(line)
    exceed = sum(1 for d in view.days if d.loss > d.var_99)
    caption = f"VaR99 vs loss {len(view.days)}d ✖{exceed}"
    out.append(Text(caption[:width], style=style_of("dim")))
    return out
