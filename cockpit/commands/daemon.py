"""``cockpit daemon``: run the core headless, serving TUIs on a Unix socket.

    cockpit daemon [--config PATH] [--db PATH]

Stops cleanly on SIGTERM/SIGINT, reloads its configuration on SIGHUP. Imports nothing of the
UI: the handler only reaches ``core``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "daemon",
        help="run the core headless with a control socket (attach with 'cockpit attach')",
        description="Run the core without a terminal UI. TUIs attach over the control socket; "
        "logs are JSON lines on stderr (or daemon.log_file). SIGTERM stops, SIGHUP reloads.",
    )
    add_common_options(parser)
    parser.add_argument(
        "--seed", type=int, default=argparse.SUPPRESS, help="simulator seed (reproducible)"
    )
    parser.add_argument(
        "--socket", type=Path, default=None, help="control socket (default: from the config)"
    )
    # The core of a plain ``cockpit`` (core.daemon.embedded): started by the TUI, never by hand.
    parser.add_argument("--embedded", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from cockpit.commands.tui import settings_from_args
    from core.daemon.runner import run_daemon

    settings = settings_from_args(args)
    return run_daemon(settings, args.config, socket=args.socket, embedded=args.embedded)
