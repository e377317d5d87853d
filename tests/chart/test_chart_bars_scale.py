"""Bars mode: the axis reads the scale the bars are drawn on."""

from __future__ import annotations

import re

from tests.app import samples
from tests.app.harness import Harness
from widgets.chart import AXIS_W, Chart, ChartMode


async def test_bars_axis_starts_at_zero_like_the_bars() -> None:
    """The bars rise from zero; the axis said the close range (56,7xx to 57,8xx), so every
    bar seemed to reach far above its own price."""
    view = samples.chart_view(120)
    chart = Chart(id="subject")
    async with Harness(chart).run_test(size=(120, 40)) as pilot:
        chart.mode = ChartMode.BARS
        chart.show_candles(view, title="BTC/USDT")
        await pilot.pause()
        canvas = chart.draw(chart.size.width, chart.size.height)
        axis = ["".join(row[-AXIS_W:]) for row in canvas.chars[1:-1]]
        labels = [float(m.replace(",", "")) for m in re.findall(r"[\d,]+\.\d+", " ".join(axis))]
        lowest_close = min(float(c.close) for c in view.candles)
        assert labels and min(labels) < lowest_close / 2  # the axis goes down towards zero
