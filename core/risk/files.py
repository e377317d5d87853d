"""Readers for ``cockpit risk``'s input files, with errors that name file, line and column.

``PRICES.csv`` is wide: a ``date`` column (ISO 8601, UTC; a date alone means midnight UTC,
an explicit offset is converted) and one column of closes per symbol. Empty cells are missing
closes and stay missing. The bar length is the smallest step between rows (a day, an hour...),
and every row must sit on that grid. ``WEIGHTS.json`` maps symbol to weight; ``GROUPS.json``
maps symbol to one of the 11 groups.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core.config import GROUPS
from core.errors import DataError
from core.risk.history import DAY, PriceHistory, bar_label, base_symbol, to_datetime


def _parse_time(text: str, path: str, line: int) -> int:
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"not an ISO date: {text!r}", path=path, line=line, column="date") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)  # the format is defined as UTC
    return int(stamp.timestamp())


def read_prices_csv(path: Path) -> PriceHistory:
    """Read a wide close-price CSV into a :class:`PriceHistory` (see the module docstring)."""
    name = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise DataError(exc.strerror or str(exc), path=name) from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise DataError("empty file", path=name, line=1)
            header = [h.strip() for h in header]
            if not header or header[0].lower() != "date":
                raise DataError("first column must be 'date'", path=name, line=1, column=1)
            symbols = header[1:]
            if not symbols:
                raise DataError("no symbol columns after 'date'", path=name, line=1)
            for i, s in enumerate(symbols, start=2):
                if not s:
                    raise DataError("empty column name", path=name, line=1, column=i)
                if symbols.index(s) != i - 2:
                    raise DataError(f"duplicate column {s!r}", path=name, line=1, column=i)
            stamps: list[int] = []
            lines: list[int] = []
            rows: list[list[float]] = []
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{len(row)} fields, the header has {len(header)}", path=name, line=line
                    )
                stamps.append(_parse_time(row[0], name, line))
                lines.append(line)
                values = []
                for symbol, cell in zip(symbols, row[1:], strict=True):
                    cell = cell.strip()
                    if not cell:
                        values.append(math.nan)
                        continue
                    try:
                        value = float(cell)
                    except ValueError:
                        value = math.nan
                        ok = False
                    else:
                        ok = math.isfinite(value) and value > 0
                    if not ok:
                        raise DataError(
                            f"close must be a positive number, not {cell!r}",
                            path=name,
                            line=line,
                            column=symbol,
                        )
                    values.append(value)
                rows.append(values)
        except csv.Error as exc:
            raise DataError(str(exc), path=name, line=reader.line_num) from exc
    if len(stamps) < 2:
        raise DataError("need at least two rows of closes", path=name)
    times = np.asarray(stamps, dtype=np.int64)
    order = np.argsort(times, kind="stable")
    times = times[order]
    steps = np.diff(times)
    if (steps == 0).any():
        dup = int(order[int(np.flatnonzero(steps == 0)[0]) + 1])
        raise DataError("duplicate date", path=name, line=lines[dup], column="date")
    bar = int(steps.min())
    off_grid = (times - times[0]) % bar != 0
    if off_grid.any():
        bad = int(order[int(np.flatnonzero(off_grid)[0])])
        raise DataError(
            f"not on the {bar_label(bar)} grid of the other rows",
            path=name,
            line=lines[bad],
            column="date",
        )
    block = np.asarray(rows, dtype=np.float64)[order]
    grid = np.arange(times[0], times[-1] + bar, bar, dtype=np.int64)
    closes = np.full((grid.size, len(symbols)), np.nan)
    closes[(times - times[0]) // bar] = block
    return PriceHistory(tuple(symbols), grid, closes, bar)


PRICES_SOURCE = "import"
"""The ``daily_closes`` source that ``cockpit import prices`` writes."""


def read_daily_closes(path: Path) -> dict[str, list[tuple[datetime, float]]]:
    """A wide CSV of daily closes as series per asset (``BTC-USD`` and ``BTC`` are ``BTC``),
    missing cells left out. Rows must be one UTC day apart; two columns naming one asset are
    an error naming both."""
    history = read_prices_csv(path)
    if history.bar_seconds != DAY:
        raise DataError(
            f"rows are {history.bar} apart: stored history is daily closes, one row per UTC day",
            path=str(path),
        )
    out: dict[str, list[tuple[datetime, float]]] = {}
    column_of: dict[str, str] = {}
    for col, symbol in enumerate(history.symbols):
        asset = base_symbol(symbol)
        if asset in column_of:
            raise DataError(
                f"columns {column_of[asset]!r} and {symbol!r} are both {asset}",
                path=str(path),
                line=1,
                column=symbol,
            )
        column_of[asset] = symbol
        values = history.closes[:, col]
        out[asset] = [
            (to_datetime(t), float(v))
            for t, v in zip(history.times, values, strict=True)
            if not math.isnan(v)
        ]
    return out


MAX_JSON_BYTES = 16 * 1024 * 1024
"""Largest weights/groups file read."""
MAX_WEIGHT = 1e15
"""Largest weight: weights are fractions, percentages or USD amounts, rescaled to sum to 1;
anything larger (1e308 summed to infinity and left every figure n/a) is a mistake."""
_MAX_NUMBER_CHARS = 64
"""Longest number literal accepted in a weights file (a weight needs ~17 digits)."""


def _bounded_number(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        if len(text) > _MAX_NUMBER_CHARS:
            raise _NumberTooLong(text)
        return kind(text)

    return parse


class _NumberTooLong(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _read_json_object(path: Path) -> tuple[dict[str, object], str]:
    """A flat JSON object, with bounded size, numbers and depth; DataError otherwise."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise DataError(exc.strerror or str(exc), path=name) from exc
    if len(raw) > MAX_JSON_BYTES:
        raise DataError(f"larger than {MAX_JSON_BYTES // 2**20} MiB", path=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"not UTF-8 text ({exc.reason})", path=name, line=line) from None
    try:
        data = json.loads(
            text,
            parse_int=_bounded_number(int),
            parse_float=_bounded_number(float),
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise DataError(exc.msg, path=name, line=exc.lineno, column=exc.colno) from exc
    except _NumberTooLong as exc:
        at = text.find(exc.text)
        raise DataError(
            f"number too long ({len(exc.text)} digits; at most {_MAX_NUMBER_CHARS})",
            path=name,
            line=text.count("\n", 0, at) + 1,
            column=at - text.rfind("\n", 0, at),
        ) from None
    except ValueError as exc:
        raise DataError(str(exc), path=name) from None
    except RecursionError:
        raise DataError("nested too deep: expected a flat JSON object", path=name) from None
    if not isinstance(data, dict):
        raise DataError("must be a JSON object mapping symbol to value", path=name, line=1)
    return data, text


def _shown(value: object) -> str:
    """A short JSON rendering of a bad value (never the whole of a nested one)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _line_of(text: str, key: str) -> int | None:
    at = text.find(json.dumps(key))
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def read_weights_json(path: Path) -> dict[str, float]:
    """``{"BTC": 0.6, "ETH": 0.4}``: numbers from 0 to :data:`MAX_WEIGHT`, rescaled later to
    sum to 1; the sum must be positive."""
    data, text = _read_json_object(path)
    weights: dict[str, float] = {}
    for symbol, value in data.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 <= value <= MAX_WEIGHT
        ):
            raise DataError(
                f"weight must be a number from 0 to {MAX_WEIGHT:g}, not {_shown(value)}",
                path=str(path),
                line=_line_of(text, symbol),
                column=symbol[:40],
            )
        weights[symbol] = float(value)
    if not weights or sum(weights.values()) <= 0:
        raise DataError("weights sum to zero: nothing to measure", path=str(path))
    return weights


def read_groups_json(path: Path) -> dict[str, str]:
    """``{"BTC": "BTC", "UNI": "DeFi"}``: each value one of the 11 groups."""
    data, text = _read_json_object(path)
    groups: dict[str, str] = {}
    for symbol, value in data.items():
        if not isinstance(value, str) or value not in GROUPS:
            raise DataError(
                f"unknown group {_shown(value)}; groups are {', '.join(GROUPS)}",
                path=str(path),
                line=_line_of(text, symbol),
                column=symbol[:40],
            )
        groups[symbol] = value
    return groups
