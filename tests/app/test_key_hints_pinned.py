"""Issue 13: ``?`` Help stays on the key-hint line however many other hints a screen adds."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding

from widgets.key_hints import KeyHints


class ManyKeys(App[None]):
    """More shown bindings than fit, with Help declared last."""

    BINDINGS: ClassVar[list[Binding]] = [
        *(
            Binding(str(n), f"notify({n!r})", f"Long description {n}", id=f"x.{n}")
            for n in range(9)
        ),
        Binding("question_mark", "notify('help')", "Help", id="app.help"),
    ]

    def compose(self) -> ComposeResult:
        yield KeyHints(id="keys")


async def test_help_hint_is_kept_when_the_line_is_full() -> None:
    app = ManyKeys()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        hints = app.query_one(KeyHints)
        assert len(hints.shown) < len(hints.hints)  # something gave way
        assert hints.shown[-1] == ("?", "Help")
        assert sum(len(k) + len(d) + 4 for k, d in hints.shown) <= 60
