"""SIGKILL in the middle of a paper plan: on restart every order is accounted for and reconciled."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.bootstrap import build_core
from core.config import load_settings
from core.execution.audit import AuditRow, verify_rows
from core.models import Order, OrderStatus
from core.sim.venue import SimVenue
from tests.conftest import PROJECT_ROOT

CONFIG = """\
sim:
  history_days: 60
execution:
  paper:
    latency_ms: 120
    jitter_ms: 0
  plan_concurrency: 1
"""
KILL_AFTER = 3
"""Orders finished before the kill; it lands while the next one is in flight."""


def run_until_killed(config: Path, db: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cockpit",
            "--config",
            str(config),
            "--db",
            str(db),
            "execute-plan",
            "--yes",
            "--verbose",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # blocks on the child's own output, no sleeping
            seen.append(line.rstrip())
            done = len([s for s in seen if s.startswith("progress ")])
            if done >= KILL_AFTER and line.startswith("event order_submitted"):
                # The next order is written ahead and in flight (paper latency): kill now.
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, seen
    return seen


def test_sigkill_mid_plan_then_restart_accounts_for_every_order(tmp_path: Path) -> None:
    config, db = tmp_path / "c.yaml", tmp_path / "c.db"
    config.write_text(CONFIG)
    lines = run_until_killed(config, db)
    total = int(next(s for s in lines if s.startswith("progress ")).split()[1].split("/")[1])
    assert total > KILL_AFTER + 1  # the plan was really interrupted mid-way

    with sqlite3.connect(db) as conn:
        before = dict(conn.execute("SELECT client_order_id, status FROM orders").fetchall())
    assert len(before) > KILL_AFTER  # the in-flight order was written ahead

    settings = load_settings(config, env={}, search=False).model_copy(
        update={
            "store": load_settings(config, env={}, search=False).store.model_copy(
                update={"path": db}
            )
        }
    )
    result = asyncio.run(_restart_and_check(settings))
    assert result["unsettled"] == []
    assert result["exchange_only"] == []
    assert result["mismatch"] == []
    assert result["balance_gaps"] == {}
    # The order in flight at the kill never reached the paper exchange (120 ms latency):
    # reconciliation expired it instead of resending stale prices.
    assert result["expired_never_sent"] == result["expected_expired"] != []
    assert result["trading_enabled"]

    with sqlite3.connect(db) as conn:
        rows = [AuditRow(*r) for r in conn.execute("SELECT * FROM audit ORDER BY id")]
        submits = [r for r in rows if r.kind == "order.submit"]
        ids = {cid for (cid,) in conn.execute("SELECT client_order_id FROM orders")}
    assert verify_rows(rows) == len(rows)
    assert len(submits) == len(before)  # one audit row per order, none sent unaudited
    assert all(any(f'"{cid}"' in r.payload for r in submits) for cid in ids)


async def _restart_and_check(settings: object) -> dict[str, object]:
    core = build_core(settings)  # type: ignore[arg-type]
    await core.start()
    try:
        service = core.execution
        assert service is not None and service.manager is not None
        manager = service.manager
        stored = {
            o.client_order_id: o
            for o in (
                Order.model_validate_json(p)
                for (p,) in await core.store.fetch_all("SELECT payload FROM orders")
            )
        }  # type: ignore[union-attr]
        unsettled = [
            c
            for c, o in stored.items()
            if o.status in (OrderStatus.NEW, OrderStatus.SUBMITTED, OrderStatus.UNKNOWN)
        ]
        mismatch, exchange_only = [], []
        expired_never_sent = sorted(
            c
            for c, o in stored.items()
            if o.status is OrderStatus.EXPIRED and o.reason and "never reached" in o.reason
        )
        expected_expired = []
        for paper in service.paper.values():
            known = {o.client_order_id: o for o in paper._orders.values()}
            exchange_only += [c for c in known if c not in stored]
            for cid, o in stored.items():
                if o.venue != paper.venue:
                    continue
                remote = known.get(cid)
                if remote is None:
                    expected_expired.append(cid)
                # A resting order may fill after the start-up reconcile (the paper venue
                # matches on its own); the manager hears of it through the user stream, or at
                # the latest at the next reconcile pass.
                elif (remote.status, remote.filled_qty) != (
                    o.status,
                    o.filled_qty,
                ) and not await _caught_up(manager, paper, cid):
                    mismatch.append(cid)
        # Balances: paper account = the venue's original balances + every fill of every order.
        gaps: dict[str, Decimal] = {}
        for name, paper in service.paper.items():
            sim = core.venues[name]
            assert isinstance(sim, SimVenue)
            original = {b.asset: b.total for b in await sim.fetch_balances()}
            expect = dict(original)
            for o in paper._orders.values():
                inst = core.instruments[f"{name}:{o.symbol}"]
                if o.filled_qty == 0:
                    continue
                sign = o.side.sign
                expect[inst.base] = expect.get(inst.base, Decimal(0)) + sign * o.filled_qty
                cost = o.filled_qty * (o.avg_price or Decimal(0))
                expect[inst.quote] = expect.get(inst.quote, Decimal(0)) - sign * cost - o.fee_paid
            actual = {b.asset: b.total for b in await paper.fetch_balances()}
            for asset in set(expect) | set(actual):
                gap = actual.get(asset, Decimal(0)) - expect.get(asset, Decimal(0))
                if abs(gap) > Decimal("1e-12"):
                    gaps[f"{name}:{asset}"] = gap
        return {
            "unsettled": unsettled,
            "exchange_only": exchange_only,
            "mismatch": mismatch,
            "balance_gaps": gaps,
            "expired_never_sent": expired_never_sent,
            "expected_expired": sorted(expected_expired),
            "trading_enabled": core.publish().trading_enabled,
        }
    finally:
        await core.stop()


async def _caught_up(manager: Any, paper: Any, cid: str, passes: int = 5) -> bool:
    """The manager agrees with the paper exchange on ``cid`` after at most ``passes``
    reconcile passes (each one brings it up to what the exchange said at that moment)."""
    for _ in range(passes):
        remote, now = paper._orders[cid], manager.orders[cid]
        if (remote.status, remote.filled_qty) == (now.status, now.filled_qty):
            return True
        await manager.reconcile()
    remote, now = paper._orders[cid], manager.orders[cid]
    return bool((remote.status, remote.filled_qty) == (now.status, now.filled_qty))
