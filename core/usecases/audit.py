"""The audit trail of a database, for ``cockpit audit verify|export|acknowledge``.

Reading the trail opens the database read-only (a running core may be writing beside it);
acknowledging a break writes, so it takes the database's instance lock first: a running
core holds that lock and acknowledges through its own command instead (one writer per
database).
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.daemon.lock import InstanceLock
from core.errors import StoreError
from core.execution.audit import ANCHOR_FLAG, AUDIT_SELECT, FLAG_SELECT, AuditLog, AuditRow
from core.execution.auditcheck import AuditReport
from core.store import Store


def read_trail(path: Path) -> tuple[list[AuditRow], bool]:
    """The audit rows, and whether the database records that its chain was anchored."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = [AuditRow(*r) for r in conn.execute(AUDIT_SELECT)]
            flagged = conn.execute(FLAG_SELECT, (ANCHOR_FLAG,)).fetchone() is not None
            return rows, flagged
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read the audit trail: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """The trail before an acknowledgement and after it (None when nothing was open)."""

    before: AuditReport
    after: AuditReport | None


def acknowledge_trail(path: Path, actor: str, note: str) -> Acknowledged:
    """Acknowledge the trail's open breaks as ``actor`` and re-anchor it, holding the
    database's instance lock (a running core holds it: then this refuses)."""

    async def run() -> Acknowledged:
        store = await Store.open(path)
        try:
            audit = AuditLog(store)
            before = await audit.open()
            if before.ok:
                return Acknowledged(before, None)
            return Acknowledged(before, await audit.acknowledge(actor, note))
        finally:
            await store.close()

    with InstanceLock(path.with_name(path.name + ".lock")):
        return asyncio.run(run())
