"""``cockpit log [--follow] [--json] [-n N]``: the execution log, read-only.

From the running cockpit when one holds the database (the log its TUI shows, then every new
event with ``--follow``), else from the database opened read-only (``--follow`` then watches
it for rows a later writer adds). Without ``--follow``, ``--json`` prints one JSON document:
the list of events. With ``--follow``, ``--json`` prints one JSON document per line (JSON
Lines), since a stream has no end to close a list at.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings
    from core.models import LogEvent


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "log",
        help="print the execution log (read-only)",
        description="Print the newest events of the execution log: from the running cockpit "
        "when one holds the database, else from the database. Writes nothing.",
    )
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new events")
    parser.add_argument("--json", action="store_true", help="JSON (JSON Lines with --follow)")
    parser.add_argument(
        "-n", "--lines", type=int, default=100, help="newest events to print first (default 100)"
    )
    add_common_options(parser)
    parser.set_defaults(func=_run)


def format_event(event: LogEvent) -> str:
    where = " ".join(x for x in (event.venue, event.symbol, event.client_order_id) if x)
    return (
        f"{event.ts:%Y-%m-%d %H:%M:%S} {event.level.value:<7} {event.kind.value:<15} "
        f"{event.message}" + (f"  [{where}]" if where else "")
    )


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from cockpit.commands.tui import settings_from_args
    from core.errors import DataError

    if args.lines < 0:
        raise DataError(f"--lines must be 0 or more, not {args.lines}")
    settings = settings_from_args(args)
    try:
        return asyncio.run(_log(settings, args))
    except KeyboardInterrupt:
        return 0  # --follow ends with Ctrl+C


async def _log(settings: Settings, args: argparse.Namespace) -> int:
    from cockpit.commands.headless import CLI_CLIENT
    from core.usecases.events import log_events

    batches = log_events(settings, lines=args.lines, follow=args.follow, client=CLI_CLIENT)
    async for batch in batches:
        _emit(batch, args, stream=args.follow)
    return 0


def _emit(events: Sequence[LogEvent], args: argparse.Namespace, *, stream: bool) -> None:
    if args.json and not stream:
        print("[" + ",\n".join(e.model_dump_json() for e in events) + "]")
        return
    for event in events:
        print(event.model_dump_json() if args.json else format_event(event), flush=stream)
