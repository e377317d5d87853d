"""``cockpit feed verify|record``: check recorded market data, and record your own.

``verify`` replays recordings through the exact book builders and exits 0 only if every book
stayed consistent (every checksum verified, no sequence gap, no crossed book, every book synced).
``record`` connects to a venue's public stream and writes the JSON Lines framing ``verify`` reads.
"""

from __future__ import annotations

import argparse
import json
import math
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

    rec = sub.add_parser(
        "record",
        help="record a venue's public feed as JSON Lines (replayable with 'feed verify')",
        description="Connect to a venue's public market data and write every received frame "
        "(and, for Binance, every REST depth snapshot) as JSON Lines.",
    )
    rec.add_argument("--exchange", required=True, choices=("kraken", "binance"))
    rec.add_argument("--symbols", required=True, nargs="+", metavar="SYMBOL", help="e.g. BTC/USD")
    rec.add_argument("-o", "--output", required=True, type=Path, help="JSON Lines file (appended)")
    rec.add_argument("--duration", type=float, help="seconds to record (default: until Ctrl-C)")
    rec.add_argument("--depth", type=int, default=10, choices=(10, 25, 100, 500, 1000))
    rec.add_argument("--url", help="WebSocket URL (default: the venue's public endpoint)")
    rec.add_argument("--rest-url", help="Binance REST base URL (default: the public API)")
    rec.set_defaults(func=_record)

    emu = sub.add_parser(
        "emulate",
        help="serve recorded captures on 127.0.0.1 as a loopback exchange",
        description="Replay captures as a local exchange. Kraken: a cryptofeed v1 book capture "
        "(*.ws.*), or a python-kraken-sdk orderbook-v2.json plus an instrument snapshot. "
        "Binance: the *.ws.* capture, its *.http.* depth snapshots and optionally the "
        "EXCHANGE.0 exchangeInfo file.",
    )
    emu.add_argument("--exchange", required=True, choices=("kraken", "binance"))
    emu.add_argument("files", nargs="+", type=Path, metavar="FILE")
    emu.add_argument("--speed", type=float, default=1.0, help="replay speed (default 1×)")
    emu.add_argument("--port", type=int, default=0, help="WebSocket port (default: any free)")
    emu.add_argument("--duration", type=float, help="seconds to serve (default: until Ctrl-C)")
    emu.set_defaults(func=_emulate)


def _verify(args: argparse.Namespace) -> int:
    from core.feeds.replay import verify_files

    for path in args.files:
        if not path.is_file():
            raise DataError("not a readable file", path=str(path))
    try:
        report = verify_files(args.exchange, args.files, kraken_depth=args.depth)
    except UnicodeDecodeError as exc:
        raise DataError(f"not a text recording ({exc.reason})") from None
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.render())
    return 0 if report.ok else 1


def _record(args: argparse.Namespace) -> int:
    import asyncio

    from core.feeds.recorder import record
    from core.feeds.stream import FeedClient

    if args.duration is not None and not 0 < args.duration < math.inf:  # NaN fails too
        raise DataError("must be a positive finite number", column="--duration")
    feed: FeedClient
    if args.exchange == "kraken":
        from core.feeds.kraken_client import PUBLIC_URL, KrakenFeed

        feed = KrakenFeed(args.url or PUBLIC_URL, depth=args.depth)
    else:
        from core.feeds.binance_client import REST_URL, STREAM_URL, BinanceFeed

        feed = BinanceFeed(args.url or STREAM_URL, args.rest_url or REST_URL)
    try:
        recorder, health = asyncio.run(record(feed, args.symbols, args.output, args.duration))
    except OSError as exc:
        raise DataError(f"cannot write: {exc.strerror or exc}", path=str(args.output)) from None
    print(
        f"{args.output}: {recorder.frames} frames, {recorder.bodies} REST snapshots; "
        f"checksum failures {health.checksum_failures}, gaps {health.gaps}, "
        f"resyncs {health.resyncs}, reconnects {health.reconnects}"
    )
    return 0


def _emulate(args: argparse.Namespace) -> int:
    import asyncio
    import contextlib

    from core.feeds import emulator as em

    for path in args.files:
        if not path.is_file():
            raise DataError("not a readable file", path=str(path))
    if not 0 < args.speed < math.inf:  # NaN fails too: it would become a NaN sleep
        raise DataError("must be a positive finite number", column="--speed")
    if args.duration is not None and not 0 < args.duration < math.inf:
        raise DataError("must be a positive finite number", column="--duration")
    server: em.Emulator
    if args.exchange == "kraken":
        v2 = [p for p in args.files if p.suffix == ".json"]
        script = em.KrakenScript()
        for path in args.files:
            if ".ws." in path.name:
                em.kraken_from_v1(path, script)
        if v2:
            books = [p for p in v2 if '"init"' in p.read_text()[:200]]
            rest = [p for p in v2 if p not in books]
            if len(books) != 1 or len(rest) != 1:
                raise DataError("give one orderbook-v2.json and one instrument snapshot")
            em.kraken_from_v2(books[0], rest[0], script)
        if not script.books:
            raise DataError("no Kraken book capture among the files")
        server = em.KrakenEmulator(script, speed=args.speed, port=args.port)
    else:
        ws = [p for p in args.files if ".ws." in p.name]
        http = [p for p in args.files if ".http." in p.name]
        info = [p for p in args.files if p not in ws and p not in http]
        if len(ws) != 1 or len(http) != 1:
            raise DataError("give one BINANCE.ws.* and one BINANCE.http.* capture")
        bscript = em.binance_from_cryptofeed(ws[0], http[0], info[0] if info else None)
        server = em.BinanceEmulator(bscript, speed=args.speed, port=args.port)

    async def serve() -> None:
        async with server:
            if isinstance(server, em.BinanceEmulator):
                print(f"stream {server.stream_url}  rest {server.rest_url}", flush=True)
            else:
                print(f"ws {server.ws_url}", flush=True)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(args.duration):
                    await asyncio.Event().wait()

    asyncio.run(serve())
    return 0
