"""Hostile CoinTracking exports: each refusal names file:line:column, and nothing is written."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.errors import DataError
from core.portfolio import ctparse
from core.portfolio.ctparse import parse_export, read_export

BY_EXCHANGE = '"Amount","Currency","Current value in USD","Current value in BTC","Exchange"'
CURRENT = '"Ticker";"Name";"Type";"Amount";"Value in USD"'


def _by_exchange(*rows: tuple[str, str, str, str]) -> str:
    """A small 'Balance by Exchange' export: (amount, currency, usd, exchange) per row."""
    lines = [BY_EXCHANGE, '"1.5","BTC","150000.00","1.5","Kraken"']
    lines += [f'"{a}","{c}","{v}","0.1","{e}"' for a, c, v, e in rows]
    return "\ufeff" + "\r\n".join(lines)


def _write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _refusal(path: Path, **kwargs: bool) -> str:
    with pytest.raises(DataError) as info:
        read_export(path, **kwargs)
    return str(info.value)


def test_a_negative_amount_is_refused_at_its_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, _by_exchange(("-1000000", "BTC", "-100000000000.00", "Binance")))
    message = _refusal(path)
    assert message.startswith(f"{path}:3:1: negative amount -1000000 of BTC at 'Binance'")
    assert "--allow-negative" in message and "\n" not in message


def test_a_negative_amount_in_current_balance_names_the_amount_column(tmp_path: Path) -> None:
    text = "\n".join([CURRENT, '"BTC";"Bitcoin";"Coin";"1";"100"', '"X";"";"Other";"-3";"0"'])
    assert _refusal(_write(tmp_path, text)).startswith(f"{tmp_path / 'export.csv'}:3:4: ")


@pytest.mark.parametrize(
    "label", ["Bitget Margin", "Bitget Futures", "Aave Loan", "Kraken Short", "Borrowed - Nexo"]
)
def test_short_borrow_and_loan_accounts_may_be_negative(tmp_path: Path, label: str) -> None:
    path = _write(tmp_path, _by_exchange(("-2", "ETH", "-8000.00", label)))
    export = read_export(path)
    assert export.negative_rows == 1
    assert {(p.ticker, p.amount) for p in export.positions} == {
        ("BTC", Decimal("1.5")),
        ("ETH", Decimal(-2)),
    }


def test_a_loan_type_in_current_balance_may_be_negative(tmp_path: Path) -> None:
    text = "\n".join([CURRENT, '"BTC";"Bitcoin";"Coin";"1";"100"', '"USDT";"";"Loan";"-50";"-50"'])
    assert parse_export(text, "cb.csv").negative_rows == 1


def test_allow_negative_keeps_and_counts_them(tmp_path: Path) -> None:
    path = _write(tmp_path, _by_exchange(("-3", "BUSD", "-3.00", "Binance")))
    export = read_export(path, allow_negative=True)
    assert export.negative_rows == 1 and export.total_usd == Decimal("149997.00")


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("1" * 401, "number too long (401 characters"),
        ("1" * 41, "at most 30 digits before and after the point"),
        ("0." + "0" * 31 + "1", "at most 30 digits before and after the point"),
        ("1" * 25 + "." + "1" * 16, "41 significant digits, at most 40"),
        ("1e400", "bad number"),
        ("Infinity", "bad number"),
        ("NaN", "bad number"),
    ],
)
def test_numbers_beyond_sane_precision_are_refused(tmp_path: Path, amount: str, why: str) -> None:
    path = _write(tmp_path, _by_exchange((amount, "ETH", "1.00", "Kraken")))
    message = _refusal(path)
    assert message.startswith(f"{path}:3:1: ") and why in message, message


def test_forty_significant_digits_still_import_exactly(tmp_path: Path) -> None:
    amount = "1" * 24 + "." + "1" * 16
    path = _write(tmp_path, _by_exchange((amount, "ETH", "2.00", "Kraken")))
    export = read_export(path)
    assert next(p.amount for p in export.positions if p.ticker == "ETH") == Decimal(amount)


@pytest.mark.parametrize(
    ("row", "column", "why"),
    [
        (("1", "BT\x00C", "1.00", "Kraken"), 2, "control character U+0000"),
        (("1", "\u202eCTB", "1.00", "Kraken"), 2, "bidirectional control character U+202E"),
        (("1", "ETH", "1.00", "Kra\u2066ken"), 5, "bidirectional control character U+2066"),
        (("1", "ETH", "1.00", "Kraken\u200f"), 5, "bidirectional control character U+200F"),
        (("1", "ETH", "1.00", "Kra\u200bken"), 5, "invisible formatting character U+200B"),
        (("1", "ETH", "1.00", "Kra\tken"), 5, "control character U+0009"),
        (("1", "ETH", "1.00", "Kra\u2028ken"), 5, "line separator U+2028"),
    ],
)
def test_control_and_bidi_characters_are_refused_in_names(
    tmp_path: Path, row: tuple[str, str, str, str], column: int, why: str
) -> None:
    path = _write(tmp_path, _by_exchange(row))
    message = _refusal(path)
    assert message.startswith(f"{path}:3:{column}: ") and why in message, message


def test_a_control_character_in_a_coin_cell_is_refused(tmp_path: Path) -> None:
    header = '"Amount";"Exchange";"Current value in USD";"Current value in BTC";"Coin"'
    text = "\r\n".join([header, '"1";"Kraken";"1.00";"0.1";"BTC (Bit\u202ecoin) by Exchange"'])
    message = _refusal(_write(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'export.csv'}:2:5: ") and "U+202E" in message


def test_non_breaking_spaces_and_formula_text_are_still_names(tmp_path: Path) -> None:
    path = _write(tmp_path, _by_exchange(("1", "ETH", "1.00", '=HYPERLINK(""x"")\u00a0Wallet')))
    labels = {p.label for p in read_export(path).positions}
    assert '=HYPERLINK("x") Wallet' in labels  # kept as text; CSV writers neutralise it


def test_a_file_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, _by_exchange(("1", "ETH", "1.00", "Kraken")))
    monkeypatch.setattr(ctparse, "MAX_EXPORT_BYTES", 64)
    assert "file too large" in _refusal(path) and "at most 0 MiB" in _refusal(path)


def test_too_many_positions_are_refused_at_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [("1", f"T{i}", "1.00", "Kraken") for i in range(5)]
    path = _write(tmp_path, _by_exchange(*rows))
    monkeypatch.setattr(ctparse, "MAX_POSITIONS", 3)
    assert _refusal(path) == f"{path}:5: more than 3 distinct (coin, location) positions"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "row",
    [
        ("-250000", "BTC", "-256283.00", "Binance"),
        ("9" * 401, "BTC", "1.00", "Binance"),
        ("1", "BTC\x00", "1.00", "Binance"),
        ("1", "BTC", "1.00", "\u202eecnaniB"),
    ],
)
def test_the_cli_refuses_in_one_line_and_leaves_the_database_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: tuple[str, str, str, str]
) -> None:
    db = tmp_path / "c.db"
    good = _write(tmp_path, _by_exchange(), "good.csv")
    assert main(["import", "cointracking", str(good), "--db", str(db)]) == 0
    before = _digest(db)
    capsys.readouterr()
    bad = _write(tmp_path, _by_exchange(row), "bad.csv")
    assert main(["import", "cointracking", str(bad), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"cockpit: bad input: {bad}:3:")
    assert "Traceback" not in captured.err
    assert _digest(db) == before


def test_a_value_beyond_a_quadrillion_is_refused_at_its_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, _by_exchange(("1", "ETH", "1" + "0" * 20, "Kraken")))
    message = _refusal(path)
    assert message.startswith(f"{path}:3:3: value '1000") and "Current value in USD" in message


def test_extreme_but_allowed_numbers_import_and_show_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "123456789012345678901234.1234567890123456"  # 40 significant digits
    tiny = "0." + "0" * 29 + "1"
    path = _write(
        tmp_path,
        _by_exchange((big, "SHIB", "99999999999.12", "Kraken"), (tiny, "ETH", "1.00", "Kraken")),
    )
    db = tmp_path / "c.db"
    assert main(["import", "cointracking", str(path), "--db", str(db)]) == 0
    assert main(["holdings", "--db", str(db), "--by", "asset", "--all", "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_a_position_worth_too_much_at_the_other_files_price_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Per-exchange amounts are valued at Current Balance's prices: 1e20 BTC at $100k each."""
    located = _write(tmp_path, _by_exchange(("1" + "0" * 20, "BTC", "1.00", "Binance")), "a.csv")
    text = "\n".join([CURRENT, '"BTC";"Bitcoin";"Coin";"1";"100000"'])
    balance = _write(tmp_path, text, "b.csv")
    assert main(["import", "cointracking", str(located), str(balance), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cockpit: bad input: {located}: ") and err.count("\n") == 1
    assert "beyond $1E+15" in err


def test_a_line_without_end_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    text = _by_exchange(("1", "ETH", "1.00", "Kraken")) + '\r\n"1","' + "X" * 200_000
    path = _write(tmp_path, text)
    assert _refusal(path) == f"{path}:4: line longer than 65,536 characters"


def test_the_real_export_needs_allow_negative_for_its_negative_balances(
    ct_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.portfolio.ctfiles import BALANCE_BY_EXCHANGE

    path = ct_dir / BALANCE_BY_EXCHANGE
    assert main(["import", "cointracking", str(path), "--dry-run"]) == 1
    assert capsys.readouterr().err.startswith(
        f"cockpit: bad input: {path}:4:1: negative amount -0.00008169 of BTC at 'Binance'"
    )
    assert main(["import", "cointracking", str(path), "--dry-run", "--allow-negative"]) == 0
    assert "21 negative kept" in capsys.readouterr().out
