"""The shared bodies of headless commands: one writer per database (:mod:`core.access`).

A command that writes runs its job against a :class:`~core.client.CoreClient`: the cockpit
already holding the database (a daemon or a TUI's own core), over its socket, or else a core
started here holding the instance lock. A command that only reads asks the running core, or
reads the database opened read-only when none runs (:mod:`core.usecases`): it never starts a
core, so it writes nothing (no session, no daily closes, no journal).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from core import __version__

if TYPE_CHECKING:
    from core.client import CoreClient

T = TypeVar("T")

CLI_CLIENT = f"cockpit-cli/{__version__}"
"""How CLI commands name themselves to a running core (its log and audit trail show it)."""


def run_core(args: argparse.Namespace, job: Callable[[CoreClient], Awaitable[int]]) -> int:
    """Run ``job`` against the database's writer for ``args`` (config, db); its exit code."""
    from cockpit.commands.tui import configure_logging, settings_from_args
    from core.access import operator_client

    settings = settings_from_args(args)
    configure_logging(settings)

    async def main() -> int:
        async with operator_client(settings, client=CLI_CLIENT) as client:
            return await job(client)

    return _run(main())


def _run(main: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(main)
    finally:
        root = logging.getLogger()
        for handler in root.handlers[:]:
            handler.close()
            root.removeHandler(handler)
