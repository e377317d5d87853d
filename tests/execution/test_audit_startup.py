"""A core started on a broken audit trail does not trade until an operator acknowledges."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cockpit.cli import main
from core.bootstrap import build_core
from core.models import EventKind
from core.views import AcknowledgeAudit, KillSwitch, PlaceOrder
from tests.execution.test_core_execution import btc_request, settings


async def test_a_truncated_trail_pauses_trading_until_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    core = build_core(settings(db))
    await core.start()
    try:
        for i in range(2):
            assert (await core.execute(PlaceOrder(request=btc_request(core, f"o{i}")))).ok
    finally:
        await core.stop()
    with sqlite3.connect(db) as conn:
        (last,) = conn.execute("SELECT MAX(id) FROM audit").fetchone()
        conn.execute("DELETE FROM audit WHERE id > ?", (last - 3,))
    assert main(["--db", str(db), "audit", "verify"]) == 1

    core = build_core(settings(db))
    await core.start()
    try:
        state = core.publish()
        assert not state.trading_enabled
        assert "audit trail broken: truncated tail" in (state.trading_reason or "")
        alerts = [e.message for e in core.events if e.kind is EventKind.ALERT]
        assert any("audit trail broken" in m and "acknowledge" in m for m in alerts)
        refused = await core.execute(PlaceOrder(request=btc_request(core, "blocked")))
        assert not refused.ok and "[trading_disabled] audit trail broken" in refused.message
        # A plain kill-switch re-arm is not an acknowledgement.
        await core.execute(KillSwitch(engage=False))
        assert not core.publish().trading_enabled

        answer = await core.execute(AcknowledgeAudit(note="checked the backup"))
        assert answer.ok and "acknowledged by operator" in answer.message, answer.message
        assert core.publish().trading_enabled
        assert (await core.execute(PlaceOrder(request=btc_request(core, "after")))).ok
    finally:
        await core.stop()
    assert main(["--db", str(db), "audit", "verify"]) == 0
    with sqlite3.connect(db) as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM audit ORDER BY id")]
    assert "audit.acknowledged" in kinds and kinds.index("audit.acknowledged") < len(kinds) - 1
