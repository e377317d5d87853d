"""The Chart widget in a harness: candles, volume, modes, zoom, pan, crosshair, depth."""

from __future__ import annotations

from decimal import Decimal

from core.candles import ChartView, depth_curve
from tests.app import samples
from tests.app.harness import Harness
from widgets.chart import AXIS_W, ZOOMS, Chart, ChartMode
from widgets.chart_canvas import EIGHTHS, Canvas, Scale

SIZE = (120, 40)


def picture(chart: Chart) -> list[str]:
    canvas = chart.draw(chart.size.width, chart.size.height)
    return ["".join(row) for row in canvas.chars]


async def test_candles_volume_axis_and_time_labels() -> None:
    view = samples.chart_view(120)
    chart = Chart(id="subject")
    async with Harness(chart).run_test(size=SIZE) as pilot:
        chart.show_candles(view, title="BTC/USDT")
        await pilot.pause()
        rows = picture(chart)
        width = chart.size.width
        visible = (width - AXIS_W) // ZOOMS[chart.zoom]
        # The newest candles fill the view; the top line names the market, timeframe and last.
        assert rows[0].startswith("BTC/USDT · 1m · candles  last 57,060.70")
        body = "".join(rows[1:-1])
        assert "█" in body and "│" in body  # bodies and wicks
        assert any(ch in rows[-2] for ch in EIGHTHS[1:])  # volume bars above the time axis
        assert "12:29" in rows[-1] or "12:2" in rows[-1]  # the newest minutes are labelled
        assert "◀57,060.70" in "".join(rows)  # the last price marked on the axis
        assert chart.frames >= 1
        assert len(view.candles) > visible  # so the view is a window onto the newest


async def test_crosshair_reads_the_candle_under_it_and_pans_at_the_edge() -> None:
    view = samples.chart_view(120)
    chart = Chart(id="subject")
    async with Harness(chart).run_test(size=SIZE) as pilot:
        chart.show_candles(view, title="BTC/USDT")
        await pilot.pause()
        await pilot.press("left")
        last = view.candles[-1]
        assert chart.cursor == len(view.candles) - 1
        assert "O57,210.80" in chart.readout and "C57,060.70" in chart.readout
        await pilot.press("left", "left")
        candle = view.candles[-3]
        assert chart.cursor == len(view.candles) - 3
        assert f"{candle.ts:%m-%d %H:%M}" in chart.readout
        assert "┊" in "".join(picture(chart))  # the crosshair's vertical line
        # Walking past the left edge pans the view back instead of leaving it.
        visible = (chart.size.width - AXIS_W) // ZOOMS[chart.zoom]
        for _ in range(visible):
            await pilot.press("h")
        assert chart.pan_offset > 0
        assert chart.cursor == len(view.candles) - 3 - visible
        # 0 drops the crosshair and follows the newest candle again.
        await pilot.press("0")
        assert chart.cursor is None and chart.pan_offset == 0
        assert last.close == Decimal("57060.70")


async def test_zoom_pan_and_modes() -> None:
    view = samples.chart_view(90)
    chart = Chart(id="subject")
    async with Harness(chart).run_test(size=SIZE) as pilot:
        chart.show_candles(view, title="BTC/USDT")
        await pilot.pause()
        zoom = chart.zoom
        await pilot.press("plus")
        assert chart.zoom == zoom + 1
        await pilot.press("minus", "minus", "minus", "minus", "minus", "minus")
        assert chart.zoom == 0  # clamped at the widest view
        width = chart.size.width - AXIS_W
        assert len(view.candles) < width  # one column a candle: everything fits, no pan
        await pilot.press("H")
        assert chart.pan_offset == 0
        await pilot.press("plus", "plus", "plus")  # 4 columns a candle: 27 in view
        await pilot.press("H")
        assert chart.pan_offset == (width // ZOOMS[chart.zoom]) // 4
        await pilot.press("L")
        assert chart.pan_offset == 0
        seen = []
        for _ in range(4):
            await pilot.press("m")
            seen.append(chart.mode)
            body = "".join(picture(chart)[1:-1])
            if chart.mode is ChartMode.LINE:
                assert any(0x2800 < ord(ch) <= 0x28FF for ch in body)  # braille line
        assert seen == [ChartMode.LINE, ChartMode.AREA, ChartMode.BARS, ChartMode.CANDLES]


async def test_a_close_only_view_draws_a_line_and_an_empty_one_says_so() -> None:
    view = samples.chart_view(30)
    closes = ChartView.model_validate(
        {**view.model_dump(), "timeframe": "1d", "close_only": True, "source": "closes"}
    )
    chart = Chart(id="subject")
    async with Harness(chart).run_test(size=SIZE) as pilot:
        chart.show_candles(closes, title="BTC/USDT")
        await pilot.pause()
        assert chart.mode is ChartMode.LINE
        chart.show_candles(view.model_copy(update={"candles": ()}), title="ETH/USDT")
        picture(chart)
        assert "no prints yet" in chart.readout


async def test_depth_chart_bids_left_asks_right_and_its_crosshair() -> None:
    bids, asks = depth_curve(samples.book())
    chart = Chart(id="subject", depth=True)
    async with Harness(chart).run_test(size=SIZE) as pilot:
        chart.show_depth(bids, asks, title="cum size")
        await pilot.pause()
        canvas = chart.draw(chart.size.width, chart.size.height)
        plot = chart.size.width - AXIS_W
        bottom = chart.size.height - 2
        assert canvas.styles[bottom][0] == "gain" and canvas.chars[bottom][0] == "█"
        assert canvas.styles[bottom][plot - 1] == "loss"
        # The deepest level on each side is the tallest column on that side.
        heights = [
            sum(1 for y in range(1, bottom + 1) if canvas.chars[y][x] != " ") for x in range(plot)
        ]
        assert heights[0] == max(heights[: plot // 2])
        assert heights[plot - 1] == max(heights[plot // 2 :])
        assert "mid 60,000.00" in chart.readout
        await pilot.press("left")
        assert chart.cursor is not None and "cum" in chart.readout
        await pilot.press("H", "H", "H", "H")
        assert "bids ≥" in chart.readout


def test_canvas_primitives() -> None:
    canvas = Canvas(4, 4)
    scale = Scale(0.0, 1.0, 4)
    canvas.column_bar(0, 0, 4, 0.5, "gain")
    assert [canvas.chars[y][0] for y in range(4)] == [" ", " ", "█", "█"]
    canvas.column_bar(1, 0, 4, 1 / 32, "gain")
    assert canvas.chars[3][1] == "▁"
    canvas.candle(2, 1, 0, scale, (0.25, 1.0, 0.0, 0.75), "gain")
    column = [canvas.chars[y][2] for y in range(4)]
    assert column[0] in "│╵╷" and column[1] == "█" and column[3] in "│╵╷"
    canvas.line(0, scale, [(0, 0.0), (3.5, 1.0)], "accent")
    assert any(0x2800 < ord(c) <= 0x28FF for row in canvas.chars for c in row)
    assert canvas.runs(2)[0] == ("█", "gain")
