"""Line series with markers for the chart widget: values over time, not prices.

A :class:`SeriesPlot` is an immutable picture description: one column per point (the newest
``width`` points when there are more), lines drawn in braille dots, an optional series drawn
as bars rising from zero (its negative values stay empty) and markers on chosen points (e.g.
the days a loss exceeded its VaR forecast). :func:`draw_series` puts it on a
:class:`~widgets.chart_canvas.Canvas`; the chart widget and the risk pane's mini chart both
use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from widgets import format as fmt
from widgets.chart_canvas import Canvas, Scale


@dataclass(frozen=True, slots=True)
class LineSeries:
    """One named series; ``style`` is a canvas style name (``accent``, ``warn``, ``dim``...)."""

    label: str
    values: tuple[float, ...]
    style: str


@dataclass(frozen=True, slots=True)
class SeriesPlot:
    """Series sharing an x axis of ``labels`` (one per point, oldest first)."""

    labels: tuple[str, ...]
    lines: tuple[LineSeries, ...] = ()
    bars: LineSeries | None = None
    marks: tuple[int, ...] = ()
    """Indices of marked points, drawn on the bars' value (or the first line's)."""
    mark_label: str = "marked"
    mark_char: str = "✖"
    mark_style: str = "loss"


def draw_series(canvas: Canvas, plot: SeriesPlot, title: str, axis_width: int) -> str:
    """Draw ``plot`` below a title row, the value axis (percent) in the right
    ``axis_width`` columns; returns the readout (title and counts) for the title row."""
    width, height = canvas.width, canvas.height
    plot_w = max(1, width - axis_width)
    n = len(plot.labels)
    start = max(0, n - plot_w)
    shown = n - start
    if shown == 0:
        return f"{title}  no data yet"
    everything = [*plot.lines, *((plot.bars,) if plot.bars is not None else ())]
    high = max((max(s.values[start:], default=0.0) for s in everything), default=0.0)
    rows = max(1, height - 2)
    top = 1
    scale = Scale(0.0, (high or 1.0) * 1.05, rows)
    if plot.bars is not None:
        for x, value in enumerate(plot.bars.values[start:]):
            if value > 0:
                canvas.column_bar(x, top, rows, value / scale.high, plot.bars.style)
    for series in plot.lines:
        points = [(x + 0.5, v) for x, v in enumerate(series.values[start:])]
        canvas.line(top, scale, points, series.style)
    anchor = plot.bars or (plot.lines[0] if plot.lines else None)
    marked = [i for i in plot.marks if i >= start]
    if anchor is not None:
        for i in marked:
            row = top + rows - 1 - scale.units(anchor.values[i], 1)
            canvas.put(i - start, row, plot.mark_char, plot.mark_style)
    x_axis = width - axis_width + 1
    for row in range(0, rows, max(2, rows // 5)):
        canvas.text(x_axis, top + row, fmt.pct(scale.value_at_row(row), digits=1), "axis")
    every = 12
    for x in range(0, shown - 4, every):
        canvas.text(x, height - 1, plot.labels[start + x][-5:], "axis")
    legend = [(s.label, s.style) for s in everything] + [
        (f"{plot.mark_char} {plot.mark_label} {len(marked)}", plot.mark_style)
    ]
    readout = f"{title}  {shown}d"
    x = len(readout) + 2
    for label, style in legend:
        if x + len(label) >= width:
            break
        canvas.text(x, 0, label, style)
        x += len(label) + 2
    return readout
