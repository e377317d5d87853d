"""End to end on paper through the CLI: stop and OCO orders, each child through the gate."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tests.execution.test_cli import paths, run  # noqa: F401


def avg_price(db: Path, coid: str) -> Decimal:
    with sqlite3.connect(db) as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM orders WHERE client_order_id = ?", (coid,)
        ).fetchone()
    return Decimal(json.loads(payload)["avg_price"])


def test_stop_and_oco_on_paper_through_the_cli(
    paths: tuple[Path, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, db = paths
    common = ("--config", str(config), "--db", str(db))
    place = (*common, "order", "place", "sim-a", "BTC/USDT")
    code, out, _ = run(capsys, *place, "buy", "0.01", "--id", "seed")
    assert code == 0, out
    mid = avg_price(db, "seed")
    above = f"{mid * Decimal('1.01'):.1f}"  # a sell stop above the market fires at once
    below = f"{mid * Decimal('0.90'):.1f}"  # ... below it waits
    take_profit = f"{mid * Decimal('1.03'):.1f}"

    code, out, _ = run(
        capsys, *place, "sell", "0.004", "--type", "stop", "--trigger", below, "--id", "st0"
    )
    assert code == 0 and out.splitlines()[-1].startswith("working: st0 saved")

    code, out, _ = run(
        capsys,
        *place,
        "sell",
        "0.003",
        "--type",
        "stop",
        "--trigger",
        above,
        "--id",
        "st1",
        "--wait",
        "10",
    )
    assert code == 0, out
    assert "done: st1 fired" in out and "st1-stop filled 0.003/0.003" in out

    code, out, _ = run(
        capsys,
        *place,
        "sell",
        "0.002",
        "--type",
        "oco",
        "--price",
        take_profit,
        "--trigger",
        above,
        "--id",
        "oc1",
        "--wait",
        "10",
    )
    assert code == 0, out
    assert "done: oc1 stop fired; limit cancelled" in out
    assert "oc1-lim cancelled 0/0.002" in out and "oc1-stop filled 0.002/0.002" in out

    # A child the gate refuses (more BTC than held) never reaches the venue; exit 1.
    code, out, _ = run(
        capsys,
        *place,
        "sell",
        "5",
        "--type",
        "stop",
        "--trigger",
        above,
        "--id",
        "big",
        "--wait",
        "10",
    )
    assert code == 1 and "refused" in out
    with sqlite3.connect(db) as conn:
        ids = {r[0] for r in conn.execute("SELECT client_order_id FROM orders")}
        actors = {r[0] for r in conn.execute("SELECT actor FROM audit WHERE kind='order.submit'")}
        working = [r[0] for r in conn.execute("SELECT key FROM exec_flags WHERE key LIKE 'emu:%'")]
    assert "big-stop" not in ids
    assert {"emulated:st1", "emulated:oc1"} <= actors
    assert working == ["emu:st0"]  # the untriggered stop is saved for the next run
    # `order list` shows it armed, with its trigger (read-only: from the database here).
    code, out, _ = run(capsys, *common, "order", "list", "--json")
    assert code == 0, out
    (armed,) = json.loads(out)["armed"]
    assert (armed["client_order_id"], armed["type"], armed["state"]) == ("st0", "stop", "armed")
    assert Decimal(armed["trigger"]) == Decimal(below) and armed["price"] is None
    code, out, _ = run(capsys, *common, "order", "list")
    assert f"armed stop trigger {below}" in out and out.rstrip().endswith("1 armed, mode paper")
    # `order cancel` with an armed order's id disarms it (the TUI's `d` sends the same command).
    code, out, _ = run(capsys, *common, "order", "cancel", "sim-a", "BTC/USDT", "st0")
    assert code == 0 and out.strip() == "ok: stop st0 disarmed", out
    code, out, _ = run(capsys, *common, "order", "cancel", "sim-a", "BTC/USDT", "st0")
    assert code == 1 and out.startswith("refused:"), out  # nothing armed or open by that id
    with sqlite3.connect(db) as conn:
        working = [r[0] for r in conn.execute("SELECT key FROM exec_flags WHERE key LIKE 'emu:%'")]
        disarms = [
            r[0] for r in conn.execute("SELECT actor FROM audit WHERE kind=?", ("emulated.disarm",))
        ]
    assert working == [] and disarms == ["operator"]
    code, out, _ = run(capsys, *common, "audit", "verify")
    assert code == 0, out
