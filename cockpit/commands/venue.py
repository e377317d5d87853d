"""``cockpit venue check|loopback``: try a live venue's REST side, or serve a loopback one.

``check`` loads a configured Kraken/Binance venue's markets (and, with keys, its balances and
fee tier) and prints what it found: the quick way to see that keys and URLs are right before
starting the cockpit. ``loopback`` serves a venue's REST API on 127.0.0.1 from recorded bodies
(cryptofeed captures), for demos and offline runs (point the venue's ``rest_url`` at it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("venue", help="check live venues; serve a loopback venue")
    sub = parser.add_subparsers(title="venue commands", metavar="ACTION", required=True)

    check = sub.add_parser(
        "check",
        help="load a live venue's markets (and balances and fees with keys) and report",
        description="Connect to the configured kraken/binance venue(s) by REST and report "
        "markets, the configured symbols' increments, fees and (with keys) balances.",
    )
    check.add_argument("names", nargs="*", metavar="NAME", help="venue names (default: all live)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=_check)

    loop = sub.add_parser(
        "loopback",
        help="serve a venue's REST API on 127.0.0.1 from recorded bodies",
        description="Kraken: a cryptofeed KRAKEN.0 AssetPairs capture. Binance: BINANCE.0 "
        "(exchangeInfo) and optionally a BINANCE.http.* depth capture. Orders are kept in "
        "memory; balances start as given with --balance ASSET=QTY.",
    )
    loop.add_argument("--exchange", required=True, choices=("kraken", "binance"))
    loop.add_argument("capture", type=Path, metavar="FILE", help="markets capture")
    loop.add_argument("--depth", type=Path, help="Binance depth capture (*.http.*)")
    loop.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    loop.add_argument("--api-key", help="require this API key on private endpoints")
    loop.add_argument(
        "--balance", action="append", default=[], metavar="ASSET=QTY", help="starting balance"
    )
    loop.set_defaults(func=_loopback)


def _check(args: argparse.Namespace) -> int:
    from core.config import load_settings
    from core.errors import ConfigError, ConfigProblem
    from core.usecases.venue_check import VenueCheck, check_venue
    from core.venues.factory import build_live_venue

    settings = load_settings(args.config)
    live = [v for v in settings.venues if v.kind in ("kraken", "binance")]
    if args.names:
        unknown = sorted(set(args.names) - {v.name for v in live})
        if unknown:
            problems = [ConfigProblem("venues", f"no live venue named {n!r}") for n in unknown]
            raise ConfigError("config", problems)
        live = [v for v in live if v.name in args.names]
    if not live:
        raise ConfigError("config", [ConfigProblem("venues", "no kraken or binance venue")])
    venues = [build_live_venue(v) for v in live]

    async def run() -> list[VenueCheck]:
        return [await check_venue(v) for v in venues]

    reports = asyncio.run(run())
    if args.json:
        print(json.dumps([r.as_json() for r in reports], indent=2))
        return 0
    for r in reports:
        keys = "with keys" if r.keys else "no keys (public data only)"
        print(f"{r.venue}: {r.markets} markets, {keys}")
        for symbol, inc in r.symbols.items():
            print(
                f"  {symbol}: tick {inc.tick} step {inc.step} min qty {inc.min_qty} "
                f"min notional {inc.min_notional}"
            )
        if r.unknown_symbols:
            print(f"  unknown symbols: {', '.join(r.unknown_symbols)}")
        if r.fees is not None:
            f = r.fees
            print(f"  fees {f.symbol}: maker {f.maker} taker {f.taker}")
        if r.balances is not None:
            print(f"  balances: {len(r.balances)} non-zero")
    return 0


def _loopback(args: argparse.Namespace) -> int:
    from decimal import Decimal, InvalidOperation
    from urllib.parse import parse_qs, urlsplit

    from core.errors import DataError
    from core.feeds.capture import read_capture
    from core.venues.loopback import BinanceLoopback, KrakenLoopback, LoopbackVenue

    balances: dict[str, Decimal] = {}
    for item in args.balance:
        asset, _, qty = item.partition("=")
        try:
            balances[asset.strip()] = Decimal(qty)
        except InvalidOperation:
            raise DataError(f"--balance {item!r}: expected ASSET=QTY") from None

    def bodies(path: Path, marker: str) -> list[tuple[str, str]]:
        found = [(r.url or "", r.payload) for r in read_capture(path) if r.kind == "http"]
        found = [(u, b) for u, b in found if marker in u]
        if not found:
            raise DataError(f"no {marker} response in the capture", path=str(path))
        return found

    server: LoopbackVenue
    options: dict[str, Any] = {"api_key": args.api_key, "balances": balances}
    if args.exchange == "kraken":
        server = KrakenLoopback(bodies(args.capture, "AssetPairs")[0][1], **options)
    else:
        depth = {}
        if args.depth is not None:
            for url, body in bodies(args.depth, "depth"):
                depth[parse_qs(urlsplit(url).query)["symbol"][0]] = body
        info = bodies(args.capture, "exchangeInfo")[0][1]
        server = BinanceLoopback(info, depth, **options)
    server.port = args.port

    async def serve() -> None:
        async with server:
            print(f"{args.exchange} REST loopback on {server.url} (Ctrl-C to stop)", flush=True)
            await asyncio.Event().wait()

    asyncio.run(serve())
    return 0
