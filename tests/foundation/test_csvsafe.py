"""Every CSV the project writes defuses formula prefixes (=, +, -, @, tab, CR) in text cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cockpit.cli import main
from core.csvsafe import csv_writer, safe_cell
from core.execution.audit import AuditRow, export_csv


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("-1E-8", "-1E-8"),
        ("Kraken Earn", "Kraken Earn"),
        ("", ""),
    ],
)
def test_text_cells_that_start_a_formula_are_prefixed(cell: str, written: str) -> None:
    assert safe_cell(cell) == written
    buf = io.StringIO()
    csv_writer(buf, lineterminator="\n").writerow([cell, -4, 2.5, None])
    assert next(csv.reader(io.StringIO(buf.getvalue(), newline=""))) == [written, "-4", "2.5", ""]


def test_the_audit_export_defuses_actor_and_kind() -> None:
    row = AuditRow(
        id=1, ts_ns=5, kind="=1+1", actor="@evil", payload='{"a":1}', prev_hash="", hash="h"
    )
    lines = list(csv.reader(io.StringIO(export_csv([row]))))
    assert lines[1][:5] == ["1", "5", "'=1+1", "'@evil", '{"a":1}']


def test_holdings_csv_defuses_an_imported_asset_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "evil.csv"
    export.write_text(
        '"Amount","Currency","Current value in USD","Current value in BTC","Exchange"\r\n'
        '"1.5","BTC","150000.00","1.5","Kraken"\r\n'
        '"2","@SUM(A1)","5.00","0.1","Kraken"\r\n'
        '"-3","ETH","-9000.00","-0.1","Bitget Margin"',
        encoding="utf-8",
    )
    assert main(["holdings", "--file", str(export), "--by", "asset", "--csv", "--all"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["asset"] for r in rows} == {"BTC", "'@SUM(A1)", "ETH"}
    assert next(r for r in rows if r["asset"] == "ETH")["value_usd"] == "-9000.00"
