"""``cockpit rearm [--yes]``: release the kill switch and breakers, after a confirmation.

Shows why trading is paused (kill-switch level and reason) and asks ``yes`` on the terminal
unless ``--yes``; without a terminal to ask it never re-arms. Sent to the cockpit holding the
database (daemon or TUI) when one runs, else carried out by a core started here holding the
database's lock (the kill switch's state is stored, so it lasts). The prompt goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.client import CoreClient


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "rearm",
        help="re-arm trading after the kill switch or a breaker (confirmed)",
        description="Release the kill switch and breakers so trading may resume. Asks for "
        "'yes' unless --yes.",
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_common_options(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from cockpit.commands.headless import run_core

    return run_core(args, lambda client: _rearm(client, args.yes))


async def _rearm(client: CoreClient, yes: bool) -> int:
    import asyncio

    from core.views import KillSwitch

    state = client.latest()
    if state is not None and state.trading_enabled and state.kill_level == 0:
        print("trading is active: nothing to re-arm")
        return 0
    why = (
        f"kill switch level {state.kill_level}, {state.trading_reason or 'no reason given'}"
        if state is not None
        else "state unknown"
    )
    if not yes:
        print(f"trading is paused ({why}). re-arm? [yes/N] ", end="", file=sys.stderr, flush=True)
        try:
            answer = await asyncio.to_thread(sys.stdin.readline)
        except (EOFError, OSError):  # no terminal to ask: never re-arm without a yes
            answer = ""
        if answer.strip().lower() != "yes":
            print("cancelled", file=sys.stderr)
            return 1
    result = await client.send(KillSwitch(engage=False, reason="cockpit rearm"))
    print(("ok: " if result.ok else "refused: ") + result.message)
    return 0 if result.ok else 1
