"""``cockpit audit verify|export``: check and export the hash-chained audit trail.

cockpit audit verify [--db PATH]       exit 0 if the chain verifies, 1 naming the first bad row
cockpit audit export --csv [--db PATH] every row as CSV on stdout
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="verify or export the audit trail")
    sub = parser.add_subparsers(title="audit commands", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="check the hash chain (exit 1 at the first bad row)")
    verify.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="SQLite database")
    verify.set_defaults(func=_verify)
    export = sub.add_parser("export", help="export the audit trail")
    export.add_argument("--csv", action="store_true", required=True, help="as CSV on stdout")
    export.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="SQLite database")
    export.set_defaults(func=_export)


def _rows(args: argparse.Namespace) -> list[object]:
    from cockpit.commands.tui import settings_from_args
    from core.errors import StoreError
    from core.execution.audit import AUDIT_SELECT, AuditRow

    path = settings_from_args(args).db_path()
    if not path.exists():
        raise StoreError(f"{path}: no such database")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return [AuditRow(*r) for r in conn.execute(AUDIT_SELECT)]
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read the audit trail: {exc}") from exc


def _verify(args: argparse.Namespace) -> int:
    from core.errors import AuditBroken
    from core.execution.audit import verify_rows

    rows = _rows(args)
    try:
        count = verify_rows(rows)  # type: ignore[arg-type]
    except AuditBroken as exc:
        print(f"cockpit: audit trail broken at {exc}", file=sys.stderr)
        return 1
    print(f"audit trail verified: {count} rows")
    return 0


def _export(args: argparse.Namespace) -> int:
    from core.execution.audit import export_csv

    sys.stdout.write(export_csv(_rows(args)))  # type: ignore[arg-type]
    return 0
