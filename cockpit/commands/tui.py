"""The default command: run the TUI with an in-process core."""

from __future__ import annotations

import argparse
import logging
import sys

from core.config import Settings, load_settings


def configure_logging(settings: Settings) -> None:
    """Logs go to a file in the data dir, never to stdout (the terminal belongs to the TUI)."""
    path = settings.log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.logging.level)


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.db is not None:
        store = settings.store.model_copy(update={"path": args.db})
        settings = settings.model_copy(update={"store": store})
    return settings


def run_tui(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    configure_logging(settings)
    from cockpit.app import make_app
    from core.bootstrap import build_core
    from core.client import ThreadedCore

    client = ThreadedCore(lambda: build_core(settings))
    app = make_app(settings, client)
    try:
        code = app.run()
    finally:
        import asyncio

        asyncio.run(client.stop())
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
