"""``cockpit audit verify|export|acknowledge``: check, export and accept the audit trail.

cockpit audit verify [--db PATH]       exit 0 if the chain and its anchor hold; 1 naming each
                                       break (truncated tail, deleted rows, altered row, forged
                                       append, head mismatch, missing or unreadable anchor)
cockpit audit export --csv [--db PATH] every row as CSV on stdout
cockpit audit acknowledge [--db PATH] [--note TEXT]
                                       accept the breaks found (an audited row naming them) and
                                       re-anchor, so a core trades again; refused while a core
                                       holds the database (acknowledge in it instead)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.execution.audit import AuditRow


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="verify, export or acknowledge the audit trail")
    sub = parser.add_subparsers(title="audit commands", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="check the chain and its anchor (exit 1 naming breaks)")
    verify.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="SQLite database")
    verify.set_defaults(func=_verify)
    export = sub.add_parser("export", help="export the audit trail")
    export.add_argument("--csv", action="store_true", required=True, help="as CSV on stdout")
    export.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="SQLite database")
    export.set_defaults(func=_export)
    ack = sub.add_parser(
        "acknowledge", help="accept a broken trail's breaks (audited) so trading may resume"
    )
    ack.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="SQLite database")
    ack.add_argument("--note", default="", help="why (kept in the acknowledgement row)")
    ack.set_defaults(func=_acknowledge)


def _path(args: argparse.Namespace) -> Path:
    from cockpit.commands.tui import settings_from_args
    from core.errors import StoreError

    path = settings_from_args(args).db_path()
    if not path.exists():
        raise StoreError(f"{path}: no such database")
    return path


def _read(path: Path) -> tuple[list[AuditRow], bool]:
    from core.usecases.audit import read_trail

    return read_trail(path)


def _verify(args: argparse.Namespace) -> int:
    from core.execution.audit import inspect_trail

    path = _path(args)
    rows, flagged = _read(path)
    report = inspect_trail(rows, path, flagged=flagged).report
    for note in report.notes:
        print(f"note: {note}")
    for done in report.breaks:
        if done.acknowledged:
            print(f"acknowledged earlier: {done}")
    if not report.ok:
        for b in report.open_breaks:
            print(f"cockpit: audit trail broken: {b}", file=sys.stderr)
        return 1
    where = (
        f"anchored at row {report.tail.id}"
        if report.anchored
        else "not anchored yet: a core anchors it when it next starts"
    )
    print(f"audit trail verified: {report.rows} rows ({where})")
    return 0


def _export(args: argparse.Namespace) -> int:
    from core.execution.audit import export_csv

    sys.stdout.write(export_csv(_read(_path(args))[0]))
    return 0


def _acknowledge(args: argparse.Namespace) -> int:
    import getpass
    import os

    from core.usecases.audit import acknowledge_trail

    actor = f"cli:{getpass.getuser()}:{os.getpid()}"
    # One writer per database: a running core holds its lock and acknowledges itself.
    done = acknowledge_trail(_path(args), actor, args.note)
    if done.after is None:
        print(f"nothing to acknowledge: {done.before.summary()}")
        return 0
    for b in done.before.open_breaks:
        print(f"acknowledged: {b}")
    print(f"audit trail re-anchored at row {done.after.tail.id}; {done.after.summary()}")
    return 0 if done.after.ok else 1
