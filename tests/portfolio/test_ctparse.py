"""Parsing CoinTracking exports: the three real files, their variants, and corrupted copies."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pytest

from core.errors import DataError
from core.portfolio.ctcells import parse_coin_cell, parse_number
from core.portfolio.ctparse import ExportKind, parse_export, parse_rows
from tests.portfolio.ctfiles import (
    ALL_EXPORTS,
    BALANCE_BY_EXCHANGE,
    COINS_BY_EXCHANGE,
    CURRENT_BALANCE,
)

KINDS = {
    CURRENT_BALANCE: (ExportKind.CURRENT_BALANCE, ";", 946),
    BALANCE_BY_EXCHANGE: (ExportKind.BALANCE_BY_EXCHANGE, ",", 306),
    COINS_BY_EXCHANGE: (ExportKind.COINS_BY_EXCHANGE, ";", 306),
}


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_real_exports_are_detected_and_parsed(ct_dir: Path, name: str) -> None:
    export = parse_export((ct_dir / name).read_bytes(), name, allow_negative=True)
    kind, delimiter, rows = KINDS[name]
    assert (export.kind, export.delimiter, export.row_count) == (kind, delimiter, rows)
    # the file's own total equals the sum of its value column, read independently
    with (ct_dir / name).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader)
        col = next(i for i, h in enumerate(header) if "USD" in h and "alue" in h)
        expected = sum((Decimal(r[col]) for r in reader), Decimal(0))
    assert export.total_usd == expected
    parsed = parse_rows((ct_dir / name).read_bytes(), name)
    assert parsed[0].line == 2 and parsed[-1].line == rows + 1 and len(parsed) == rows


def test_current_balance_details(ct_dir: Path) -> None:
    rows = parse_rows((ct_dir / CURRENT_BALANCE).read_bytes(), CURRENT_BALANCE)
    by_ticker = {r.ticker: r for r in rows}
    assert by_ticker["BTC"].amount == Decimal("1.52191480")
    assert by_ticker["BUSD"].amount < 0 and by_ticker["BUSD"].value_usd == Decimal("-1684.67")
    dead = [r for r in rows if r.dead]
    assert len(dead) == 10
    assert {r.coin_type for r in dead} == {"Coin (dead)"}  # the NBSP is normalised
    assert by_ticker["LUNA2"].name == "Terra Classic"


def test_coins_by_exchange_cells_and_thousands_separators(ct_dir: Path) -> None:
    rows = parse_rows((ct_dir / COINS_BY_EXCHANGE).read_bytes(), COINS_BY_EXCHANGE)
    air = next(r for r in rows if r.ticker == "AIR")
    assert (air.name, air.amount, air.label) == (
        "AirCoin",
        Decimal(3843208),
        "Metamask - BSC - Std",
    )
    elongate = sorted(r.amount for r in rows if r.ticker == "ELONGATE")
    assert elongate == [Decimal("193708596.04610300"), Decimal("1508213014.60514045")]
    assert {r.label for r in rows if r.label == "No Exchange"} == {"No Exchange"}
    nameless = [r for r in rows if r.name is None]
    assert nameless and all(r.ticker for r in nameless)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3843,208.00000000", Decimal("3843208")),
        ("1508,213,014.60514045", Decimal("1508213014.60514045")),
        ("-0.00008169", Decimal("-0.00008169")),
        ("1,234", Decimal(1234)),
        ("\u00a0 7 ", Decimal(7)),
        ("0", Decimal(0)),
    ],
)
def test_numbers(text: str, value: Decimal) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["0,5", "1e5", "12x", "", "1,23.4", "1.2.3", "- 1", "1 000"])
def test_bad_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_coin_cells() -> None:
    assert parse_coin_cell("POL3 (POL prev. MATIC) by Exchange") == ("POL3", "POL prev. MATIC")
    assert parse_coin_cell("4BELT by Exchange") == ("4BELT", None)
    assert parse_coin_cell("X (Name (old)) by\u00a0Exchange") == ("X", "Name (old)")
    with pytest.raises(ValueError):
        parse_coin_cell("BTC")


def _rewrite(text: str, delimiter: str, newline: str, quoting: Literal[0, 1, 2, 3]) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting).writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(
    ("delimiter", "newline", "quoting", "bom"),
    [
        ("\t", "\n", csv.QUOTE_MINIMAL, False),
        (";", "\r", csv.QUOTE_ALL, True),
        ("|", "\r\n", csv.QUOTE_NONNUMERIC, False),
    ],
)
def test_any_delimiter_bom_and_line_ending(
    ct_dir: Path, delimiter: str, newline: str, quoting: Literal[0, 1, 2, 3], bom: bool
) -> None:
    original = parse_export(
        (ct_dir / BALANCE_BY_EXCHANGE).read_bytes(), "a.csv", allow_negative=True
    )
    text = (ct_dir / BALANCE_BY_EXCHANGE).read_text("utf-8-sig")
    variant = ("\ufeff" if bom else "") + _rewrite(text, delimiter, newline, quoting) + "\n\n"
    parsed = parse_export(variant.encode(), "b.csv", allow_negative=True)
    assert parsed.delimiter == delimiter
    assert parsed.model_copy(update={"path": "a.csv", "delimiter": ","}) == original
    assert parse_rows(variant, "b.csv") == parse_rows(text, "a.csv")


# ----------------------------------------------------------------------------- corrupted copies


def _lines(ct_dir: Path, name: str) -> list[str]:
    text = (ct_dir / name).read_bytes().decode("utf-8-sig")
    return text.split("\r\n" if " by " in name else "\n")


def _corrupt(tmp_path: Path, name: str, lines: list[str], sep: str) -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" + sep.join(lines)).encode())
    return path


def _refused(path: Path) -> str:
    with pytest.raises(DataError) as info:
        parse_export(path.read_bytes(), str(path), allow_negative=True)
    return str(info.value)


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_wrong_columns_are_refused_with_position(ct_dir: Path, tmp_path: Path, name: str) -> None:
    lines = _lines(ct_dir, name)
    sep = "\r\n" if " by " in name else "\n"
    header = lines[0].split('"')
    header[header.index("Amount")] = "Amnt"
    lines[0] = '"'.join(header)
    delimiter = KINDS[name][1]
    column = lines[0].split(delimiter).index('"Amnt"') + 1
    message = _refused(_corrupt(tmp_path, name, lines, sep))
    assert message.startswith(f"{tmp_path / name}:1:{column}: ")
    assert "unexpected column 'Amnt'" in message and "missing column 'Amount'" in message


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_bad_number_is_refused_with_position(ct_dir: Path, tmp_path: Path, name: str) -> None:
    lines = _lines(ct_dir, name)
    sep = "\r\n" if " by " in name else "\n"
    delimiter = KINDS[name][1]
    row = 120
    cells = lines[row - 1].split(delimiter)
    column = lines[0].split(delimiter).index('"Amount"') + 1
    cells[column - 1] = '"12x.5"'
    lines[row - 1] = delimiter.join(cells)
    message = _refused(_corrupt(tmp_path, name, lines, sep))
    assert message.startswith(f"{tmp_path / name}:{row}:{column}: ")
    assert "bad number '12x.5'" in message and "'Amount'" in message


@pytest.mark.parametrize("name", ALL_EXPORTS)
@pytest.mark.parametrize("inside_quotes", [True, False])
def test_truncated_file_is_refused_with_position(
    ct_dir: Path, tmp_path: Path, name: str, inside_quotes: bool
) -> None:
    lines = _lines(ct_dir, name)
    sep = "\r\n" if " by " in name else "\n"
    delimiter = KINDS[name][1]
    row = 200
    cells = lines[row - 1].split(delimiter)
    # cut in the middle of the third field, or right after the second one
    kept = [*cells[:2], cells[2][:3]] if inside_quotes else cells[:2]
    lines = [*lines[: row - 1], delimiter.join(kept)]
    message = _refused(_corrupt(tmp_path, name, lines, sep))
    assert message.startswith(f"{tmp_path / name}:{row}:3: "), message


def test_not_an_export_and_empty_and_not_utf8(tmp_path: Path) -> None:
    for content, where in [
        (b"a;b;c\n1;2;3", ":1:1: "),
        (b"", ":1: "),
        (b'"Amount","Currency","Current value in USD","Exchange"', ":2: "),
        (b'"Amount","Currency","Current value in USD","Exchange"\n"1","X","\xff","K"', ":2: "),
    ]:
        path = tmp_path / "x.csv"
        path.write_bytes(content)
        assert f"{path}{where}" in _refused(path)
