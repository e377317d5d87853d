"""A character-cell canvas for charts: candles, eighth-block bars and areas, braille lines.

Pure drawing, no Textual: a :class:`Canvas` is a grid of cells, each a character and a style
name (``gain``, ``loss``, ``dim``...), that the chart widget turns into strips. Vertical
positions are in *units* below a cell's resolution: half cells for candles, eighths for bars
and areas, quarter cells (braille dots) for lines, so a 30-row plot still shows small moves.
"""

from __future__ import annotations

from collections.abc import Sequence

EIGHTHS = " ▁▂▃▄▅▆▇█"
BRAILLE_BASE = 0x2800
_DOT = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""Braille dot bits by (row within the cell, column within the cell)."""


class Scale:
    """Maps values in ``[low, high]`` onto ``rows`` cells counted from the top."""

    def __init__(self, low: float, high: float, rows: int) -> None:
        if high <= low:
            pad = abs(low) * 0.001 or 1.0
            low, high = low - pad, high + pad
        self.low = low
        self.high = high
        self.rows = max(1, rows)

    def units(self, value: float, per_cell: int) -> int:
        """``value`` in sub-cell units from the bottom (0 .. rows*per_cell - 1)."""
        top = self.rows * per_cell - 1
        frac = (value - self.low) / (self.high - self.low)
        return max(0, min(top, round(frac * top)))

    def value_at_row(self, row: int) -> float:
        """The value at the middle of cell ``row`` (from the top)."""
        frac = (self.rows - row - 0.5) / self.rows
        return self.low + frac * (self.high - self.low)


class Canvas:
    """``width`` x ``height`` cells, each a character and a style name."""

    def __init__(self, width: int, height: int, style: str = "") -> None:
        self.width = width
        self.height = height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[style] * width for _ in range(height)]

    def put(self, x: int, y: int, char: str, style: str) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.chars[y][x] = char
            self.styles[y][x] = style

    def text(self, x: int, y: int, text: str, style: str) -> None:
        for offset, char in enumerate(text):
            self.put(x + offset, y, char, style)

    def runs(self, y: int) -> list[tuple[str, str]]:
        """Row ``y`` as (text, style) runs, neighbouring cells of one style joined."""
        out: list[tuple[str, str]] = []
        chars = self.chars[y]
        styles = self.styles[y]
        start = 0
        for x in range(1, self.width + 1):
            if x == self.width or styles[x] != styles[start]:
                out.append(("".join(chars[start:x]), styles[start]))
                start = x
        return out

    # ------------------------------------------------------------------ candles

    def candle(
        self,
        x: int,
        width: int,
        top: int,
        scale: Scale,
        ohlc: tuple[float, float, float, float],
        style: str,
    ) -> None:
        """One candle in columns ``x .. x+width-1`` of the plot starting at row ``top``.

        The body spans open..close, the wick low..high in the middle column, both at half a
        cell's resolution (``▀``/``▄`` ends, ``╷``/``╵`` wick tips).
        """
        o, h, low, c = (scale.units(v, 2) for v in ohlc)
        body_lo, body_hi = min(o, c), max(o, c)
        rows = scale.rows
        wick_x = x + width // 2
        for unit_row in range(low // 2, h // 2 + 1):
            y = top + rows - 1 - unit_row
            lo_half, hi_half = unit_row * 2, unit_row * 2 + 1
            in_body_lo = body_lo <= lo_half <= body_hi
            in_body_hi = body_lo <= hi_half <= body_hi
            if in_body_lo or in_body_hi:
                char = "█" if in_body_lo and in_body_hi else "▄" if in_body_lo else "▀"
                for column in range(x, x + width):
                    self.put(column, y, char, style)
                continue
            wick_lo = low <= lo_half <= h
            wick_hi = low <= hi_half <= h
            char = "│" if wick_lo and wick_hi else "╷" if wick_lo else "╵"
            self.put(wick_x, y, char, style)

    # ------------------------------------------------------------------ bars and areas

    def column_bar(
        self, x: int, top: int, rows: int, fraction: float, style: str, width: int = 1
    ) -> None:
        """A bar rising from the bottom of rows ``top .. top+rows-1`` to ``fraction`` of them,
        at an eighth of a cell's resolution."""
        eighths = max(0, min(rows * 8, round(fraction * rows * 8)))
        for index in range(rows):
            fill = max(0, min(8, eighths - index * 8))
            if fill == 0:
                break
            for column in range(x, x + width):
                self.put(column, top + rows - 1 - index, EIGHTHS[fill], style)

    # ------------------------------------------------------------------ lines

    def line(
        self, top: int, scale: Scale, points: Sequence[tuple[float, float]], style: str
    ) -> None:
        """A polyline through ``(x, value)`` points (x in cells, may be fractional), drawn in
        braille dots (2 x 4 per cell), joined segment by segment."""
        rows = scale.rows
        dots: dict[tuple[int, int], int] = {}
        previous: tuple[int, int] | None = None
        for x, value in points:
            dx = round(x * 2)
            dy = rows * 4 - 1 - scale.units(value, 4)
            if previous is None:
                self._dot(dots, dx, dy)
            else:
                for px, py in _segment(previous, (dx, dy)):
                    self._dot(dots, px, py)
            previous = (dx, dy)
        for (cx, cy), bits in dots.items():
            self.put(cx, top + cy, chr(BRAILLE_BASE | bits), style)

    @staticmethod
    def _dot(dots: dict[tuple[int, int], int], dx: int, dy: int) -> None:
        key = (dx // 2, dy // 4)
        dots[key] = dots.get(key, 0) | _DOT[dy % 4][dx % 2]


def _segment(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """The dots from ``a`` (exclusive) to ``b`` (inclusive), Bresenham's line."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx = 1 if x0 < x1 else -1
    sy = 1 if y0 < y1 else -1
    err = dx + dy
    out = []
    while (x0, y0) != (x1, y1):
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy
        out.append((x0, y0))
    return out
