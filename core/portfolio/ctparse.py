"""Parse CoinTracking CSV exports into typed rows, strictly, with file:line:column errors.

Three export types describe a portfolio; the header says which one a file is:

* **Current Balance**: one row per coin, no location (``Ticker; Name; Type; Amount;
  Value in USD; ...``);
* **Balance by Exchange**: one row per (coin, exchange) (``Amount, Currency,
  Current value in USD, Current value in BTC, Exchange``);
* **Coins by Exchange**: the same positions, with the coin in a ``"SYM (Name) by Exchange"``
  cell (``Amount; Exchange; Current value in USD; Current value in BTC; Coin``).

Whatever the delimiter (``;``, ``,``, tab, ``|``), byte-order mark and line endings. Columns
are found by name, so their order does not matter, but a missing required column or an unknown
one is refused. Numbers use a dot decimal and may carry comma thousands separators, which one
real export misplaces (``"3843,208.00000000"`` is 3 843 208); anything else (``"0,5"``,
``"1e5"``, ``"12x"``) is refused rather than guessed. Non-breaking spaces are normalised
(``"Coin\u00a0(dead)"``). Negative amounts and values are real (negative dust, loans) and kept.

Parsing is pure: it takes the file's bytes and its name, and returns values or raises
:class:`~core.errors.DataError` naming the file, the line, the field number and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from core.errors import DataError
from core.models import ZERO, Model

DELIMITERS = (";", ",", "\t", "|")
_NUMBER_RE = re.compile(r"(?P<sign>[+-]?)(?P<int>\d+(?:,\d{3})*)(?:\.(?P<frac>\d+))?")
_COIN_CELL_RE = re.compile(r"(?P<sym>\S+)(?: \((?P<name>.*)\))? by Exchange")


class ExportKind(StrEnum):
    CURRENT_BALANCE = "current_balance"
    BALANCE_BY_EXCHANGE = "balance_by_exchange"
    COINS_BY_EXCHANGE = "coins_by_exchange"

    @property
    def has_locations(self) -> bool:
        return self is not ExportKind.CURRENT_BALANCE

    @property
    def label(self) -> str:
        """The export's name in CoinTracking, e.g. 'Balance by Exchange'."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    ExportKind.CURRENT_BALANCE: "Current Balance",
    ExportKind.BALANCE_BY_EXCHANGE: "Balance by Exchange",
    ExportKind.COINS_BY_EXCHANGE: "Coins by Exchange",
}
# Column name as CoinTracking writes it -> field of CtRow ("" = read but not kept).
_COLUMNS: dict[ExportKind, tuple[dict[str, str], dict[str, str]]] = {
    ExportKind.CURRENT_BALANCE: (
        {"Ticker": "ticker", "Amount": "amount", "Value in USD": "value_usd"},
        {
            "Name": "name",
            "Type": "coin_type",
            "Value in BTC": "value_btc",
            "Price in USD": "price_usd",
            "% of total": "",
            "Price in BTC": "",
            "Trend 1h in %": "",
            "Trend 24h in %": "",
            "Trend 7d in %": "",
            "Trend 30d in %": "",
        },
    ),
    ExportKind.BALANCE_BY_EXCHANGE: (
        {
            "Amount": "amount",
            "Currency": "ticker",
            "Current value in USD": "value_usd",
            "Exchange": "label",
        },
        {"Current value in BTC": "value_btc"},
    ),
    ExportKind.COINS_BY_EXCHANGE: (
        {
            "Amount": "amount",
            "Exchange": "label",
            "Current value in USD": "value_usd",
            "Coin": "coin",
        },
        {"Current value in BTC": "value_btc"},
    ),
}
_DISPLAY = {name.casefold(): name for req, opt in _COLUMNS.values() for name in (*req, *opt)}
# The same, keyed by normalised (case-folded) column name, for matching headers.
_LAYOUTS = {
    kind: (
        {k.casefold(): v for k, v in required.items()},
        {k.casefold(): v for k, v in optional.items()},
    )
    for kind, (required, optional) in _COLUMNS.items()
}
_NUMERIC = {"amount", "value_usd", "value_btc", "price_usd"}


class CtRow(Model):
    """One data row of a CoinTracking export."""

    line: int = Field(description="Physical line the row starts on (1-based, header is 1).")
    ticker: str = Field(description="CoinTracking's ticker as written, e.g. 'SOL2'.")
    name: str | None = None
    coin_type: str | None = Field(default=None, description="'Coin', 'Coin (dead)', 'Other'...")
    amount: Decimal
    value_usd: Decimal
    value_btc: Decimal | None = None
    price_usd: Decimal | None = None
    label: str | None = Field(default=None, description="Exchange/wallet label, if any.")

    @property
    def dead(self) -> bool:
        """CoinTracking marks coins that no longer trade as ``Coin (dead)``."""
        return self.coin_type is not None and "dead" in self.coin_type.casefold()


class CtExport(Model):
    """A parsed export: its kind, how it was written, and its rows."""

    path: str
    kind: ExportKind
    delimiter: str
    rows: tuple[CtRow, ...]

    @property
    def total_usd(self) -> Decimal:
        """The file's own total: the sum of its USD value column."""
        return sum((r.value_usd for r in self.rows), ZERO)


def clean_text(value: str) -> str:
    """Non-breaking spaces to spaces, runs of whitespace collapsed, ends stripped."""
    return " ".join(value.replace("\u00a0", " ").split())


def parse_number(text: str) -> Decimal:
    """A CoinTracking number: dot decimal, optional comma thousands groups; ValueError else."""
    match = _NUMBER_RE.fullmatch(text.replace("\u00a0", " ").strip())
    if match is None:
        raise ValueError(f"bad number {text!r}")
    digits = match["int"].replace(",", "")
    frac = match["frac"]
    return Decimal(f"{match['sign']}{digits}.{frac}" if frac else f"{match['sign']}{digits}")


