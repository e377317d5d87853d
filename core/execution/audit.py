"""The audit trail: every operator action and order event, hash-chained in SQLite.

Each row's ``hash`` is ``sha256(prev_hash + canonical JSON of the row)``, where the canonical
JSON covers its id, time, kind, actor and payload with sorted keys and no spaces. Editing,
deleting or reordering any row breaks every hash after it, so :func:`verify_rows` names the
first row that was tampered with. Rows are committed (durably) before the action they record
is carried out: an order's audit row exists before the exchange hears of it.

The chain's head is anchored outside the table (:mod:`.anchor`), which catches what a chain
alone cannot: a deleted tail and appended rows with recomputed hashes. :class:`AuditLog`
checks the whole trail against its anchor when it is first used (:mod:`.auditcheck` names the
breaks); on a broken trail it stops moving the anchor, so the evidence stays, until an
operator acknowledges the breaks (an audited row), which re-anchors at the current tail. A
database from before anchoring is anchored at its first use once its chain verifies (an
``audit.anchored`` row says so).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.csvsafe import csv_writer
from core.errors import AuditBroken
from core.execution.anchor import (
    Anchor,
    AnchorUnreadable,
    Head,
    anchor_path,
    key_path,
    load_or_create_key,
    read_anchor,
    read_key,
    write_anchor,
)
from core.execution.auditcheck import (
    ACK_KIND,
    ANCHORED_KIND,
    GENESIS,
    AuditReport,
    ChainRow,
    check,
)
from core.models import utcnow
from core.store import Store
from core.store.db import to_ns

log = logging.getLogger(__name__)
ANCHOR_FLAG = "audit_anchor"
"""The ``exec_flags`` key saying this database's chain has been anchored (a deleted anchor
is then a break, not a database from before anchoring)."""
FLAG_SELECT = "SELECT payload FROM exec_flags WHERE key = ?"
FLAG_UPSERT = "INSERT OR REPLACE INTO exec_flags (key, payload) VALUES (?, ?)"
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


def chain_rows(rows: Iterable[AuditRow]) -> list[ChainRow]:
    """The rows as the check sees them, each with its hash recomputed from its contents."""
    return [
        ChainRow(
            r.id,
            r.kind,
            r.payload,
            r.prev_hash,
            r.hash,
            row_hash(r.prev_hash, r.id, r.ts_ns, r.kind, r.actor, r.payload),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Inspection:
    """A trail checked against its anchor, with what re-anchoring it needs."""

    report: AuditReport
    key: bytes | None
    anchor: Anchor | None


def inspect_trail(rows: Sequence[AuditRow], db_path: Path, *, flagged: bool) -> Inspection:
    """Check ``rows`` of the database at ``db_path`` against its anchor file and key.

    ``flagged``: the database says its chain was anchored (a missing anchor is a break).
    """
    key, anchor, problem = None, None, None
    try:
        key = read_key(key_path(db_path))
        if key is not None:
            anchor = read_anchor(anchor_path(db_path), key)
        elif anchor_path(db_path).exists():
            problem = f"{key_path(db_path)}: the audit key is missing, the anchor cannot be checked"
    except AnchorUnreadable as exc:
        problem = str(exc)
    report = check(chain_rows(rows), anchor, anchor_problem=problem, flagged=flagged)
    return Inspection(report, key, anchor)


class AuditLog:
    """Appends to the chain in ``store`` and keeps its anchor; one writer per database."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = asyncio.Lock()
        self._last: tuple[int, str] | None = None
        self.report: AuditReport | None = None
        """The verdict of the check at first use (None before it)."""
        self._key: bytes | None = None
        self._head: Head | None = None
        """The head the anchor file holds; None while the anchor is not moved (broken trail)."""
        store.add_commit_hook(self)

    # ------------------------------------------------------------------ opening

    async def open(self) -> AuditReport:
        """Check the trail against its anchor (once) and start anchoring if it holds."""
        async with self._lock:
            return await self._open()

    async def _inspect(self) -> Inspection:
        await self._store.flush()
        flag = await self._store.fetch_all(FLAG_SELECT, (ANCHOR_FLAG,))
        rows = await self.rows()
        inspection = inspect_trail(rows, self._store.path, flagged=bool(flag))
        self._last = (inspection.report.tail.id, inspection.report.tail.hash)
        return inspection

    async def _open(self) -> AuditReport:
        if self.report is not None:
            return self.report
        inspection = await self._inspect()
        report = inspection.report
        for note in report.notes:
            log.warning("audit trail %s: %s", self._store.path, note)
        if not report.ok:
            log.error("audit trail %s is broken: %s", self._store.path, report.summary())
        elif inspection.anchor is None:
            await self._anchor_from(report, inspection.key)
            report = (await self._inspect()).report
        else:
            self._key, self._head = inspection.key, inspection.anchor.head
            if report.tail != self._head:  # the anchor was one commit behind: catch it up
                await self._write(Anchor(report.tail))
                self._head = report.tail
        self.report = report
        return report

    async def _anchor_from(self, report: AuditReport, key: bytes | None) -> None:
        """Anchor a verified trail that has no anchor yet (new, or from before anchoring)."""
        self._key = key or await asyncio.to_thread(load_or_create_key, key_path(self._store.path))
        self._head = report.tail
        await self._write(Anchor(report.tail))
        flag = json.dumps({"ts_ns": to_ns(utcnow()), "rows": report.rows})
        self._store.add(FLAG_UPSERT, (ANCHOR_FLAG, flag))
        if report.rows:
            await self._append_locked(
                ANCHORED_KIND, "system", {"rows": report.rows, "head": report.tail.id}, True
            )
            log.info(
                "audit trail %s: anchored its verified chain of %d rows (first start with "
                "an anchor)",
                self._store.path,
                report.rows,
            )
        else:
            await self._store.flush()

    async def acknowledge(self, actor: str, note: str = "") -> AuditReport:
        """Accept the trail's breaks (an audited row naming them) and re-anchor at its tail.

        Returns the trail's verdict afterwards; a trail without open breaks is left alone.
        """
        async with self._lock:
            inspection = await self._inspect()
            report = inspection.report
            if report.ok:
                self.report = report
                return report
            self._key = inspection.key or await asyncio.to_thread(
                load_or_create_key, key_path(self._store.path)
            )
            self._head = report.tail
            await self._write(Anchor(report.tail))
            self._store.add(FLAG_UPSERT, (ANCHOR_FLAG, json.dumps({"ts_ns": to_ns(utcnow())})))
            breaks = [
                {"kind": b.kind.value, "row": b.row, "detail": b.detail} for b in report.open_breaks
            ]
            payload = {"breaks": breaks, "tail": report.tail.id, "note": note}
            await self._append_locked(ACK_KIND, actor, payload, True)
            log.warning("audit trail %s: %s acknowledged %s", self._store.path, actor, breaks)
            self.report = (await self._inspect()).report
            return self.report

    # ------------------------------------------------------------------ the anchor

    async def _write(self, anchor: Anchor) -> None:
        assert self._key is not None
        await asyncio.to_thread(write_anchor, anchor_path(self._store.path), self._key, anchor)

    def staged(self) -> object | None:
        """The head a commit now starting will reach, if it carries rows of ours."""
        if self._head is None or self._last is None:
            return None
        tail = Head(*self._last)
        return None if tail == self._head else tail

    async def before_commit(self, token: object) -> None:
        assert isinstance(token, Head) and self._head is not None
        await self._write(Anchor(self._head, pending=token))

    async def after_commit(self, token: object) -> None:
        assert isinstance(token, Head)
        try:
            await self._write(Anchor(token))
        except OSError:
            # The commit stands and the anchor still lists it as pending, which verifies.
            log.exception("audit anchor %s not moved", anchor_path(self._store.path))
        self._head = token

    def failed(self, token: object) -> None:
        """The rows did not land: read the tail again before the next append."""
        self._last = None

    # ------------------------------------------------------------------ rows

    async def _tail(self) -> tuple[int, str]:
        if self.report is None:
            await self._open()
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
            await self._tail()
            return await self._append_locked(kind, actor, payload, durable)

    async def _append_locked(
        self, kind: str, actor: str, payload: Mapping[str, Any], durable: bool
    ) -> int:
        if self._last is None:
            await self._tail()
        assert self._last is not None
        last_id, prev = self._last
        row_id, ts = last_id + 1, to_ns(utcnow())
        body = canonical(payload)
        digest = row_hash(prev, row_id, ts, kind, actor, body)
        row = (row_id, ts, kind, actor, body, prev, digest)
        self._store.add(AUDIT_INSERT, row)
        self._last = (row_id, digest)
        if durable:
            await self._store.flush()
        return row_id

    async def rows(self) -> list[AuditRow]:
        return [AuditRow(*r) for r in await self._store.fetch_all(AUDIT_SELECT)]
