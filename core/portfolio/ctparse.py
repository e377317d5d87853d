"""Parse CoinTracking CSV exports, streaming, strictly, with file:line:column errors.

Three export types describe a portfolio; the header says which one a file is:

* **Current Balance**: one row per coin, no location (``Ticker; Name; Type; Amount;
  Value in USD; ...``);
* **Balance by Exchange**: one row per (coin, exchange) (``Amount, Currency,
  Current value in USD, Current value in BTC, Exchange``);
* **Coins by Exchange**: the same positions, with the coin in a ``"SYM (Name) by Exchange"``
  cell (``Amount; Exchange; Current value in USD; Current value in BTC; Coin``).

Whatever the delimiter (``;``, ``,``, tab, ``|``), byte-order mark and line endings. Columns
are found by name, so their order does not matter, but a missing required column or an unknown
one is refused. Cells are checked by :mod:`core.portfolio.ctcells` (numbers of sane precision,
no control or bidirectional characters in names).

**Negative amounts** are refused unless the row is a short, borrow or loan position: its
location label or its type names one of :data:`SHORT_KINDS` (``Bitget Margin``,
``Bitget Futures``, ``Aave Loan``...). CoinTracking also shows negative balances where the
recorded history is incomplete (negative dust and missing deposits: the real 2025 export has
25 such rows, BUSD -1,683 at Binance among them); those are kept only when the caller says so
(``allow_negative``, the CLI's ``--allow-negative``), and counted.

**Memory is bounded**: the file is read line by line and folded into per-coin and
per-(coin, location) sums as it goes, never held whole. A file larger than
:data:`MAX_EXPORT_BYTES` or with more than :data:`MAX_POSITIONS` distinct positions is refused.

Parsing is pure apart from reading the bytes it is given: it raises
:class:`~core.errors.DataError` naming the file, the line, the field number and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from decimal import Decimal, localcontext
from pathlib import Path
from typing import IO

from core.errors import DataError
from core.portfolio.ctcells import clean_text, parse_number
from core.portfolio.ctlayout import (
    SHORT_KINDS,
    CtAsset,
    CtExport,
    CtPosition,
    CtRow,
    ExportKind,
    RowValues,
    detect_layout,
    row_from_record,
)

__all__ = [
    "MAX_EXPORT_BYTES",
    "MAX_POSITIONS",
    "SHORT_KINDS",
    "CtAsset",
    "CtExport",
    "CtPosition",
    "CtRow",
    "ExportKind",
    "clean_text",
    "iter_rows",
    "parse_export",
    "parse_number",
    "parse_rows",
    "read_export",
]

MAX_EXPORT_BYTES = 128 * 1024 * 1024
"""Largest export accepted (128 MiB; a real export of ~1,000 coins is ~0.1 MiB)."""
MAX_POSITIONS = 100_000
"""Most distinct (coin, location) positions one export may hold."""
MAX_LINE_CHARS = 64 * 1024
"""Longest physical line (a real row is ~100 characters)."""
_MAX_HEADER_CHARS = 4096

Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def parse_export(data: bytes | str, path: str, *, allow_negative: bool = False) -> CtExport:
    """Parse one export held in memory (tests, small files); see :func:`read_export`."""
    raw = data.encode() if isinstance(data, str) else data
    return _fold(lambda: io.BytesIO(raw), path, allow_negative, len(raw))


def read_export(path: Path, *, allow_negative: bool = False) -> CtExport:
    """Parse one export file, streaming: memory stays bounded whatever the file's size."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(exc.strerror or str(exc), path=name) from exc
    return _fold(lambda: path.open("rb"), name, allow_negative, size)


def parse_rows(data: bytes | str, path: str, *, allow_negative: bool = True) -> list[CtRow]:
    """Every data row of a small export held in memory, for inspection and tests."""
    raw = data.encode() if isinstance(data, str) else data
    _, rows = iter_rows(lambda: io.BytesIO(raw), path, allow_negative=allow_negative)
    return [CtRow(**row._asdict()) for row in rows]


def iter_rows(
    opener: Opener, path: str, *, allow_negative: bool = False
) -> tuple[tuple[ExportKind, str], Iterator[RowValues]]:
    """The export's (kind, delimiter), and an iterator over its rows, read line by line."""
    layout = _read_header(opener, path)
    return (layout.kind, layout.delimiter), _rows(opener, path, layout, allow_negative)


def _read_header(opener: Opener, path: str) -> _Layout:
    with opener() as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        try:
            header = text.readline(_MAX_HEADER_CHARS).rstrip("\r\n")
        except UnicodeDecodeError as exc:
            line = _bad_utf8_line(opener)
            raise DataError(f"not UTF-8 text ({exc.reason})", path=path, line=line) from exc
    if not header.strip():
        raise DataError("empty file", path=path, line=1)
    return _Layout(*detect_layout(header, path))


