"""The chart widget's line-series mode: lines, loss bars and markers on a pure canvas, and the
widget drawing them in a harness app."""

from __future__ import annotations

from tests.app.harness import Harness
from widgets.chart import AXIS_W, Chart
from widgets.chart_canvas import BRAILLE_BASE, Canvas
from widgets.chart_series import LineSeries, SeriesPlot, draw_series


def plot(n: int) -> SeriesPlot:
    loss = tuple(0.05 if i % 10 == 9 else (0.01 if i % 2 else -0.01) for i in range(n))
    var = tuple(0.03 for _ in range(n))
    return SeriesPlot(
        labels=tuple(f"2024-01-{1 + i % 28:02d}" for i in range(n)),
        lines=(LineSeries("VaR 99", var, "title"),),
        bars=LineSeries("loss", loss, "dim"),
        marks=tuple(i for i in range(n) if loss[i] > var[i]),
    )


def test_series_marks_the_exceedances_and_leaves_gains_empty() -> None:
    canvas = Canvas(40 + AXIS_W, 12)
    readout = draw_series(canvas, plot(40), "ewma", AXIS_W)
    assert readout == "ewma  40d"
    marks = [(x, y) for y in range(1, 11) for x in range(40) if canvas.chars[y][x] == "✖"]
    assert [x for x, _ in marks] == [9, 19, 29, 39]
    assert all(canvas.styles[y][x] == "loss" for x, y in marks)
    # a gain (negative loss) draws no bar: its column holds only the VaR line's braille
    column = [canvas.chars[y][0] for y in range(1, 11)]
    assert all(c == " " or ord(c) >= BRAILLE_BASE for c in column)
    assert any(ord(c) >= BRAILLE_BASE for row in canvas.chars for c in row)
    legend = "".join(canvas.chars[0])
    assert "VaR 99" in legend and "loss" in legend and "✖ marked 4" in legend


def test_only_the_newest_points_that_fit_are_drawn() -> None:
    canvas = Canvas(20 + AXIS_W, 10)
    draw_series(canvas, plot(95), "t", AXIS_W)
    marks = [x for y in range(1, 9) for x in range(20) if canvas.chars[y][x] == "✖"]
    assert marks == [4, 14]  # days 79 and 89 of the last 20 (75 .. 94)


async def test_the_widget_draws_series_instead_of_candles() -> None:
    chart = Chart(id="series")
    async with Harness(chart).run_test(size=(80, 20)) as pilot:
        chart.show_series(plot(30), title="garch-t")
        await pilot.pause()
        assert chart.frames >= 1 and chart.readout == "garch-t  30d"
        assert chart.series is not None
        picture = chart.draw(80, 20)
        assert sum(row[:-AXIS_W].count("✖") for row in picture.chars[1:]) == 3
