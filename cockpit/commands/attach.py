"""``cockpit attach``: the TUI as a client of a running daemon.

    cockpit attach [--socket PATH] [--observer] [--record FILE.cast] [--fps N] [--low-bandwidth]

Quitting (or losing the SSH connection) only detaches: the daemon keeps running.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cockpit.app import CockpitApp
    from core.config import Settings
    from core.daemon.remote import RemoteCore


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options
    from cockpit.commands.tui import add_tui_options

    parser = subparsers.add_parser(
        "attach",
        help="attach the TUI to a running 'cockpit daemon'",
        description="Show the TUI of a running daemon over its control socket. Quitting "
        "detaches; the daemon keeps running. Several TUIs may attach at once.",
    )
    add_common_options(parser)
    add_tui_options(parser)
    parser.add_argument(
        "--socket", type=Path, default=None, help="control socket (default: from the config)"
    )
    parser.add_argument(
        "--observer", action="store_true", help="read-only: trading commands are refused"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from cockpit.commands.tui import configure_logging, run_built_app, settings_from_args
    from core.daemon.protocol import Role
    from core.daemon.remote import CLIENT_NAME, RemoteCore

    settings = settings_from_args(args)
    client = RemoteCore(
        args.socket or settings.socket_path(),
        role=Role.OBSERVER if args.observer else Role.OPERATOR,
        client=CLIENT_NAME,
        max_hz=settings.ui.fps,
    )
    client.probe()
    configure_logging(settings)
    return run_built_app(attached_app(settings, client), client, args)


def attached_app(settings: Settings, client: RemoteCore, lost_as: str = "") -> CockpitApp:
    """The TUI on a daemon; it exits (code 1, one line) if the daemon goes away: with
    ``lost_as`` as the message if given, else "detached" and the daemon's reason."""
    from cockpit.app import make_app

    app = make_app(settings, client)

    def lost(reason: str) -> None:
        app.exit(return_code=1, message=f"cockpit: {lost_as or f'detached: {reason}'}")

    client.on_lost = lost
    return app
