"""Run one job against a started core and stop it: the shared body of headless commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any


def run_core(args: argparse.Namespace, job: Callable[[Any], Awaitable[int]]) -> int:
    """Start the core for ``args`` (config, db), wait for holdings, run ``job``, stop."""
    from cockpit.commands.tui import configure_logging, settings_from_args
    from core.bootstrap import build_core

    settings = settings_from_args(args)
    configure_logging(settings)

    async def main() -> int:
        core = build_core(settings)
        await core.start()
        try:
            core.publish()
            return await job(core)
        finally:
            await core.stop()

    try:
        return asyncio.run(main())
    finally:
        root = logging.getLogger()
        for handler in root.handlers[:]:
            handler.close()
            root.removeHandler(handler)
