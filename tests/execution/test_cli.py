"""Headless execution commands: order place/list/cancel, audit verify/export."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from cockpit.cli import main

CONFIG = """\
sim:
  history_days: 60
execution:
  paper:
    latency_ms: 0
    jitter_ms: 0
"""


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG)
    return config, tmp_path / "c.db"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_order_place_list_cancel_and_audit(
    paths: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = paths
    common = ("--config", str(config), "--db", str(db))
    code, out, _ = run(
        capsys, *common, "order", "place", "sim-a", "BTC/USDT", "buy", "0.01", "--id", "cli-mkt"
    )
    assert code == 0 and out.strip() == "ok: cli-mkt filled"
    # A fat-finger limit far below the market: refused by the gate, named, exit 1.
    code, out, _ = run(
        capsys,
        *common,
        "order",
        "place",
        "sim-a",
        "BTC/USDT",
        "buy",
        "0.01",
        "--price",
        "20000",
        "--id",
        "cli-fat",
    )
    assert code == 1 and out.startswith("refused: [price_band]")
    # A resting buy 3 % under the market (inside the 5 % band), then cancelled.
    with sqlite3.connect(db) as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM orders WHERE client_order_id='cli-mkt'"
        ).fetchone()
    import json

    avg = float(json.loads(payload)["avg_price"])
    price = f"{avg * 0.97:.1f}"
    code, out, _ = run(
        capsys,
        *common,
        "order",
        "place",
        "sim-a",
        "BTC/USDT",
        "buy",
        "0.01",
        "--price",
        price,
        "--id",
        "cli-rest",
    )
    assert code == 0 and out.strip() == "ok: cli-rest open"
    code, out, _ = run(capsys, *common, "order", "list")
    assert code == 0 and "cli-rest" in out and "cli-mkt" not in out and "mode paper" in out
    code, out, _ = run(capsys, *common, "order", "cancel", "sim-a", "BTC/USDT", "cli-rest")
    assert code == 0 and out.strip() == "ok: cli-rest cancelled"
    code, out, _ = run(capsys, *common, "order", "list", "--all")
    assert "cli-mkt" in out and "cancelled" in out

    code, out, _ = run(capsys, "--db", str(db), "audit", "verify")
    assert code == 0 and out.startswith("audit trail verified:")
    code, out, _ = run(capsys, "--db", str(db), "audit", "export", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    kinds = [r["kind"] for r in rows]
    assert "order.submit" in kinds and "order.refused" in kinds and "order.cancel" in kinds
    refused = next(r for r in rows if r["kind"] == "order.refused")
    assert '"refused_by":"price_band"' in refused["payload"]

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 4")
    code, _, err = run(capsys, "--db", str(db), "audit", "verify")
    assert code == 1 and "row 4" in err


def test_audit_on_a_missing_database_is_one_clean_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", str(tmp_path / "none.db"), "audit", "verify")
    assert code == 1 and err.count("\n") == 1 and "no such database" in err


def test_execute_plan_without_yes_and_without_a_terminal_does_nothing(
    paths: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = paths
    code, out, _ = run(capsys, "--config", str(config), "--db", str(db), "execute-plan")
    assert code == 1 and "[PAPER] plan plan-" in out and out.rstrip().endswith("cancelled")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM orders").fetchone() == (0,)


def test_execute_plan_yes_places_every_order_and_reports(
    paths: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = paths
    code, out, _ = run(capsys, "--config", str(config), "--db", str(db), "execute-plan", "--yes")
    progress = [line for line in out.splitlines() if line.startswith("progress ")]
    total = int(progress[0].split()[1].split("/")[1])
    assert code == 0 and out.rstrip().endswith(f"done: {total} placed, 0 failed of {total}")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM orders").fetchone() == (total,)
