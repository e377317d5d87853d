"""``cockpit config validate [PATH]``: check a configuration and report every problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("config", help="inspect and validate configuration")
    sub = parser.add_subparsers(title="config commands", metavar="ACTION", required=True)
    validate = sub.add_parser("validate", help="validate a config file (exit 2 if invalid)")
    validate.add_argument("path", nargs="?", type=Path, help="file to check (default: in use)")
    validate.set_defaults(func=_validate)
    defaults = sub.add_parser("defaults", help="print the documented default configuration")
    defaults.set_defaults(func=_defaults)


def _validate(args: argparse.Namespace) -> int:
    import os

    from core.config import load_settings, resolve_config_path

    path = args.path or args.config
    settings = load_settings(path)
    shown = path or resolve_config_path(None, os.environ) or "built-in defaults"
    if settings.ui.keys:  # the key remaps name the TUI's bindings: checked against them
        from cockpit.keymap import checked

        checked(settings.ui.keys, str(shown))
    print(f"{shown}: ok", file=sys.stdout)
    return 0


def _defaults(args: argparse.Namespace) -> int:
    from core.config_doc import defaults_yaml

    sys.stdout.write(defaults_yaml())
    return 0
