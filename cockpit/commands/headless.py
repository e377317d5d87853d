"""The shared bodies of headless commands: one writer per database (:mod:`core.access`).

A command that writes runs its job against a :class:`~core.client.CoreClient`: the cockpit
already holding the database (a daemon or a TUI's own core), over its socket, or else a core
started here holding the instance lock. A command that only reads asks the running core, or
reads the database opened read-only when none runs: it never starts a core, so it writes
nothing (no session, no daily closes, no journal).
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
    from core.config import Settings
    from core.daemon.remote import RemoteCore
    from core.store import Store

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


def run_reader(
    settings: Settings,
    from_core: Callable[[RemoteCore], Awaitable[T]],
    from_store: Callable[[Store], Awaitable[T]],
) -> T:
    """``from_core`` on the running core if one holds the database, else ``from_store`` on the
    database opened read-only. Neither can write."""
    from core.access import reader_client
    from core.store import Store

    async def main() -> T:
        async with reader_client(settings, client=CLI_CLIENT) as remote:
            if remote is not None:
                return await from_core(remote)
        store = await Store.open_readonly(settings.db_path())
        try:
            return await from_store(store)
        finally:
            await store.close()

    return _run(main())


def _run(main: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(main)
    finally:
        root = logging.getLogger()
        for handler in root.handlers[:]:
            handler.close()
            root.removeHandler(handler)
