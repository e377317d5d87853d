"""``cockpit feed verify|record``: check recorded market data, and record your own.

``verify`` replays recordings through the exact book builders and exits 0 only if every book
stayed consistent (every checksum verified, no sequence gap, no crossed book, every book synced).
``record`` connects to a venue's public stream and writes the JSON Lines framing ``verify`` reads.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.errors import DataError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("feed", help="verify and record market-data feeds")
    sub = parser.add_subparsers(title="feed commands", metavar="ACTION", required=True)

    verify = sub.add_parser(
        "verify",
        help="replay recordings through the book builder (exit 0 only if books stayed consistent)",
        description="Replay cryptofeed captures (*.ws.*, with *.http.* depth snapshots for "
        "Binance) or JSON Lines recordings through the exact book builders and summarise.",
    )
    verify.add_argument("--exchange", required=True, choices=("kraken", "binance"))
    verify.add_argument("files", nargs="+", type=Path, metavar="FILE")
    verify.add_argument("--json", action="store_true", help="print the summary as JSON")
    verify.add_argument(
        "--depth",
        type=int,
        choices=(10, 25, 100, 500, 1000),
        help="Kraken v2 book depth, if the recording lacks the subscription ack",
    )
    verify.set_defaults(func=_verify)


def _verify(args: argparse.Namespace) -> int:
    from core.feeds.replay import verify_files

    for path in args.files:
        if not path.is_file():
            raise DataError("no such file", path=str(path))
    try:
        report = verify_files(args.exchange, args.files, kraken_depth=args.depth)
    except UnicodeDecodeError as exc:
        raise DataError(f"not a text recording ({exc.reason})") from None
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.render())
    return 0 if report.ok else 1
