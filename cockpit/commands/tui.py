"""The default command: the TUI, on a core of its own (a child process unless --in-process).

Nothing heavy is imported at module level: the parser is built from this module, and plain
``cockpit`` starts its core process before it loads the configuration and the UI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ConfigError, ConfigProblem

if TYPE_CHECKING:
    from cockpit.app import CockpitApp
    from core.client import CoreClient
    from core.config import Settings


def configure_logging(settings: Settings) -> None:
    """Logs go to a file in the data dir, never to stdout (the terminal belongs to the TUI)."""
    from core.daemon.logs import configure_file_logging

    configure_file_logging(settings.log_path(), settings.logging.level)


LOW_BANDWIDTH_FPS = 1.0
"""Redraws per second in ``--low-bandwidth`` mode (an SSH link over a slow line)."""


def add_tui_options(parser: argparse.ArgumentParser) -> None:
    """Options of every command that shows the TUI (plain ``cockpit``, attach, replay)."""
    parser.add_argument(
        "--record",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE.cast",
        help="record the terminal to an asciicast v2 file",
    )
    parser.add_argument(
        "--fps", type=float, default=argparse.SUPPRESS, help="cap redraws per second"
    )
    parser.add_argument(
        "--low-bandwidth",
        action="store_true",
        default=argparse.SUPPRESS,
        help=f"fewer redraws ({LOW_BANDWIDTH_FPS:g}/s) and no animations, for slow SSH links",
    )
    parser.add_argument(
        "--seed", type=int, default=argparse.SUPPRESS, help="simulator seed (reproducible demos)"
    )


def add_core_options(parser: argparse.ArgumentParser) -> None:
    """Options of plain ``cockpit`` about where its core runs."""
    parser.add_argument(
        "--in-process",
        action="store_true",
        default=argparse.SUPPRESS,
        help="run the core in the TUI's own process (one process; keys lag under load); "
        "by default it runs in a child process that stops with the TUI",
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    from core.config import load_settings

    settings = load_settings(args.config)
    update: dict[str, object] = {}
    if args.db is not None:
        update["store"] = settings.store.model_copy(update={"path": args.db})
    seed = getattr(args, "seed", None)
    if seed is not None:
        update["sim"] = settings.sim.model_copy(update={"seed": seed})
    fps = getattr(args, "fps", None)
    if getattr(args, "low_bandwidth", False):
        fps = min(fps or LOW_BANDWIDTH_FPS, LOW_BANDWIDTH_FPS)
    if fps is not None:
        if not 0 < fps <= 60:
            raise ConfigError("command line", [ConfigProblem("--fps", "must be in (0, 60]")])
        update["ui"] = settings.ui.model_copy(update={"fps": fps})
    return settings.model_copy(update=update) if update else settings


def run_tui(args: argparse.Namespace) -> int:
    """Plain ``cockpit``: the TUI on a core of its own, in a child process by default."""
    if getattr(args, "in_process", False):
        settings = settings_from_args(args)
        configure_logging(settings)
        from core.bootstrap import build_core
        from core.client import ThreadedCore
        from core.daemon.lock import InstanceLock, lock_path

        # One writer per database: the core in this process holds the lock like any other.
        with InstanceLock(lock_path(settings.db_path())):
            return run_app(settings, ThreadedCore(lambda: build_core(settings)), args)

    from core.daemon.embedded import EmbeddedCore

    # The core process starts first and loads while this one reads the configuration and
    # the UI's modules (a bad configuration is reported from here; the child is then ended).
    client = EmbeddedCore(core_args(args))
    client.spawn()
    try:
        settings = settings_from_args(args)
        configure_logging(settings)
        client.max_hz = settings.ui.fps
        from cockpit.commands.attach import attached_app

        app = attached_app(settings, client, f"the core stopped; its log: {settings.log_path()}")
        client.wait_ready()  # a core that cannot start is one line on a normal terminal
    except BaseException:
        client.reap()
        raise
    return run_built_app(app, client, args)


def core_args(args: argparse.Namespace) -> list[str]:
    """The options of ``cockpit`` that its core process needs too."""
    out: list[str] = []
    if args.config is not None:
        out += ["--config", str(args.config)]
    if args.db is not None:
        out += ["--db", str(args.db)]
    seed = getattr(args, "seed", None)
    if seed is not None:
        out += ["--seed", str(seed)]
    return out


def run_app(settings: Settings, client: CoreClient, args: argparse.Namespace) -> int:
    """Run the TUI on ``client`` with the terminal options (recording, low bandwidth)."""
    from cockpit.app import make_app

    app = make_app(settings, client)
    return run_built_app(app, client, args)


def run_built_app(app: CockpitApp, client: CoreClient, args: argparse.Namespace) -> int:
    from cockpit.recording import recording_driver, terminal_size

    if getattr(args, "low_bandwidth", False):
        app.animation_level = "none"
    record = getattr(args, "record", None)
    if record is not None:
        width, height = terminal_size()
        app.recorder.start(record, width, height)
    # Always teed (an attribute check a write while off), so Ctrl+R can start a recording.
    app.driver_class = recording_driver(app.driver_class, app.recorder)
    try:
        code = app.run()
    finally:
        import asyncio

        asyncio.run(client.stop())
        app.recorder.stop()
    if app.start_error is not None:
        return 1
    return (
        int(code or 0)
        if code is not None
        else 0
        if app.return_code is None
        else int(app.return_code or 0)
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_tui(argparse.Namespace(config=None, db=None)))
