"""Chart: one Line-API chart widget for candles with volume, line, area and bar series, and
cumulative depth.

It renders the frozen snapshot it was handed last (a :class:`~core.candles.ChartView` or a
book's depth curves) and keeps only view state of its own: zoom, pan, crosshair and mode. The
picture is drawn on a :class:`~widgets.chart_canvas.Canvas` once per change and served row by
row from ``render_line``; a frame at 120x40 costs a few milliseconds (``bench/chart.py``
measures it against textual-plotext, which took several times longer).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from core.candles import Candle, ChartView, DepthPoint
from widgets import format as fmt
from widgets.chart_canvas import Canvas, Scale
from widgets.chart_series import SeriesPlot, draw_series

AXIS_W = 11
"""Columns of the price axis on the right (a space and up to ten characters)."""
ZOOMS = (1, 2, 3, 4, 6, 8)
"""Columns per candle, from the widest view to the closest."""
DEPTH_ZOOMS = (1.0, 0.75, 0.5, 0.3, 0.15)
"""Fraction of the book's levels shown per side."""


class ChartMode(StrEnum):
    CANDLES = "candles"
    LINE = "line"
    AREA = "area"
    BARS = "bars"


class Chart(Widget, can_focus=True):
    """A price chart (candles, line, area, bars; volume under candles) or a depth chart."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "cursor(-1)", "Crosshair left", show=False, id="chart.left"),
        Binding("right,l", "cursor(1)", "Crosshair right", show=False, id="chart.right"),
        Binding("shift+left,H", "pan(-1)", "Pan back", id="chart.pan_back"),
        Binding("shift+right,L", "pan(1)", "Pan on", show=False, id="chart.pan_on"),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", id="chart.zoom_in"),
        Binding("minus", "zoom(-1)", "Zoom out", show=False, id="chart.zoom_out"),
        Binding("m", "cycle_mode", "Mode", id="chart.mode"),
        Binding("0,end", "follow", "Follow live", show=False, id="chart.follow"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "chart--gain",
        "chart--loss",
        "chart--dim",
        "chart--axis",
        "chart--title",
        "chart--cursor",
        "chart--accent",
        "chart--warn",
    }

    DEFAULT_CSS = """
    Chart { height: 1fr; width: 1fr; }
    Chart > .chart--gain { color: $success; }
    Chart > .chart--loss { color: $error; }
    Chart > .chart--dim { color: $text-muted; }
    Chart > .chart--axis { color: $text-muted; }
    Chart > .chart--title { color: $text; text-style: bold; }
    Chart > .chart--cursor { color: $text; background: $primary 30%; }
    Chart > .chart--accent { color: $accent; text-style: bold; }
    Chart > .chart--warn { color: $warning; }
    """

    class ModeChanged(Message):
        """The user switched the series mode (the screen may remember it)."""

        def __init__(self, mode: ChartMode) -> None:
            super().__init__()
            self.mode = mode

    def __init__(self, *, depth: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.depth = depth
        """Draw cumulative depth (``show_depth``) instead of candles (``show_candles``)."""
        self.view: ChartView | None = None
        self.bids: tuple[DepthPoint, ...] = ()
        self.asks: tuple[DepthPoint, ...] = ()
        self.chart_title = ""
        self.series: SeriesPlot | None = None
        """Line series drawn instead of candles (``show_series``); None for candles."""
        self.mode = ChartMode.CANDLES
        self.zoom = 1
        """Index into :data:`ZOOMS` (or :data:`DEPTH_ZOOMS` for depth)."""
        self.pan_offset = 0
        """Candles hidden right of the view; 0 follows the newest."""
        self.cursor: int | None = None
        """The crosshair: a candle index (or a column for depth); None hides it."""
        self.readout = ""
        """The crosshair's text (OHLCV under the cursor), or the title without one."""
        self._strips: list[Strip] | None = None
        self._drawn_size = (0, 0)
        self.frames = 0
        """Pictures drawn (for tests and the bench)."""

    # ------------------------------------------------------------------ snapshots in

    def show_candles(self, view: ChartView | None, *, title: str = "") -> None:
        """Draw ``view``; zoom, pan and crosshair stay where the user put them."""
        old = self.view
        if (
            view is not None
            and old is not None
            and (
                (view.venue, view.symbol, view.timeframe) != (old.venue, old.symbol, old.timeframe)
            )
        ):  # another series: its candles are not the ones the view was on
            self.pan_offset = 0
            self.cursor = None
        if view is not None and view.close_only and self.mode is ChartMode.CANDLES:
            self.mode = ChartMode.LINE
        self.view = view
        self.chart_title = title
        self._changed()

    def show_depth(
        self, bids: Sequence[DepthPoint], asks: Sequence[DepthPoint], *, title: str = ""
    ) -> None:
        """Draw cumulative depth: bids left of the spread, asks right of it."""
        self.bids = tuple(bids)
        self.asks = tuple(asks)
        self.chart_title = title
        self._changed()

    def show_series(self, plot: SeriesPlot | None, *, title: str = "") -> None:
        """Draw line series with markers (``widgets.chart_series``) instead of candles."""
        self.series = plot
        self.chart_title = title
        self._changed()

    def _changed(self) -> None:
        self._strips = None
        self.refresh()

    # ------------------------------------------------------------------ keys

    def _candles(self) -> tuple[Candle, ...]:
        return self.view.candles if self.view is not None else ()

    def _window(self, width: int) -> tuple[int, int]:
        """Candle indices ``[start, end)`` in view for a plot ``width`` columns wide."""
        n = len(self._candles())
        visible = max(1, width // ZOOMS[self.zoom])
        self.pan_offset = max(0, min(self.pan_offset, n - visible))
        end = n - self.pan_offset
        return max(0, end - visible), end

    def _plot_width(self) -> int:
        return max(1, self.size.width - AXIS_W)

    def action_cursor(self, step: int) -> None:
        if self.depth:
            width = self._plot_width()
            start = width // 2 if self.cursor is None else self.cursor
            self.cursor = max(0, min(width - 1, start + step))
        else:
            start, end = self._window(self._plot_width())
            if end <= start:
                return
            cursor = end - 1 if self.cursor is None else self.cursor + step
            cursor = max(0, min(len(self._candles()) - 1, cursor))
            if cursor < start:
                self.pan_offset += start - cursor
            elif cursor >= end:
                self.pan_offset -= cursor - end + 1
            self.cursor = cursor
        self._changed()

    def action_pan(self, step: int) -> None:
        if self.depth:
            self.action_cursor(step * 8)
            return
        start, end = self._window(self._plot_width())
        self.pan_offset -= step * max(1, (end - start) // 4)
        self._window(self._plot_width())
        if self.cursor is not None:
            start, end = self._window(self._plot_width())
            self.cursor = max(start, min(end - 1, self.cursor))
        self._changed()

    def action_zoom(self, step: int) -> None:
        zooms = DEPTH_ZOOMS if self.depth else ZOOMS
        self.zoom = max(0, min(len(zooms) - 1, self.zoom + step))
        if self.cursor is not None and not self.depth:
            # Keep the crosshair's candle in view: pan so it sits where the view ends.
            n = len(self._candles())
            self.pan_offset = max(0, n - 1 - self.cursor)
        self._changed()

    def action_cycle_mode(self) -> None:
        modes = list(ChartMode)
        self.mode = modes[(modes.index(self.mode) + 1) % len(modes)]
        self.post_message(self.ModeChanged(self.mode))
        self._changed()

    def action_follow(self) -> None:
        self.pan_offset = 0
        self.cursor = None
        self._changed()

    # ------------------------------------------------------------------ rendering

    def _styles(self) -> dict[str, Style]:
        # Whole component styles: a partial one drops a background's alpha and cannot resolve
        # an ``auto`` text colour, which drew the crosshair's label white on full blue.
        styles = {"": self.rich_style}
        for name in ("gain", "loss", "dim", "axis", "title", "cursor", "accent", "warn"):
            styles[name] = self.get_component_rich_style(f"chart--{name}")
        return styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None  # a theme change recolours the picture

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        if self._strips is None or self._drawn_size != (width, height):
            self._drawn_size = (width, height)
            self._strips = self._render_strips(width, height)
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width, self.rich_style)

    def _render_strips(self, width: int, height: int) -> list[Strip]:
        canvas = self.draw(width, height)
        styles = self._styles()
        self.frames += 1
        return [
            Strip([Segment(text, styles[name]) for text, name in canvas.runs(y)], width)
            for y in range(height)
        ]

    def draw(self, width: int, height: int) -> Canvas:
        """The picture at ``width`` x ``height`` cells (pure: reads the snapshot and view)."""
        canvas = Canvas(width, height)
        if width < AXIS_W + 4 or height < 4:
            return canvas
        if self.depth:
            self._draw_depth(canvas)
        elif self.series is not None:
            self.readout = draw_series(canvas, self.series, self.chart_title, AXIS_W)
        else:
            self._draw_candles(canvas)
        canvas.text(0, 0, self.readout[: width - 1], "title")
        return canvas

    def _draw_candles(self, canvas: Canvas) -> None:
        width, height = canvas.width, canvas.height
        plot_w = width - AXIS_W
        candles = self._candles()
        start, end = self._window(plot_w)
        window = candles[start:end]
        if not window:
            self.readout = f"{self.chart_title}  no prints yet"
            return
        volume = self.mode is ChartMode.CANDLES and not (self.view and self.view.close_only)
        vol_rows = max(2, height // 6) if volume else 0
        rows = height - 2 - vol_rows
        top = 1
        if self.mode is ChartMode.CANDLES:
            low = min(float(c.low) for c in window)
            high = max(float(c.high) for c in window)
        else:
            low = min(float(c.close) for c in window)
            high = max(float(c.close) for c in window)
        pad = (high - low) * 0.04
        scale = Scale(low - pad, high + pad, rows)
        slot = ZOOMS[self.zoom]
        body = max(1, slot - 1) if slot > 1 else 1
        max_vol = max((float(c.volume) for c in window), default=0.0) or 1.0
        bars_scale = Scale(min(0.0, low - pad), high + pad, rows)
        if self.mode is ChartMode.BARS:
            scale = bars_scale  # the axis, price tag and crosshair read the bars' own scale
        points: list[tuple[float, float]] = []
        for index, candle in enumerate(window):
            x = index * slot
            style = "gain" if candle.close >= candle.open else "loss"
            if self.mode is ChartMode.CANDLES:
                ohlc = (float(candle.open), float(candle.high), float(candle.low))
                canvas.candle(x, body, top, scale, (*ohlc, float(candle.close)), style)
            elif self.mode is ChartMode.BARS:
                frac = (float(candle.close) - bars_scale.low) / (bars_scale.high - bars_scale.low)
                canvas.column_bar(x, top, rows, frac, style, body)
            elif self.mode is ChartMode.AREA:
                frac = (float(candle.close) - scale.low) / (scale.high - scale.low)
                canvas.column_bar(x, top, rows, frac, "dim", slot)
            points.append((x + body / 2, float(candle.close)))
            if volume:
                canvas.column_bar(x, top + rows, vol_rows, float(candle.volume) / max_vol, style)
        if self.mode in (ChartMode.LINE, ChartMode.AREA):
            canvas.line(top, scale, points, "accent")
        self._price_axis(canvas, scale, top, rows, window[-1].close)
        self._time_axis(canvas, window, slot)
        self._candle_cursor(canvas, window, start, slot, body, scale, top)

    def _price_axis(
        self, canvas: Canvas, scale: Scale, top: int, rows: int, last: Decimal | None
    ) -> None:
        x = canvas.width - AXIS_W + 1
        step = max(2, rows // 6)
        for row in range(0, rows, step):
            canvas.text(x, top + row, fmt.price(scale.value_at_row(row))[: AXIS_W - 1], "axis")
        if last is not None:
            row = scale.rows - 1 - scale.units(float(last), 1)
            canvas.text(x - 1, top + row, ("◀" + fmt.price(last))[:AXIS_W], "accent")

    def _time_axis(self, canvas: Canvas, window: Sequence[Candle], slot: int) -> None:
        daily = self.view is not None and self.view.timeframe.seconds >= 86_400
        label_w = 6 if daily else 5
        every = max(1, (label_w + 3) // slot + 1)
        y = canvas.height - 1
        for index in range(0, len(window), every):
            ts = window[index].ts
            canvas.text(index * slot, y, ts.strftime("%m-%d" if daily else "%H:%M"), "axis")

    def _candle_cursor(
        self,
        canvas: Canvas,
        window: Sequence[Candle],
        start: int,
        slot: int,
        body: int,
        scale: Scale,
        top: int,
    ) -> None:
        tf = self.view.timeframe.value if self.view is not None else ""
        last = window[-1]
        if self.cursor is None or not start <= self.cursor < start + len(window):
            self.readout = (
                f"{self.chart_title} · {tf} · {self.mode.value}  last {fmt.price(last.close)}"
            )
            return
        candle = window[self.cursor - start]
        x = (self.cursor - start) * slot + body // 2
        for y in range(top, canvas.height - 1):
            if canvas.chars[y][x] == " ":
                canvas.put(x, y, "┊", "dim")
        row = top + scale.rows - 1 - scale.units(float(candle.close), 1)
        for column in range(canvas.width - AXIS_W):
            if canvas.chars[row][column] == " ":
                canvas.put(column, row, "┈", "dim")
        canvas.text(canvas.width - AXIS_W, row, " " + fmt.price(candle.close), "cursor")
        change = (candle.close - candle.open) / candle.open if candle.open else Decimal(0)
        stamp = candle.ts.strftime("%Y-%m-%d" if tf == "1d" else "%m-%d %H:%M")
        self.readout = (
            f"{stamp} O{fmt.price(candle.open)} H{fmt.price(candle.high)}"
            f" L{fmt.price(candle.low)} C{fmt.price(candle.close)}"
            f" V{fmt.qty(candle.volume)} {fmt.signed_pct(float(change), digits=2)}"
        )

    def _draw_depth(self, canvas: Canvas) -> None:
        width, height = canvas.width, canvas.height
        plot_w = width - AXIS_W
        share = DEPTH_ZOOMS[min(self.zoom, len(DEPTH_ZOOMS) - 1)]
        bids = self.bids[: max(1, round(len(self.bids) * share))]
        asks = self.asks[: max(1, round(len(self.asks) * share))]
        if not bids or not asks:
            self.readout = f"{self.chart_title}  no two-sided book"
            return
        low, high = float(bids[-1].price), float(asks[-1].price)
        top, rows = 1, height - 2
        deepest = max(float(bids[-1].qty), float(asks[-1].qty)) or 1.0
        qty_scale = Scale(0.0, deepest * 1.05, rows)
        span = (high - low) or 1.0
        prices = [low + (x + 0.5) / plot_w * span for x in range(plot_w)]
        best_bid, best_ask = float(bids[0].price), float(asks[0].price)
        depths: list[tuple[str, float]] = []
        for x, price in enumerate(prices):
            if price <= best_bid:
                side, qty = "gain", _depth_at(bids, price, bid=True)
            elif price >= best_ask:
                side, qty = "loss", _depth_at(asks, price, bid=False)
            else:
                side, qty = "dim", 0.0
            depths.append((side, qty))
            canvas.column_bar(x, top, rows, qty / qty_scale.high, side)
        x_axis = width - AXIS_W + 1
        for row in range(0, rows, max(2, rows // 6)):
            canvas.text(x_axis, top + row, fmt.qty(qty_scale.value_at_row(row)), "axis")
        y = height - 1
        for x in range(0, plot_w - 10, 14):
            canvas.text(x, y, fmt.price(prices[x]), "axis")
        mid = (best_bid + best_ask) / 2
        title = f"{self.chart_title}  mid {fmt.price(mid)}"
        if self.cursor is None:
            self.readout = title
            return
        x = min(self.cursor, plot_w - 1)
        for row in range(top, top + rows):
            if canvas.chars[row][x] == " ":
                canvas.put(x, row, "┊", "dim")
        side, qty = depths[x]
        what = {"gain": "bids ≥", "loss": "asks ≤", "dim": "spread at"}[side]
        self.readout = f"{title}  {what} {fmt.price(prices[x])}: {fmt.qty(qty)} cum"


def _depth_at(points: Sequence[DepthPoint], price: float, *, bid: bool) -> float:
    """Cumulative quantity on offer at ``price`` or better (points run from the best price)."""
    qty = 0.0
    for point in points:
        level = float(point.price)
        if (bid and level < price) or (not bid and level > price):
            break
        qty = float(point.qty)
    return qty
