"""``cockpit replay``: drive the TUI from a recorded session's journal.

    cockpit replay [--session ID] [--from TIME] [--speed X] [--paused] [--record FILE.cast]

Keys: space pause/play, ``.``/``,`` step, ``>``/``<`` seek 10 s, ``+``/``-`` speed.
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime


def _time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options
    from cockpit.commands.tui import add_tui_options

    parser = subparsers.add_parser(
        "replay",
        help="replay a recorded session in the TUI (trading disabled)",
        description="Play a session's flight recording back in the TUI. Keys: space "
        "pause/play, '.'/',' step, '>'/'<' seek 10 s, '+'/'-' speed.",
    )
    add_common_options(parser)
    add_tui_options(parser)
    parser.add_argument("--session", type=int, default=None, help="session id (default: latest)")
    parser.add_argument(
        "--from", dest="start", type=_time, default=None, help="start at this UTC time (ISO)"
    )
    parser.add_argument("--speed", type=float, default=1.0, help="playback speed (default 1)")
    parser.add_argument("--paused", action="store_true", help="start paused")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from cockpit.commands.tui import configure_logging, run_built_app, settings_from_args
    from cockpit.replay_app import make_replay_app
    from core.errors import ConfigError, ConfigProblem
    from core.replay import ReplayClient

    if not 0 < args.speed < math.inf:  # NaN fails too: it would become a NaN timer
        raise ConfigError(
            "command line", [ConfigProblem("--speed", "must be a positive finite number")]
        )
    settings = settings_from_args(args)
    client = ReplayClient(
        settings.db_path(),
        args.session,
        start_at=args.start,
        speed=args.speed,
        paused=args.paused,
    )
    client.preload()  # a missing journal is a one-line error, before the screen is taken
    configure_logging(settings)
    return run_built_app(make_replay_app(settings, client), client, args)
