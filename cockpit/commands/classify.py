"""``cockpit classify SYMBOL... [--json]``: which group each symbol belongs to, and why."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="show the taxonomy group of symbols (with confidence and reason)",
        description="Classify symbols into the 11 asset groups. Table entries and config "
        "overrides have confidence 1; anything else is a heuristic guess, shown as such.",
    )
    parser.add_argument("symbols", nargs="+", metavar="SYMBOL", help="e.g. BTC SOL2 STETH")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=_classify)


def _classify(args: argparse.Namespace) -> int:
    from core.config import load_settings
    from core.portfolio.taxonomy import load_taxonomy

    settings = load_settings(args.config)
    taxonomy = load_taxonomy(settings.portfolio.taxonomy.overrides)
    results = [taxonomy.classify(symbol) for symbol in args.symbols]
    if args.json:
        payload = {
            "version": taxonomy.version,
            "results": [r.model_dump(mode="json") for r in results],
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    width = max(len(r.symbol) for r in results)
    group_width = max(len(r.group) for r in results)
    for r in results:
        mark = "?" if r.is_guess else " "
        print(
            f"{r.symbol:<{width}}  {r.group:<{group_width}} {mark} {r.confidence:4.2f}  "
            f"{r.source.value:<10}  {r.reason}"
        )
    print(f"taxonomy {taxonomy.version}; '?' marks a guess (add an override in config)")
    return 0
