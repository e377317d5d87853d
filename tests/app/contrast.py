"""Read the screen a Textual app shows, cell by cell, and find what a person could not read.

The screen is rendered the way ``App.export_screenshot`` renders it (the compositor's full
update, recorded by a truecolor Rich console), so every cell has its final foreground and
background colour, after alpha blending, ``reverse`` and ``dim``. Each visible character is
held to a WCAG contrast ratio against the colour behind it: text (letters, digits,
punctuation) to :data:`TEXT_MIN`, graphics (box drawing, blocks, braille, arrows) to
:data:`GRAPHIC_MIN`; a character in exactly its own background colour fails whatever it is.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rich.color import Color as RichColor
from rich.console import Console
from rich.segment import Segment
from textual.app import App
from textual.geometry import Region

TEXT_MIN = 3.0
"""WCAG's minimum for large text and UI components; body text in every theme clears 4.5 but
muted captions ($text-muted) are drawn lighter on purpose."""
GRAPHIC_MIN = 1.5
"""Bars, frames and chart glyphs are shapes, not words: they must stand out from what is behind
them, not be read letter by letter."""


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    char: str
    fg: tuple[int, int, int]
    bg: tuple[int, int, int]
    ratio: float

    def __str__(self) -> str:
        fg = "#{:02x}{:02x}{:02x}".format(*self.fg)
        bg = "#{:02x}{:02x}{:02x}".format(*self.bg)
        return f"({self.x},{self.y}) {self.char!r} {fg} on {bg} = {self.ratio:.2f}"


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def is_graphic(char: str) -> bool:
    """Box drawing, blocks, braille, geometric shapes and arrows: drawn, not read."""
    code = ord(char)
    return (
        0x2190 <= code <= 0x21FF  # arrows
        or 0x2500 <= code <= 0x25FF  # box drawing, blocks, geometric shapes
        or 0x2800 <= code <= 0x28FF  # braille
        or unicodedata.category(char) == "So"
    )


def _rgb(colour: RichColor | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if colour is None or colour.is_default:
        return default
    triplet = colour.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def screen_cells(app: App[object]) -> list[list[Segment]]:
    """The current screen as lines of single-style segments (as a screenshot draws it)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=False
    )
    console.print(update)
    # Leave out control segments (the cursor moves that start each line): they take no cell.
    return [
        [segment for segment in line if not segment.control]
        for line in Segment.split_lines(console._record_buffer)
    ]


def unreadable(
    app: App[object],
    *,
    region: Region | None = None,
    skip: Sequence[Region] = (),
    text_min: float = TEXT_MIN,
    graphic_min: float = GRAPHIC_MIN,
) -> list[Cell]:
    """Every visible character on the screen (or in ``region`` of it) below its minimum.

    A modal dims the screen behind it on purpose; pass the modal's own region to check what
    it asks the user to read. ``skip`` leaves out decoration meant to be faint (the bevel
    Textual draws above and below a button, a lighter shade of the button's own colour).
    """
    variables = app.theme_variables
    default_fg = _hex(variables.get("foreground", "#ffffff"))
    default_bg = _hex(variables.get("background", "#000000"))
    bad: list[Cell] = []
    for y, line in enumerate(screen_cells(app)):
        x = 0
        for segment in line:
            style = segment.style
            fg = _rgb(style.color if style else None, default_fg)
            bg = _rgb(style.bgcolor if style else None, default_bg)
            if style is not None and style.reverse:
                fg, bg = bg, fg
            if style is not None and style.dim:
                fg = tuple((f + b) // 2 for f, b in zip(fg, bg, strict=True))  # type: ignore[assignment]
            for char in segment.text:
                inside = (region is None or region.contains(x, y)) and not any(
                    r.contains(x, y) for r in skip
                )
                if inside and not char.isspace() and char not in "\u2800":
                    ratio = contrast(fg, bg)
                    minimum = graphic_min if is_graphic(char) else text_min
                    if ratio < minimum or fg == bg:
                        bad.append(Cell(x, y, char, fg, bg, ratio))
                x += 1
    return bad


def _hex(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")[:6]
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def rows_text(app: App[object], cells: list[Cell]) -> str:
    """The failing cells' screen rows, for an assertion message a person can act on."""
    lines = ["".join(s.text for s in line) for line in screen_cells(app)]
    rows = sorted({c.y for c in cells})[:8]
    shown = [f"{row:3}: {lines[row]}" for row in rows]
    return "\n".join([*map(str, cells[:12]), *shown])
