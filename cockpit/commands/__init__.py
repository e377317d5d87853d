"""Sub-commands of the ``cockpit`` CLI, one module each.

Each module exposes ``register(subparsers)`` which adds its parser and sets ``func`` to a
callable ``(args) -> int`` (the exit code). Modules import heavy dependencies inside their
handlers so ``cockpit --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib

COMMAND_MODULES: tuple[str, ...] = (
    "config",
    "risk",
    "backtest",
    "classify",
    "imports",
    "holdings",
    "plan",
    "feed",
    "venue",
    "order",
    "book",
    "log",
    "rearm",
    "execute_plan",
    "audit",
    "daemon",
    "attach",
    "sessions",
    "replay",
)
"""Modules under ``cockpit.commands`` that register a sub-command, in help order."""


def register_all(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"cockpit.commands.{name}")
        module.register(subparsers)