def parse_coin_cell(text: str) -> tuple[str, str | None]:
    """``"SOL2 (Solana) by Exchange"`` → ``("SOL2", "Solana")``; ``"4BELT by Exchange"`` too."""
    match = _COIN_CELL_RE.fullmatch(clean_text(text))
    if match is None:
        raise ValueError(f"expected 'SYMBOL (Name) by Exchange', found {text!r}")
    name = match["name"]
    return match["sym"], (name or None)


def decode(data: bytes, path: str) -> str:
    """UTF-8 text without its byte-order mark; DataError at the line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"not UTF-8 text ({exc.reason})", path=path, line=line) from exc


def parse_export(data: bytes | str, path: str) -> CtExport:
    """Parse one CoinTracking export (any of the three kinds) from its bytes or text."""
    text = decode(data, path) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if not text.strip():
        raise DataError("empty file", path=path, line=1)
    delimiter, kind, header, names = _detect(text, path)
    required, optional = _LAYOUTS[kind]
    fields = [required.get(h, optional.get(h, "")) for h in header]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[CtRow] = []
    for line, record in _records(reader, text, delimiter, path):
        if line == 1:
            continue
        if not record or record == [""]:
            continue  # a blank line: nothing there
        if len(record) != len(header):
            column = min(len(record), len(header)) + 1
            raise DataError(
                f"expected {len(header)} fields, found {len(record)} (truncated or shifted row?)",
                path=path,
                line=line,
                column=column,
            )
        rows.append(_row(record, names, fields, line, path))
    if not rows:
        raise DataError("no data rows after the header", path=path, line=2)
    return CtExport(path=path, kind=kind, delimiter=delimiter, rows=tuple(rows))


def _detect(text: str, path: str) -> tuple[str, ExportKind, list[str], list[str]]:
    """Find the delimiter and layout whose columns best match the header line.

    Returns the delimiter, the layout, the normalised and the raw column names.
    """
    first = text.splitlines()[0]
    best: tuple[int, str, ExportKind, list[str]] | None = None
    for delimiter in DELIMITERS:
        try:
            header = [_norm_header(h) for h in next(csv.reader([first], delimiter=delimiter))]
        except csv.Error:
            continue
        if len(header) < 2:
            continue
        for kind, (required, optional) in _LAYOUTS.items():
            matched = sum(1 for h in header if h in required or h in optional)
            if best is None or matched > best[0]:
                best = (matched, delimiter, kind, header)
    if best is None or best[0] < 2:
        layouts = "; ".join(
            f"{kind.label}: {', '.join(required)}" for kind, (required, _) in _COLUMNS.items()
        )
        raise DataError(
            f"not a CoinTracking export: header {first[:60]!r} matches no known layout ({layouts})",
            path=path,
            line=1,
            column=1,
        )
    _, delimiter, kind, header = best
    raw = [
        clean_text(h.removeprefix("\ufeff")) for h in next(csv.reader([first], delimiter=delimiter))
    ]
    required, optional = _LAYOUTS[kind]
    unknown = [i for i, h in enumerate(header) if h not in required and h not in optional]
    missing = [r for r in required if r not in header]
    dupes = [i for i, h in enumerate(header) if h in header[:i]]
    if unknown or missing or dupes:
        problems = [f"unexpected column {raw[i]!r}" for i in unknown]
        problems += [f"duplicate column {raw[i]!r}" for i in dupes]
        problems += [f"missing column {_DISPLAY[m]!r}" for m in missing]
        column = (unknown or dupes or [len(header)])[0] + 1
        raise DataError(
            f"{kind.label} header: {'; '.join(problems)}", path=path, line=1, column=column
        )
    return delimiter, kind, header, raw


def _norm_header(cell: str) -> str:
    return clean_text(cell.removeprefix("\ufeff")).casefold()


def _records(
    reader: Iterator[list[str]], text: str, delimiter: str, path: str
) -> Iterator[tuple[int, list[str]]]:
    """Yield (start line, record); a CSV syntax error becomes a DataError at its field."""
    line_num = 0
    while True:
        start = line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            column = _field_at_error(text, start, delimiter)
            raise DataError(f"malformed CSV: {exc}", path=path, line=start, column=column) from exc
        line_num = reader.line_num  # type: ignore[attr-defined]  # csv reader objects have it
        yield start, record


def _field_at_error(text: str, line: int, delimiter: str) -> int:
    """The field (1-based) where an unbalanced quote opens on ``line``."""
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    field, quoted = 1, False
    for char in source:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            field += 1
    return field


def _row(
    record: Sequence[str], header: Sequence[str], fields: Sequence[str], line: int, path: str
) -> CtRow:
    values: dict[str, object] = {"line": line}
    for index, (raw, field) in enumerate(zip(record, fields, strict=True)):
        if not field:
            continue

        def fail(problem: str, index: int = index) -> DataError:
            return DataError(
                f"{problem} in column {header[index]!r}", path=path, line=line, column=index + 1
            )

        cell = raw.replace("\u00a0", " ").strip()
        if field in _NUMERIC:
            if not cell:
                if field in ("value_btc", "price_usd"):
                    continue
                raise fail("missing number")
            try:
                values[field] = parse_number(cell)
            except ValueError as exc:
                raise fail(str(exc)) from exc
        elif field == "coin":
            try:
                values["ticker"], values["name"] = parse_coin_cell(cell)
            except ValueError as exc:
                raise fail(str(exc)) from exc
        else:
            text = clean_text(cell)
            if field in ("ticker", "label") and not text:
                raise fail("empty value")
            values[field] = text or None
    return CtRow.model_validate(values)
