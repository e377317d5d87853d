"""OrderBookLadder: asks above, bids below, spread and mid, cumulative depth bars, integrity."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from core.models import BookIntegrity, BookLevel, BookSnapshot
from widgets import format as fmt
from widgets.line_pane import LinePane

BADGE = {
    BookIntegrity.VERIFIED: "✔ verified",
    BookIntegrity.RESYNCING: "⟳ resyncing",
    BookIntegrity.STALE: "⚠ stale",
    BookIntegrity.UNVERIFIED: "? unverified",
}


class OrderBookLadder(LinePane):
    """A price ladder redrawn from the latest book snapshot at the UI rate."""

    show_cursor = False
    header_lines = 1

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.book: BookSnapshot | None = None
        self.integrity: BookIntegrity | None = None

    def update_book(self, book: BookSnapshot | None, *, stale: bool = False) -> None:
        self.book = book
        integrity = book.integrity if book is not None else None
        if stale and book is not None:
            integrity = BookIntegrity.STALE
        self.integrity = integrity
        self._rebuild()

    def on_resize(self) -> None:
        super().on_resize()
        self._rebuild()

    def _rebuild(self) -> None:
        book = self.book
        head = Text(f"{'Price':>11} {'Size':>8} {'Cum':>7}", style=self.style_of("header"))
        if book is None:
            self.border_subtitle = ""
            self.set_lines([head, Text("no book yet", style=self.style_of("dim"))])
            return
        integrity = self.integrity or book.integrity
        self.border_title = f"4 Book · {book.symbol}@{book.venue}"
        self.border_subtitle = BADGE[integrity]
        self.set_untrusted(integrity is not BookIntegrity.VERIFIED)
        rows = max(1, (self.size.height - 2) // 2) if self.size.height else 10
        asks = list(book.asks[:rows])
        bids = list(book.bids[:rows])
        cum_asks = self._cumulative(asks)
        cum_bids = self._cumulative(bids)
        top = max([c for _, c in cum_asks[-1:]] + [c for _, c in cum_bids[-1:]] + [Decimal(1)])
        lines = [head]
        for level, cum in reversed(cum_asks):
            lines.append(self._line(level, cum, top, "loss", "bar-ask"))
        spread = book.spread
        mid = book.mid
        if spread is not None and mid:
            bps = float(spread / mid * 10_000)
            lines.append(
                Text(
                    f" mid {fmt.price(mid)}  spr {bps:.1f}bp",
                    style=self.style_of("accent"),
                )
            )
        else:
            lines.append(Text("  one-sided book", style=self.style_of("stale")))
        for level, cum in cum_bids:
            lines.append(self._line(level, cum, top, "gain", "bar-bid"))
        self.set_lines(lines)

    @staticmethod
    def _cumulative(levels: list[BookLevel]) -> list[tuple[BookLevel, Decimal]]:
        out = []
        running = Decimal(0)
        for level in levels:
            running += level.qty
            out.append((level, running))
        return out

    def _line(self, level: BookLevel, cum: Decimal, top: Decimal, colour: str, bar: str) -> Text:
        arrow = "▼" if colour == "loss" else "▲"
        body = (
            f"{arrow}{fmt.price(level.price, width=10)} "
            f"{fmt.qty(level.qty, width=8)} {fmt.qty(cum, width=7)}"
        )
        text = Text(body, style=self.style_of(colour))
        width = max(1, self.size.width - 1) if self.size.width else len(body)
        filled = round(float(cum / top) * width)
        text.pad_right(max(0, width - len(body)))
        # The bar is a tint behind the row with the numbers over it in the text colour: the
        # side's own colour on its own tint was unreadable (issue 13). The arrow keeps saying
        # which side the row is on.
        text.stylize(self.tint_of(bar), max(0, len(text) - filled), len(text))
        return text
