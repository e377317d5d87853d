"""Benchmark: frame time of a candle chart at 120x40, our Line-API Chart against textual-plotext.

    .venv/bin/python bench/chart.py [--frames 200] [--candles 300] [--size 120x40]

Both widgets run in the same headless Textual app at the given size, with the same candles
(random-walk 1-minute prints aggregated by ``core.candles``). A *frame* is what a new tick
costs on screen: hand the widget the candles with the newest one changed, then render every
row of it (``Widget.render_lines`` over the whole widget, what the compositor asks for).
Each candidate is warmed with 20 frames first; the median, p90 and max of the rest are
printed in milliseconds. textual-plotext draws candles with volume as its own two subplots
would need a second widget, so it draws candles only (the cheaper case for it), and only the
candles our chart shows at its default zoom (54 at 120 columns).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widget import Widget

from core.candles import Candle, ChartView, Timeframe, aggregate
from widgets.chart import AXIS_W, ZOOMS, Chart

WARM = 20


def make_candles(count: int, seed: int = 7) -> list[Candle]:
    rnd = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    price = 42_000.0
    prints = []
    for second in range(0, count * 60, 5):
        price *= 1 + rnd.gauss(0, 0.0006)
        qty = Decimal(f"{rnd.expovariate(4):.4f}")
        prints.append((start + timedelta(seconds=second), Decimal(f"{price:.2f}"), qty))
    return list(aggregate(prints, Timeframe.M1))


def nudge(candles: list[Candle], frame: int) -> list[Candle]:
    """The same candles with the newest one moved by a print, as a live tick does."""
    last = candles[-1]
    price = last.close * (1 + Decimal((frame % 7) - 3) / 10_000)
    return [*candles[:-1], last.add(price, Decimal("0.01"))]


class Harness(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def ours(widget: Chart) -> Callable[[list[Candle]], None]:
    def update(candles: list[Candle]) -> None:
        view = ChartView(
            venue="bench",
            symbol="BTC/USDT",
            timeframe=Timeframe.M1,
            candles=tuple(candles),
            until=candles[0].ts,
        )
        widget.show_candles(view, title="BTC/USDT@bench")

    return update


def plotext(widget: Widget, visible: int) -> Callable[[list[Candle]], None]:
    def update(candles: list[Candle]) -> None:
        candles = candles[-visible:]  # only what our chart shows: the fair comparison
        plt = widget.plt  # type: ignore[attr-defined]
        plt.clear_data()
        plt.date_form("H:M")
        dates = [c.ts.strftime("%H:%M") for c in candles]
        data = {
            "Open": [float(c.open) for c in candles],
            "High": [float(c.high) for c in candles],
            "Low": [float(c.low) for c in candles],
            "Close": [float(c.close) for c in candles],
        }
        plt.candlestick(dates, data)
        widget.refresh()

    return update


async def measure(
    name: str, widget: Widget, update: Callable[[list[Candle]], None], args: argparse.Namespace
) -> list[float]:
    width, height = args.size
    app = Harness(widget)
    candles = make_candles(args.candles)
    times: list[float] = []
    async with app.run_test(size=(width, height)) as pilot:
        await pilot.pause()
        region = Region(0, 0, widget.size.width, widget.size.height)
        for frame in range(WARM + args.frames):
            candles = nudge(candles, frame)
            started = time.perf_counter()
            update(candles)
            widget._styles_cache.clear()  # what a repaint does: no cached rows
            strips = widget.render_lines(region)
            elapsed = time.perf_counter() - started
            assert len(strips) == region.height
            if frame >= WARM:
                times.append(elapsed * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p90 = times[int(len(times) * 0.9)]
    print(
        f"{name:16} median {statistics.median(times):7.2f} ms   p90 {p90:7.2f} ms"
        f"   max {times[-1]:7.2f} ms   ({len(times)} frames)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--candles", type=int, default=300)
    parser.add_argument(
        "--size", type=lambda s: tuple(int(v) for v in s.split("x")), default=(120, 40)
    )
    args = parser.parse_args()
    print(f"candle chart, {args.candles} 1m candles, {args.size[0]}x{args.size[1]}:")
    chart = Chart()
    report("cockpit Chart", await measure("ours", chart, ours(chart), args))
    try:
        from textual_plotext import PlotextPlot
    except ImportError:
        print("textual-plotext      not installed (pip install textual-plotext)")
        return
    plot = PlotextPlot()
    visible = (args.size[0] - AXIS_W) // ZOOMS[chart.zoom]
    report("textual-plotext", await measure("plotext", plot, plotext(plot, visible), args))


if __name__ == "__main__":
    asyncio.run(main())