class _Layout:
    def __init__(
        self, delimiter: str, kind: ExportKind, fields: list[str], names: list[str]
    ) -> None:
        self.delimiter, self.kind, self.fields, self.names = delimiter, kind, fields, names


class _Lines:
    """The text lines of a binary stream, keeping the first line of the current record.

    A line longer than :data:`MAX_LINE_CHARS` is refused before it is read whole, so one
    newline-free 100 MB "line" cannot take memory the folding never needs.
    """

    def __init__(self, handle: IO[bytes], path: str) -> None:
        self._text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        self._path = path
        self.first = ""
        self.fresh = True
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        while line := self._text.readline(MAX_LINE_CHARS):
            self.count += 1
            if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                raise DataError(
                    f"line longer than {MAX_LINE_CHARS:,} characters",
                    path=self._path,
                    line=self.count,
                )
            if self.fresh:
                self.first, self.fresh = line, False
            yield line


def _rows(opener: Opener, path: str, layout: _Layout, allow_negative: bool) -> Iterator[RowValues]:
    with opener() as handle:
        lines = _Lines(handle, path)
        reader = csv.reader(lines, delimiter=layout.delimiter, strict=True)
        width = len(layout.fields)
        line_num = 0
        while True:
            start = line_num + 1
            lines.fresh = True
            try:
                record = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                line = _bad_utf8_line(opener)
                raise DataError(f"not UTF-8 text ({exc.reason})", path=path, line=line) from exc
            except csv.Error as exc:
                column = _field_at_error(lines.first, layout.delimiter)
                raise DataError(
                    f"malformed CSV: {exc}", path=path, line=start, column=column
                ) from exc
            line_num = reader.line_num
            if start == 1 or not record or record == [""]:
                continue  # the header, or a blank line
            if len(record) != width:
                raise DataError(
                    f"expected {width} fields, found {len(record)} (truncated or shifted row?)",
                    path=path,
                    line=start,
                    column=min(len(record), width) + 1,
                )
            yield row_from_record(record, layout.names, layout.fields, start, path, allow_negative)


def _bad_utf8_line(opener: Opener) -> int:
    """The line (counting line feeds) that holds the first byte that is not UTF-8."""
    with opener() as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _field_at_error(source: str, delimiter: str) -> int:
    """The field (1-based) where an unbalanced quote opens on ``source``."""
    field, quoted = 1, False
    for char in source:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            field += 1
    return field


def _fold(opener: Opener, path: str, allow_negative: bool, size: int) -> CtExport:
    """Read an export and fold its rows into per-coin and per-position sums."""
    if size > MAX_EXPORT_BYTES:
        raise DataError(
            f"file too large ({size / 2**20:.0f} MiB; an export may be at most "
            f"{MAX_EXPORT_BYTES // 2**20} MiB)",
            path=path,
        )
    (kind, delimiter), rows = iter_rows(opener, path, allow_negative=allow_negative)
    assets: dict[str, _Sums] = {}
    positions: dict[tuple[str, str | None], Decimal] = {}
    count = zero = negative = 0
    total = Decimal(0)
    with localcontext(prec=120):  # exact: cells have at most 60 digit positions
        for row in rows:
            count += 1
            total += row.value_usd
            sums = assets.get(row.ticker)
            if sums is None:
                sums = assets[row.ticker] = _Sums(row.name)
            elif sums.name is None and row.name:
                sums.name = row.name
            if not row.amount:
                zero += 1
                continue
            negative += row.amount < 0
            sums.add(row)
            key = (row.ticker, row.label)
            positions[key] = positions.get(key, Decimal(0)) + row.amount
            if len(positions) > MAX_POSITIONS:
                raise DataError(
                    f"more than {MAX_POSITIONS:,} distinct (coin, location) positions",
                    path=path,
                    line=row.line,
                )
    if not count:
        raise DataError("no data rows after the header", path=path, line=2)
    return CtExport(
        path=path,
        kind=kind,
        delimiter=delimiter,
        row_count=count,
        zero_rows=zero,
        negative_rows=negative,
        total_usd=total,
        assets=tuple(sums.asset(ticker) for ticker, sums in assets.items()),
        positions=tuple(
            CtPosition.model_construct(ticker=t, label=label, amount=amount)
            for (t, label), amount in positions.items()
        ),
    )


class _Sums:
    """One ticker's running sums while a file is read."""

    __slots__ = ("amount", "dead", "gross_amount", "gross_value", "name", "value")

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.dead = False
        self.amount = self.value = self.gross_amount = self.gross_value = Decimal(0)

    def add(self, row: RowValues) -> None:
        self.dead = self.dead or row.dead
        self.amount += row.amount
        self.value += row.value_usd
        self.gross_amount += abs(row.amount)
        self.gross_value += abs(row.value_usd)

    def asset(self, ticker: str) -> CtAsset:
        return CtAsset(
            ticker=ticker,
            name=self.name,
            dead=self.dead,
            amount=self.amount,
            value_usd=self.value,
            gross_amount=self.gross_amount,
            gross_value_usd=self.gross_value,
        )
