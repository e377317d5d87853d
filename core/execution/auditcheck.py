"""Checking the audit trail against itself and its anchor: which break, where.

Pure: it reads rows and an anchor and names every break it finds, so ``cockpit audit verify``
and a starting core give the same verdict. The kinds of break:

- ``deleted rows``: ids are missing inside the chain (or before its first row);
- ``altered row``: a row's contents no longer match its hash, or it does not link to the row
  before it (its own or its predecessor's hash was rewritten);
- ``truncated tail``: the anchored head row, and maybe rows before it, are gone;
- ``forged append``: rows after the anchored head that no anchor covers;
- ``head mismatch``: the row at the anchored head's id has another hash (the chain was
  rewritten from somewhere before it);
- ``missing anchor`` / ``anchor unreadable``: the chain says it was anchored but the anchor
  file or the key is gone, or the anchor record fails its MAC.

An ``audit.acknowledged`` row names the chain breaks an operator accepted; they are still
reported but no longer fail the check (anchor breaks are resolved by the re-anchoring that
goes with the acknowledgement).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from core.execution.anchor import Anchor, Head

GENESIS = "0" * 64
ANCHORED_KIND = "audit.anchored"
ACK_KIND = "audit.acknowledged"


class BreakKind(StrEnum):
    DELETED_ROWS = "deleted rows"
    ALTERED_ROW = "altered row"
    TRUNCATED_TAIL = "truncated tail"
    FORGED_APPEND = "forged append"
    HEAD_MISMATCH = "head mismatch"
    MISSING_ANCHOR = "missing anchor"
    ANCHOR_UNREADABLE = "anchor unreadable"


@dataclass(frozen=True, slots=True)
class Break:
    kind: BreakKind
    row: int
    """The row it concerns (0 when it is about the whole chain)."""
    detail: str
    acknowledged: bool = False

    def __str__(self) -> str:
        ack = " (acknowledged)" if self.acknowledged else ""
        return f"{self.kind}: {self.detail}{ack}"


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The verdict on one audit trail."""

    rows: int
    tail: Head
    breaks: tuple[Break, ...] = ()
    anchored: bool = False
    """An anchor covered the chain (False: a chain from before anchoring, not yet anchored)."""
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not any(not b.acknowledged for b in self.breaks)

    @property
    def open_breaks(self) -> tuple[Break, ...]:
        return tuple(b for b in self.breaks if not b.acknowledged)

    def summary(self) -> str:
        """One line: the first open break and how many more."""
        open_ = self.open_breaks
        if not open_:
            return f"verified: {self.rows} rows"
        more = f" (+{len(open_) - 1} more)" if len(open_) > 1 else ""
        return f"{open_[0]}{more}"


@dataclass(frozen=True, slots=True)
class ChainRow:
    """What the check needs of a row (``core.execution.audit.AuditRow`` has these fields)."""

    id: int
    kind: str
    payload: str
    prev_hash: str
    hash: str
    expected_hash: str
    """The hash recomputed from the row's contents and its stored ``prev_hash``."""


def check(
    rows: Sequence[ChainRow],
    anchor: Anchor | None,
    *,
    anchor_problem: str | None = None,
    flagged: bool = False,
) -> AuditReport:
    """Every break in ``rows`` (in id order) against ``anchor``.

    ``anchor_problem`` says why the anchor could not be read (missing key, bad MAC); ``anchor``
    None without a problem is a chain that was never anchored, or whose anchor was deleted
    (told apart by an ``audit.anchored`` row in the chain, or ``flagged``: the database
    records that it was anchored).
    """
    breaks = _chain_breaks(rows)
    tail = Head(rows[-1].id, rows[-1].hash) if rows else Head(0, GENESIS)
    ever_anchored = any(r.kind == ANCHORED_KIND for r in rows)
    notes: list[str] = []
    if anchor_problem is not None:
        breaks.append(Break(BreakKind.ANCHOR_UNREADABLE, 0, anchor_problem))
    elif anchor is None:
        if ever_anchored or flagged:
            breaks.append(
                Break(BreakKind.MISSING_ANCHOR, 0, "the chain was anchored but its anchor is gone")
            )
    else:
        breaks.extend(_anchor_breaks(rows, anchor, tail, notes))
    acked = _acknowledged(rows)
    marked = tuple(
        Break(b.kind, b.row, b.detail, True) if (b.kind.value, b.row) in acked else b
        for b in breaks
    )
    return AuditReport(
        rows=len(rows),
        tail=tail,
        breaks=marked,
        anchored=anchor is not None,
        notes=tuple(notes),
    )


def _chain_breaks(rows: Sequence[ChainRow]) -> list[Break]:
    """Breaks inside the table; the walk resynchronises after each so all are named."""
    out: list[Break] = []
    prev, expected = GENESIS, 1
    for row in rows:
        if row.id != expected:
            span = f"row {expected}" if row.id == expected + 1 else f"rows {expected}-{row.id - 1}"
            out.append(Break(BreakKind.DELETED_ROWS, row.id, f"{span} missing before row {row.id}"))
        elif row.prev_hash != prev:
            out.append(
                Break(
                    BreakKind.ALTERED_ROW,
                    row.id,
                    f"row {row.id} does not link to row {row.id - 1} (one of them was rewritten)",
                )
            )
        if row.hash != row.expected_hash:
            out.append(
                Break(
                    BreakKind.ALTERED_ROW, row.id, f"row {row.id}'s contents do not match its hash"
                )
            )
        prev, expected = row.hash, row.id + 1
    return out


def _anchor_breaks(
    rows: Sequence[ChainRow], anchor: Anchor, tail: Head, notes: list[str]
) -> list[Break]:
    head, pending = anchor.head, anchor.pending
    by_id = {r.id: r.hash for r in rows}
    out: list[Break] = []
    if head.id > 0 and head.id in by_id and by_id[head.id] != head.hash:
        out.append(
            Break(
                BreakKind.HEAD_MISMATCH,
                head.id,
                f"row {head.id} is not the anchored row {head.id} (the chain was rewritten)",
            )
        )
    if tail == head:
        return out
    if pending is not None and tail == pending:
        notes.append(
            f"the anchor was one commit behind (row {pending.id} committed, anchor not yet "
            "moved: an interrupted write); the rows exist and chain"
        )
        return out
    if tail.id < head.id:
        first = tail.id + 1
        span = f"row {head.id}" if first == head.id else f"rows {first}-{head.id}"
        out.append(
            Break(
                BreakKind.TRUNCATED_TAIL,
                head.id,
                f"{span} missing at the end (the anchored head is row {head.id})",
            )
        )
    elif tail.id == head.id or (pending is not None and tail.id == pending.id):
        out.append(
            Break(
                BreakKind.HEAD_MISMATCH,
                tail.id,
                f"the last row {tail.id} is not the anchored one (replaced)",
            )
        )
    else:
        covered = max(head.id, pending.id if pending is not None else 0)
        first = covered + 1
        span = f"row {first}" if first == tail.id else f"rows {first}-{tail.id}"
        out.append(
            Break(
                BreakKind.FORGED_APPEND,
                first,
                f"{span} after the anchored head (row {head.id}), not covered by the anchor",
            )
        )
    return out


def _acknowledged(rows: Sequence[ChainRow]) -> set[tuple[str, int]]:
    """(kind, row) of every chain break named by an ``audit.acknowledged`` row."""
    out: set[tuple[str, int]] = set()
    for row in rows:
        if row.kind != ACK_KIND:
            continue
        try:
            for b in json.loads(row.payload).get("breaks", []):
                out.add((str(b["kind"]), int(b["row"])))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return out
