"""``cockpit sessions``: the recorded sessions in the store (for ``cockpit replay``).

cockpit sessions [--db PATH] [--json]

Reads the database opened read-only: listing sessions never writes one.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "sessions",
        help="list recorded sessions (replay them with 'cockpit replay')",
        description="List the sessions in the store, newest first, with their journal size.",
    )
    add_common_options(parser)
    parser.add_argument(
        "--json", action="store_true", help="one JSON document: the list of sessions"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import json

    from cockpit.commands.tui import settings_from_args
    from core.journal import list_sessions

    settings = settings_from_args(args)
    sessions = list_sessions(settings.db_path())
    if args.json:
        # One document: a list of sessions, the venues as a list (stored as JSON text).
        print(
            json.dumps([{**s.as_dict(), "venues": _venues(s.venues)} for s in sessions], indent=2)
        )
        return 0
    print(
        f"{'id':>4}  {'started (UTC)':19}  {'duration':>9}  {'mode':5}  {'frames':>7}  "
        f"{'events':>6}  exit   venues"
    )
    for s in sessions:
        duration = f"{(s.ended - s.started).total_seconds():8.0f}s" if s.ended else "  no end"
        # No end: still running, or killed (no clean stop recorded).
        exit_ = "clean" if s.clean_exit else ("?" if s.ended is None else "crash")
        print(
            f"{s.id:>4}  {s.started:%Y-%m-%d %H:%M:%S}  {duration:>9}  {s.mode:5}  "
            f"{s.frames:>7}  {s.events:>6}  {exit_:5}  {s.venues}"
        )
    return 0


def _venues(stored: str) -> list[str]:
    import json

    try:
        venues = json.loads(stored)
    except ValueError:
        return [stored]
    return [str(v) for v in venues] if isinstance(venues, list) else [str(venues)]
