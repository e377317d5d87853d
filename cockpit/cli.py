"""The ``cockpit`` command line: the TUI by default, sub-commands for headless work.

Exit codes: 0 success, 1 a failed operation (bad input, refused order...), 2 bad configuration
or usage. Errors print as one line each on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cockpit.commands import register_all
from core import __version__
from core.errors import CockpitError, ConfigError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cockpit",
        description="A keyboard-driven terminal trading cockpit for crypto portfolios. "
        "Without a sub-command, starts the TUI on the configured venues "
        "(the built-in simulated exchange by default).",
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    add_common_options(parser)
    from cockpit.commands.tui import add_core_options, add_tui_options

    add_tui_options(parser)
    add_core_options(parser)
    parser.set_defaults(func=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    register_all(sub)
    return parser


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--db``, accepted before or after the sub-command."""
    parser.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="configuration file (YAML)"
    )
    parser.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="SQLite database")


def _run_tui(args: argparse.Namespace) -> int:
    from cockpit.commands.tui import run_tui

    return run_tui(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("config", "db"):
        if not hasattr(args, name):
            setattr(args, name, None)
    func = args.func or _run_tui
    try:
        code = int(func(args))
        sys.stdout.flush()  # a closed pipe surfaces here, not in the interpreter's exit
        return code
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"cockpit: config error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except CockpitError as exc:
        print(f"cockpit: {exc.title.lower()}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``cockpit holdings | head``): not an error. Point stdout at
        # devnull so the interpreter's final flush does not raise again.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
