"""The three CoinTracking export layouts, their typed rows and what a parsed export holds.

:mod:`core.portfolio.ctparse` reads files; this module says what their columns mean, turns one
CSV record into a :class:`CtRow` (or a :class:`~core.errors.DataError` at its column), and
defines the folded :class:`CtExport` the importer consumes.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import Field

from core.errors import DataError
from core.models import Model
from core.portfolio.ctcells import check_text, clean_text, parse_coin_cell, parse_number

DELIMITERS = (";", ",", "\t", "|")
SHORT_KINDS = ("margin", "futures", "short", "borrow", "loan", "lending", "debt")
"""Words that mark a short, borrow or loan position in a location label or a row's type:
such rows may hold a negative amount."""


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
MAX_VALUE = 10**15
"""Largest value or price a row may state (USD or BTC): a quadrillion is corruption."""


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


class CtAsset(Model):
    """One ticker's rows folded: sums over its rows with a non-zero amount."""

    ticker: str
    name: str | None = Field(default=None, description="The first name a row gave it.")
    dead: bool = Field(default=False, description="A non-zero row is 'Coin (dead)'.")
    amount: Decimal
    value_usd: Decimal
    gross_amount: Decimal = Field(description="Sum of absolute amounts.")
    gross_value_usd: Decimal = Field(description="Sum of absolute values.")


class CtPosition(Model):
    """The summed amount of one ticker at one location label (None: no location column)."""

    ticker: str
    label: str | None
    amount: Decimal


class CtExport(Model):
    """A parsed export, folded: its kind, how it was written, and its sums."""

    path: str
    kind: ExportKind
    delimiter: str
    row_count: int = Field(description="Data rows read.")
    zero_rows: int = Field(description="Rows with a zero amount (kept out of the sums).")
    negative_rows: int = Field(description="Rows with a negative amount that were accepted.")
    total_usd: Decimal = Field(description="The file's own total: the sum of its USD column.")
    assets: tuple[CtAsset, ...] = Field(description="Per ticker, in order of first appearance.")
    positions: tuple[CtPosition, ...] = Field(description="Per (ticker, label), non-zero rows.")


def detect_layout(first: str, path: str) -> tuple[str, ExportKind, list[str], list[str]]:
    """Find the delimiter and layout whose columns best match the header line.

    Returns the delimiter, the layout, each column's CtRow field and the raw column names.
    """
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
        problems = [f"unexpected column {raw[i][:40]!r}" for i in unknown]
        problems += [f"duplicate column {raw[i][:40]!r}" for i in dupes]
        problems += [f"missing column {_DISPLAY[m]!r}" for m in missing]
        column = (unknown or dupes or [len(header)])[0] + 1
        raise DataError(
            f"{kind.label} header: {'; '.join(problems)}", path=path, line=1, column=column
        )
    fields = [required.get(h, optional.get(h, "")) for h in header]
    return delimiter, kind, fields, raw


def _norm_header(cell: str) -> str:
    return clean_text(cell.removeprefix("\ufeff")).casefold()


def is_short_kind(text: str | None) -> bool:
    """True when a label or type names a short, borrow or loan position (:data:`SHORT_KINDS`)."""
    if not text:
        return False
    words = text.casefold().replace("-", " ").replace("/", " ").split()
    return any(word.startswith(kind) for word in words for kind in SHORT_KINDS)


class RowValues(NamedTuple):
    """A checked row, before (or instead of) becoming a :class:`CtRow`: cheap to build for
    the hundreds of thousands of rows a large export holds."""

    line: int
    ticker: str
    name: str | None
    coin_type: str | None
    amount: Decimal
    value_usd: Decimal
    value_btc: Decimal | None
    price_usd: Decimal | None
    label: str | None

    @property
    def dead(self) -> bool:
        return self.coin_type is not None and "dead" in self.coin_type.casefold()


def row_from_record(
    record: Sequence[str],
    header: Sequence[str],
    fields: Sequence[str],
    line: int,
    path: str,
    allow_negative: bool,
) -> RowValues:
    """One CSV record, checked; DataError naming the offending column."""
    values: dict[str, Any] = {
        "line": line,
        "name": None,
        "coin_type": None,
        "label": None,
        "value_btc": None,
        "price_usd": None,
    }
    amount_column = 0
    for index, field in enumerate(fields):
        if not field:
            continue
        raw = record[index]
        try:
            if field in _NUMERIC:
                cell = raw.replace("\u00a0", " ").strip()
                if not cell:
                    if field in ("value_btc", "price_usd"):
                        continue
                    raise ValueError("missing number")
                number = values[field] = parse_number(cell)
                if field == "amount":
                    amount_column = index + 1
                elif abs(number) > MAX_VALUE:
                    raise ValueError(f"value {cell[:24]!r} beyond {MAX_VALUE:,}")
            elif field == "coin":
                values["ticker"], values["name"] = parse_coin_cell(raw)
            else:
                text = check_text(raw)
                if field in ("ticker", "label") and not text:
                    raise ValueError("empty value")
                values[field] = text or None
        except ValueError as exc:
            raise DataError(
                f"{exc} in column {header[index]!r}", path=path, line=line, column=index + 1
            ) from exc
    row = RowValues(**values)
    if row.amount < 0 and not allow_negative and not _may_be_negative(row):
        raise DataError(
            f"negative amount {row.amount:f} of {row.ticker}"
            + (f" at {row.label!r}" if row.label else "")
            + " in column 'Amount': only short, borrow or loan positions (a label or type "
            f"naming {'/'.join(SHORT_KINDS)}) may be negative; pass --allow-negative to keep "
            "CoinTracking's negative balances",
            path=path,
            line=line,
            column=amount_column,
        )
    return row


def _may_be_negative(row: RowValues) -> bool:
    return is_short_kind(row.label) or is_short_kind(row.coin_type)
