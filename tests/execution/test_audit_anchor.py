"""The audit chain's anchor: truncation, deletion, forged appends and edits are each named by
``cockpit audit verify`` (exit 1); a crash between commit and anchor update is not a break."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest

from cockpit.cli import main
from core.execution.anchor import Anchor, Head, anchor_path, key_path, read_anchor, write_anchor
from core.execution.audit import AuditLog, row_hash
from core.execution.auditcheck import BreakKind
from core.store import Store

ROWS = 10


async def make_trail(db: Path, rows: int = ROWS) -> None:
    store = await Store.open(db)
    try:
        audit = AuditLog(store)
        for i in range(rows):
            await audit.append("order.submit", "operator", {"n": i})
    finally:
        await store.close()


def verify(db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--db", str(db), "audit", "verify"])
    out, err = capsys.readouterr()
    return code, out, err


def sql(db: Path, statement: str, params: tuple[object, ...] = ()) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(statement, params)


def forge_append(db: Path) -> None:
    """Append a row whose hash is recomputed correctly: the chain alone cannot tell."""
    with sqlite3.connect(db) as conn:
        last_id, prev = conn.execute(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
        row_id, ts, payload = last_id + 1, 1, '{"n":99}'
        digest = row_hash(prev, row_id, ts, "order.submit", "mallory", payload)
        conn.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row_id, ts, "order.submit", "mallory", payload, prev, digest),
        )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "c.db"
    asyncio.run(make_trail(path))
    return path


def test_a_clean_trail_verifies_and_its_anchor_and_key_are_private(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = verify(db, capsys)
    assert code == 0 and err == ""
    assert out.strip() == f"audit trail verified: {ROWS} rows (anchored at row {ROWS})"
    for path in (anchor_path(db), key_path(db)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("DELETE FROM audit WHERE id = 10", "truncated tail: row 10 missing at the end"),
        ("DELETE FROM audit WHERE id >= 8", "truncated tail: rows 8-10 missing at the end"),
        ("DELETE FROM audit WHERE id = 4", "deleted rows: row 4 missing before row 5"),
        ("UPDATE audit SET actor = 'mallory' WHERE id = 6", "altered row: row 6's contents"),
    ],
)
def test_each_break_is_named_with_exit_1(
    db: Path, capsys: pytest.CaptureFixture[str], tamper: str, named: str
) -> None:
    sql(db, tamper)
    code, out, err = verify(db, capsys)
    assert code == 1 and out == ""
    assert err.startswith(f"cockpit: audit trail broken: {named}"), err


def test_an_appended_row_with_a_recomputed_hash_is_a_forged_append(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forge_append(db)
    code, _, err = verify(db, capsys)
    assert code == 1
    assert "forged append: row 11 after the anchored head (row 10)" in err


def test_a_rewritten_chain_or_a_replaced_last_row_is_a_head_mismatch(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(db, "DELETE FROM audit WHERE id = 10")
    forge_append(db)  # a new row 10 that chains perfectly
    code, _, err = verify(db, capsys)
    assert code == 1 and "head mismatch: the last row 10 is not the anchored one" in err


def test_a_deleted_or_forged_anchor_is_named(
    db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved = anchor_path(db).read_bytes()
    anchor_path(db).unlink()
    code, _, err = verify(db, capsys)
    assert code == 1 and "missing anchor" in err
    # A forger who truncates and rewrites the anchor without the key: the MAC fails.
    sql(db, "DELETE FROM audit WHERE id >= 8")
    write_anchor(anchor_path(db), b"k" * 32, Anchor(Head(7, "x" * 64)))
    code, _, err = verify(db, capsys)
    assert code == 1 and "anchor unreadable" in err and "MAC" in err
    anchor_path(db).write_bytes(saved)
    key_path(db).unlink()
    code, _, err = verify(db, capsys)
    assert code == 1 and "the audit key is missing" in err


def test_a_crash_between_commit_and_anchor_update_is_not_a_break(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The anchor still says "pending row 11" after row 11 committed: that verifies."""
    key = key_path(db).read_text().strip()
    anchor = read_anchor(anchor_path(db), bytes.fromhex(key))
    assert anchor == Anchor(Head(ROWS, anchor.head.hash))
    forge_append(db)  # stands for our own row 11, committed
    with sqlite3.connect(db) as conn:
        (h11,) = conn.execute("SELECT hash FROM audit WHERE id = 11").fetchone()
    write_anchor(anchor_path(db), bytes.fromhex(key), Anchor(anchor.head, Head(11, h11)))
    code, out, _ = verify(db, capsys)
    assert code == 0 and "one commit behind" in out
    # Crashed before the commit landed: the pending row is absent; also fine.
    sql(db, "DELETE FROM audit WHERE id = 11")
    assert verify(db, capsys)[0] == 0
    # But a row beyond the pending one is never accepted (row 11 is the pending row again).
    forge_append(db)
    forge_append(db)
    code, _, err = verify(db, capsys)
    assert code == 1 and "forged append: row 12 after the anchored head (row 10)" in err


def test_a_trail_from_before_anchoring_is_anchored_at_first_use(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    asyncio.run(make_trail(db, 3))
    anchor_path(db).unlink()
    sql(db, "DELETE FROM exec_flags")  # as a database from before anchoring

    async def first_use() -> None:
        store = await Store.open(db)
        try:
            audit = AuditLog(store)
            report = await audit.open()
            assert report.ok and report.anchored
            kinds = [r.kind for r in await audit.rows()]
            assert kinds == ["order.submit"] * 3 + ["audit.anchored"]
            await audit.append("order.submit", "operator", {"n": 3})
        finally:
            await store.close()

    asyncio.run(first_use())
    assert main(["--db", str(db), "audit", "verify"]) == 0


def test_a_broken_trail_keeps_its_evidence_until_acknowledged(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(db, "DELETE FROM audit WHERE id >= 8")

    async def restart() -> None:
        store = await Store.open(db)
        try:
            audit = AuditLog(store)
            report = await audit.open()
            assert [b.kind for b in report.open_breaks] == [BreakKind.TRUNCATED_TAIL]
            # Rows still go in (what happens is recorded), but the anchor does not move.
            await audit.append("reconcile", "system", {})
        finally:
            await store.close()

    asyncio.run(restart())
    code, _, err = verify(db, capsys)
    assert code == 1 and "truncated tail: rows 9-10 missing" in err  # row 8 is our new one
    code = main(["--db", str(db), "audit", "acknowledge", "--note", "restored a backup"])
    out, _ = capsys.readouterr()
    assert code == 0 and "acknowledged: truncated tail" in out
    code, out, _ = verify(db, capsys)
    assert code == 0 and "anchored at row 9" in out
    with sqlite3.connect(db) as conn:
        kind, actor, payload = conn.execute(
            "SELECT kind, actor, payload FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert kind == "audit.acknowledged" and actor.startswith("cli:")
    assert "restored a backup" in payload and "truncated tail" in payload


def test_an_acknowledged_altered_row_stays_reported_but_verifies(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(db, "UPDATE audit SET payload = '{\"n\":42}' WHERE id = 3")
    assert main(["--db", str(db), "audit", "acknowledge"]) == 0
    capsys.readouterr()
    code, out, _ = verify(db, capsys)
    assert code == 0 and "acknowledged earlier: altered row: row 3's contents" in out
