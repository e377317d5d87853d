"""A book snapshot as a difference from the previous one, for the flight recorder.

Between two snapshots of the same market a few levels a side change (about a third on the
sim at the UI's rate); the rest shift position at most. :func:`book_diff` writes each side as
a list whose entries are either an ``int`` (the index of an identical level in the previous
snapshot's side) or a level (``{"price", "qty"}`` as in a full frame), plus the snapshot's
other fields. :func:`apply_book_diff` rebuilds an equal snapshot. Identical means the same
decimal *spelling*, so a level reused from the previous snapshot renders exactly as it would
have.

Sans-I/O: plain values in and out (JSON-ready dicts).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from core.models import BookLevel, BookSnapshot

_LEVEL: TypeAdapter[BookLevel] = TypeAdapter(BookLevel)
_HEADER_EXCLUDE = {"bids", "asks"}


class BookDiffError(ValueError):
    """A diff that does not fit the snapshot it is applied to."""


def book_diff(previous: BookSnapshot, current: BookSnapshot) -> dict[str, Any] | None:
    """``current`` as a difference from ``previous``; ``None`` for another market."""
    if (previous.venue, previous.symbol) != (current.venue, current.symbol):
        return None
    out: dict[str, Any] = current.model_dump(mode="json", exclude=_HEADER_EXCLUDE)
    for name in ("bids", "asks"):
        before: tuple[BookLevel, ...] = getattr(previous, name)
        index = {(str(lv.price), str(lv.qty)): i for i, lv in enumerate(before)}
        out[name] = [
            found
            if (found := index.get((str(lv.price), str(lv.qty)))) is not None
            else _LEVEL.dump_python(lv, mode="json")
            for lv in getattr(current, name)
        ]
    return out


def apply_book_diff(previous: BookSnapshot | None, diff: dict[str, Any]) -> BookSnapshot:
    """The snapshot ``diff`` describes, given the ``previous`` one it was taken against."""
    if previous is None:
        raise BookDiffError("a book difference with no book before it")
    if (diff.get("venue"), diff.get("symbol")) != (previous.venue, previous.symbol):
        raise BookDiffError("a book difference for another market")
    sides: dict[str, tuple[BookLevel, ...]] = {}
    for name in ("bids", "asks"):
        before: tuple[BookLevel, ...] = getattr(previous, name)
        levels = []
        for entry in diff.get(name, ()):
            if isinstance(entry, int):
                if not 0 <= entry < len(before):
                    raise BookDiffError(f"{name}: no level {entry} in the previous book")
                levels.append(before[entry])
            else:
                levels.append(_LEVEL.validate_python(entry))
        sides[name] = tuple(levels)
    header = {k: v for k, v in diff.items() if k not in _HEADER_EXCLUDE}
    return BookSnapshot.model_validate({**header, **sides})
