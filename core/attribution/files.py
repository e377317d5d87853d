"""Reader for ``cockpit attribution --segments FILE.csv``, with errors naming file:line:column.

Columns (any order, header required): ``period,segment,portfolio_weight,portfolio_return,
benchmark_weight,benchmark_return``. Weights and returns are fractions; weights are those at the
start of the period. Periods keep the order of their first row; each period's weights must sum
to 1 on each side (within :data:`~core.attribution.brinson.WEIGHT_SUM_TOLERANCE`).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from core.attribution.brinson import (
    WEIGHT_SUM_TOLERANCE,
    PeriodAttribution,
    SegmentInput,
    attribute_period,
)
from core.errors import DataError

COLUMNS: tuple[str, ...] = (
    "period",
    "segment",
    "portfolio_weight",
    "portfolio_return",
    "benchmark_weight",
    "benchmark_return",
)
_NUMBERS = COLUMNS[2:]


def read_segments_csv(path: Path) -> list[tuple[str, list[SegmentInput]]]:
    """The periods of a segment file, in file order, each with its segments."""
    name = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")  # a BOM (Excel) is not a column name
    except OSError as exc:
        raise DataError(exc.strerror or str(exc), path=name) from exc
    periods: dict[str, list[SegmentInput]] = {}
    first_line: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            if not header:
                raise DataError("empty file", path=name, line=1)
            for column in COLUMNS:
                if column not in header:
                    raise DataError(f"missing column {column!r}", path=name, line=1, column=column)
            index = {c: header.index(c) for c in COLUMNS}
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{len(row)} fields, the header has {len(header)}", path=name, line=line
                    )
                period = row[index["period"]].strip()
                segment = row[index["segment"]].strip()
                for column, text in (("period", period), ("segment", segment)):
                    if not text:
                        raise DataError("empty", path=name, line=line, column=column)
                if (period, segment) in seen:
                    raise DataError(
                        f"segment {segment!r} of period {period!r} repeats line "
                        f"{seen[(period, segment)]}",
                        path=name,
                        line=line,
                        column="segment",
                    )
                seen[(period, segment)] = line
                values = {c: _number(row[index[c]], name, line, c) for c in _NUMBERS}
                first_line.setdefault(period, line)
                periods.setdefault(period, []).append(SegmentInput(segment=segment, **values))
        except csv.Error as exc:
            raise DataError(str(exc), path=name, line=reader.line_num) from exc
    if not periods:
        raise DataError("no rows after the header", path=name, line=2)
    for period, rows in periods.items():
        for column in ("portfolio_weight", "benchmark_weight"):
            total = math.fsum(getattr(r, column) for r in rows)
            if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
                raise DataError(
                    f"period {period!r}: weights sum to {total:.10g}, not 1",
                    path=name,
                    line=first_line[period],
                    column=column,
                )
    return list(periods.items())


def _number(text: str, path: str, line: int, column: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise DataError(
            f"not a number: {text.strip()!r}", path=path, line=line, column=column
        ) from None
    if not math.isfinite(value):
        raise DataError(
            f"not a finite number: {text.strip()!r}", path=path, line=line, column=column
        )
    if column.endswith("_return") and value <= -1.0:
        raise DataError(
            f"a return of {value} is -100% or worse", path=path, line=line, column=column
        )
    return value


def attribute_file(path: Path) -> list[PeriodAttribution]:
    """Single-period attribution of every period in a segment file."""
    return [attribute_period(period, rows) for period, rows in read_segments_csv(path)]
