"""The import and holdings commands end to end, on the real exports (no database)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.portfolio.valuation import exact_sum
from tests.portfolio.ctfiles import BALANCE_BY_EXCHANGE, COINS_BY_EXCHANGE, CURRENT_BALANCE


def test_import_dry_run_summary(ct_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(ct_dir / BALANCE_BY_EXCHANGE), str(ct_dir / CURRENT_BALANCE)]
    assert main(["import", "cointracking", *files, "--dry-run", "--json", "--allow-negative"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["total_usd"] == "420900.77"  # Current Balance's own total
    assert [f["kind"] for f in summary["files"]] == ["balance_by_exchange", "current_balance"]
    assert summary["as_of"] == "2025-08-26T00:00:00+00:00"  # from the file name
    assert summary["unmapped_labels"] == []
    assert "import_id" not in summary


def test_import_refuses_a_corrupted_file(
    ct_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (ct_dir / COINS_BY_EXCHANGE).read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(data.replace(b'"16.81404761"', b'"16.81.404761"', 1))
    line = data[: data.index(b'"16.81404761"')].count(b"\n") + 1
    good = str(ct_dir / CURRENT_BALANCE)
    assert main(["import", "cointracking", good, str(bad), "--dry-run", "--allow-negative"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"cockpit: bad input: {bad}:{line}:1: bad number '16.81.404761' in column 'Amount'\n"
    )


def test_import_refuses_two_per_exchange_files(
    ct_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(ct_dir / BALANCE_BY_EXCHANGE), str(ct_dir / COINS_BY_EXCHANGE)]
    assert main(["import", "cointracking", *files, "--dry-run", "--allow-negative"]) == 1
    assert "hold the same positions" in capsys.readouterr().err


@pytest.mark.parametrize("by", ["group", "location", "asset"])
def test_holdings_json_adds_up(ct_dir: Path, by: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ct_dir / BALANCE_BY_EXCHANGE)
    assert main(["holdings", "--file", path, "--allow-negative", "--by", by, "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    rows = [Decimal(r["value"]) for r in view["rows"]]
    assert exact_sum(rows) == Decimal(view["visible"])
    assert exact_sum([Decimal(view["visible"]), Decimal(view["hidden"])]) == Decimal(view["total"])
    assert abs(Decimal(view["total"]) - Decimal("420893.96")) <= Decimal("0.01")
    # prices from an import dated 26.08.2025 are flagged stale, not passed off as current
    assert view["stale"]


def test_holdings_csv_and_table_rounding_adds_up(
    ct_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(ct_dir / BALANCE_BY_EXCHANGE)
    assert main(["holdings", "--file", path, "--allow-negative", "--by", "asset", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["asset"] == "BTC" and rows[0]["price_source"] == "import STALE"
    shown = sum(Decimal(r["value_usd"]) for r in rows)
    assert main(["holdings", "--file", path, "--allow-negative", "--by", "group"]) == 0
    table = capsys.readouterr().out.splitlines()
    total_line = next(line for line in table if line.startswith("total shown"))
    group_values = [Decimal(line.split()[-5].replace(",", "")) for line in table[1:12]]
    assert sum(group_values) == Decimal(total_line.split()[2].replace(",", "")) == shown


def test_holdings_privacy_masks_amounts(
    ct_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("ui:\n  privacy: true\n", encoding="utf-8")
    path = str(ct_dir / BALANCE_BY_EXCHANGE)
    assert (
        main(
            ["holdings", "--config", str(cfg), "--file", path, "--allow-negative", "--by", "asset"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "•••" in out and "167,140" not in out and "1.5219" not in out
    assert (
        main(["holdings", "--config", str(cfg), "--file", path, "--allow-negative", "--json"]) == 0
    )
    view = json.loads(capsys.readouterr().out)
    assert view["total"] == "•••" and all(r["value"] == "•••" for r in view["rows"])


def test_holdings_from_db_reports_missing_store(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["holdings", "--db", "/nonexistent/x.db"])
    assert code == 1
    assert capsys.readouterr().err.startswith("cockpit: storage error:")
