"""A scrollable pane drawn with Textual's Line API, for panes that redraw often.

Subclasses turn a snapshot into a list of Rich :class:`~rich.text.Text` lines in
:meth:`LinePane.build_lines`; this base converts them to strips once per update and serves
``render_line`` from that cache, so a redraw costs a list lookup per visible row instead of a
full table layout (a DataTable redrawing a 25-level book costs ~57 ms a frame; this costs 1–5).
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LinePane(ScrollView, can_focus=True):
    """A focusable, scrollable list of pre-rendered lines with an optional cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="pane.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="pane.up"),
        Binding("g,home", "cursor_top", "Top", show=False, id="pane.top"),
        Binding("G,end", "cursor_bottom", "Bottom", show=False, id="pane.bottom"),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="pane.pagedown"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="pane.pageup"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "pane--gain",
        "pane--loss",
        "pane--stale",
        "pane--dim",
        "pane--header",
        "pane--group",
        "pane--bar-bid",
        "pane--bar-ask",
        "pane--accent",
    }

    DEFAULT_CSS = """
    LinePane {
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    LinePane > .pane--gain { color: $success; }
    LinePane > .pane--loss { color: $error; }
    LinePane > .pane--stale { color: $warning; }
    LinePane > .pane--dim { color: $text-muted; }
    LinePane > .pane--header { color: $text-muted; text-style: bold; }
    LinePane > .pane--group { color: $accent; text-style: bold; }
    LinePane > .pane--bar-bid { background: $success 22%; color: $foreground; }
    LinePane > .pane--bar-ask { background: $error 22%; color: $foreground; }
    LinePane > .pane--accent { color: $primary; text-style: bold; }
    """

    def style_of(self, name: str) -> Style:
        """The theme's style for a component class (``gain``, ``loss``, ``stale``...).

        The text colour comes from the whole style: a partial style cannot resolve an
        ``auto`` colour such as ``$text-muted`` against the pane's background and returned
        white, invisible in the light theme (issue 13).
        """
        partial = self.get_component_rich_style(f"pane--{name}", partial=True)
        if partial.color is None:
            return partial
        return partial + Style(color=self.get_component_rich_style(f"pane--{name}").color)

    def tint_of(self, name: str) -> Style:
        """A component's background tint blended over the pane's background, with its text
        colour: what a depth bar draws behind the numbers.

        A partial style (:meth:`style_of`) drops a background's alpha, so ``$error 22%``
        came out as the full red behind red text; the whole style blends it.
        """
        full = self.get_component_rich_style(f"pane--{name}")
        return Style(color=full.color, bgcolor=full.bgcolor)

    show_cursor: ClassVar[bool] = True
    header_lines: ClassVar[int] = 0
    """Lines at the top that stay put while the body scrolls."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._texts: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._strip_width = -1
        self.cursor = 0

    # --------------------------------------------------------------- subclass API

    def set_lines(self, lines: list[Text]) -> None:
        """Replace the content, repainting only the rows whose text or style changed.

        A live pane gets a new snapshot several times a second, but most of its rows stay the
        same between two snapshots; repainting only the others keeps frames cheap, and cheap
        frames are what keep key presses quick while data streams.
        """
        old = self._texts
        self._texts = lines
        body = max(0, len(lines) - self.header_lines)
        self.cursor = min(self.cursor, max(0, body - 1))
        if len(old) != len(lines) or self._strip_width < 0:
            self._strips = {}
            self._set_height(len(lines))
            self.refresh()
            return
        for index, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before != after:
                self._strips.pop(index, None)
                self._refresh_index(index)

    def _set_height(self, lines: int) -> None:
        """Set the scrollable height, without a screen layout pass when that is safe.

        ``virtual_size`` is a layout reactive: assigning it re-lays out and repaints the whole
        screen (~20 ms at 160x48). A growing log or a book whose depth changes would pay that
        several times a second. Unless the scrollbar appears or disappears (which changes the
        content width), the pane sets the size quietly and updates its own scrollbar.
        """
        size = Size(self.size.width, lines)
        visible = self.container_size.height
        if (self.virtual_size.height > visible) != (lines > visible) or not self.is_mounted:
            self.virtual_size = size
            return
        self.set_reactive(LinePane.virtual_size, size)
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            bar.window_virtual_size = lines
            bar.refresh()
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False)

    def invalidate(self) -> None:
        """Drop every rendered row and redraw the frame (after a theme change), and repaint."""
        self._strips = {}
        self._strip_width = -1
        self.show_frame()
        self.refresh()

    # --------------------------------------------------------------- frame

    def watch_has_focus(self, has_focus: bool) -> None:
        """Show focus in the frame, set inline, instead of through the stylesheet.

        Textual restyles a widget through the whole stylesheet whenever it gains or loses
        focus (component classes included); with two panes per switch that was most of the
        cost of a pane switch. Only the frame's colours depend on focus, so they are set here.
        """
        self.show_frame()
        self.refresh()  # the cursor row's highlight depends on focus too

    @property
    def untrusted(self) -> bool:
        return self.has_class("-untrusted")

    def set_untrusted(self, untrusted: bool) -> None:
        """Frame the pane in the warning colour while its data cannot be trusted."""
        if untrusted != self.untrusted:
            self.set_class(untrusted, "-untrusted")
            self.show_frame()

    def show_frame(self) -> None:
        if not self.is_mounted:
            return
        colours = self.app.theme_variables
        focused = self.has_focus
        # Inline styles override the stylesheet's frame; None hands it back.
        edge = "warning" if self.untrusted else "primary" if focused else None
        self.styles.border = ("round", colours[edge]) if edge in colours else None
        self.styles.border_title_color = colours.get("primary") if focused else None
        self.styles.border_title_style = "bold" if focused else None

    def _refresh_index(self, index: int) -> None:
        """Repaint the row showing line ``index``, if it is on screen."""
        row = index if index < self.header_lines else index - int(self.scroll_y)
        if index >= self.header_lines and row < self.header_lines:
            return
        if 0 <= row < self.scrollable_content_region.height:
            self.refresh(Region(0, row, self.size.width, 1))

    @property
    def line_count(self) -> int:
        return len(self._texts)

    def line_text(self, index: int) -> str:
        """The plain text of line ``index`` (for tests and copy)."""
        return self._texts[index].plain if 0 <= index < len(self._texts) else ""

    # --------------------------------------------------------------- rendering

    def _strip(self, index: int, width: int) -> Strip:
        """Line ``index`` as a strip ``width`` cells wide, rendered on first use only.

        Only lines that are actually drawn get rendered, so a long log or a deep book costs
        what the visible rows cost, whatever its length.
        """
        if self._strip_width != width:
            self._strips = {}
            self._strip_width = width
        strip = self._strips.get(index)
        if strip is None:
            base = self.rich_style
            text = self._texts[index].copy()
            text.truncate(width, overflow="ellipsis", pad=True)
            segments = list(text.render(self.app.console))
            strip = Strip(segments).apply_style(base).adjust_cell_length(width, base)
            self._strips[index] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y if y < self.header_lines else y + int(self.scroll_y)
        if index >= len(self._texts):
            return Strip([Segment(" " * width, self.rich_style)], width)
        strip = self._strip(index, width)
        if (
            self.show_cursor
            and self.has_focus
            and index - self.header_lines == self.cursor
            and index >= self.header_lines
        ):
            strip = strip.apply_style(Style(reverse=True))
        return strip

    def on_resize(self) -> None:
        self._strip_width = -1
        self.virtual_size = Size(self.size.width, len(self._texts))

    # --------------------------------------------------------------- cursor

    def _body_len(self) -> int:
        return max(0, len(self._texts) - self.header_lines)

    def _move(self, to: int) -> None:
        before = self.cursor
        self.cursor = max(0, min(to, self._body_len() - 1))
        visible = self.scrollable_content_region.height - self.header_lines
        if self.cursor < self.scroll_y:
            self.scroll_to(y=self.cursor, animate=False)
        elif visible > 0 and self.cursor >= self.scroll_y + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)
        elif self.show_cursor:
            # No scroll: only the old and the new cursor rows change.
            self._refresh_index(before + self.header_lines)
            self._refresh_index(self.cursor + self.header_lines)
            return
        self.refresh()

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_cursor_top(self) -> None:
        self._move(0)

    def action_cursor_bottom(self) -> None:
        self._move(self._body_len() - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor + max(1, self.size.height - 2))

    def action_page_up(self) -> None:
        self._move(self.cursor - max(1, self.size.height - 2))
