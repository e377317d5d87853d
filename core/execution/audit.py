"""The audit trail: every operator action and order event, hash-chained in SQLite.

Each row's ``hash`` is ``sha256(prev_hash + canonical JSON of the row)``, where the canonical
JSON covers its id, time, kind, actor and payload with sorted keys and no spaces. Editing,
deleting or reordering any row breaks every hash after it, so :func:`verify_rows` names the
first row that was tampered with. Rows are committed (durably) before the action they record
is carried out: an order's audit row exists before the exchange hears of it.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.csvsafe import csv_writer
from core.errors import AuditBroken
from core.models import utcnow
from core.store import Store
from core.store.db import to_ns

GENESIS = "0" * 64
AUDIT_INSERT = (
    "INSERT INTO audit (id, ts_ns, kind, actor, payload, prev_hash, hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
AUDIT_SELECT = "SELECT id, ts_ns, kind, actor, payload, prev_hash, hash FROM audit ORDER BY id"


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    ts_ns: int
    kind: str
    actor: str
    payload: str
    prev_hash: str
    hash: str


def canonical(payload: Mapping[str, Any]) -> str:
    """The one JSON spelling hashed: sorted keys, no spaces, decimals as strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(prev_hash: str, row_id: int, ts_ns: int, kind: str, actor: str, payload: str) -> str:
    body = canonical(
        {"id": row_id, "ts_ns": ts_ns, "kind": kind, "actor": actor, "payload": payload}
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def verify_rows(rows: Iterable[AuditRow]) -> int:
    """Check the chain; return how many rows verified, or raise :class:`AuditBroken`."""
    prev, expected_id, count = GENESIS, None, 0
    for row in rows:
        if expected_id is not None and row.id != expected_id:
            raise AuditBroken(row.id, f"expected row {expected_id} next (a row was removed)")
        if row.prev_hash != prev:
            raise AuditBroken(row.id, "prev_hash does not match the previous row's hash")
        want = row_hash(prev, row.id, row.ts_ns, row.kind, row.actor, row.payload)
        if row.hash != want:
            raise AuditBroken(row.id, "hash does not match the row's contents (edited)")
        prev, expected_id, count = row.hash, row.id + 1, count + 1
    return count


def export_csv(rows: Sequence[AuditRow]) -> str:
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow(["id", "ts_ns", "kind", "actor", "payload", "prev_hash", "hash"])
    for r in rows:
        writer.writerow([r.id, r.ts_ns, r.kind, r.actor, r.payload, r.prev_hash, r.hash])
    return buf.getvalue()


class AuditLog:
    """Appends to the chain in ``store``; one writer per database."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = asyncio.Lock()
        self._last: tuple[int, str] | None = None

    async def _tail(self) -> tuple[int, str]:
        if self._last is None:
            rows = await self._store.fetch_all(
                "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1"
            )
            self._last = (int(rows[0][0]), str(rows[0][1])) if rows else (0, GENESIS)
        return self._last

    async def append(
        self, kind: str, actor: str, payload: Mapping[str, Any], *, durable: bool = True
    ) -> int:
        """Commit one row durably and return its id (call *before* the action it records).

        ``durable=False`` queues the row for the caller's own :meth:`Store.flush` (rows keep
        their order: one writer, ids assigned here).
        """
        async with self._lock:
            last_id, prev = await self._tail()
            row_id, ts = last_id + 1, to_ns(utcnow())
            body = canonical(payload)
            digest = row_hash(prev, row_id, ts, kind, actor, body)
            row = (row_id, ts, kind, actor, body, prev, digest)
            if durable:
                await self._store.add_durable(AUDIT_INSERT, row)
            else:
                self._store.add(AUDIT_INSERT, row)
            self._last = (row_id, digest)
            return row_id

    async def rows(self) -> list[AuditRow]:
        return [AuditRow(*r) for r in await self._store.fetch_all(AUDIT_SELECT)]
