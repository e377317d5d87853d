"""Market scripts for the loopback emulator, built from recorded captures (pure, no I/O here
beyond reading the files).

A script is the recording turned into a timeline of book events per symbol, plus each symbol's
starting book, so the emulator can both replay the stream and answer "what is the book now?"
(a Kraken resubscription or a Binance depth request) at any point of the replay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from core.feeds.book import L2Book
from core.feeds.capture import read_cryptofeed
from core.feeds.numbers import decimals_of, str_ticks

Levels = list[tuple[int, int]]

V1_TO_V2_ASSETS = {"XBT": "BTC", "XDG": "DOGE"}


@dataclass(slots=True)
class KrakenEvent:
    """One v2 book update: levels in ticks, the checksum the venue sent, and when."""

    t: float
    symbol: str
    bids: Levels
    asks: Levels
    checksum: int
    timestamp: str


@dataclass(slots=True)
class KrakenScript:
    """Starting books, their depth and precisions, the update timeline and the instrument frame."""

    books: dict[str, L2Book] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    events: list[KrakenEvent] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    """Instrument-channel pair entries (``price_precision``/``qty_precision``...)."""
    trades: list[tuple[float, str]] = field(default_factory=list)

    def instrument_frame(self) -> str:
        return json.dumps(
            {
                "channel": "instrument",
                "type": "snapshot",
                "data": {"assets": [], "pairs": self.pairs},
            }
        )

    def sort(self) -> None:
        self.events.sort(key=lambda e: e.t)


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _pair(symbol: str, ps: int, qs: int) -> dict[str, Any]:
    base, _, quote = symbol.partition("/")
    return {
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "status": "online",
        "price_precision": ps,
        "qty_precision": qs,
        "price_increment": str(Decimal(1).scaleb(-ps)),
        "qty_increment": str(Decimal(1).scaleb(-qs)),
        "qty_min": "0",
        "cost_min": "0",
    }


def kraken_from_v1(path: Path, script: KrakenScript | None = None) -> KrakenScript:
    """A v2 script from a v1 cryptofeed capture (pairs renamed ``XBT`` → ``BTC``).

    The v1 checksums carry over unchanged: both versions checksum the same decimal strings.
    """
    script = script or KrakenScript()
    for record in read_cryptofeed(path):
        if record.kind != "recv" or not record.payload.startswith("["):
            continue
        msg = orjson.loads(record.payload)
        channel, pair = msg[-2], msg[-1]
        if not str(channel).startswith("book-"):
            continue
        symbol = "/".join(V1_TO_V2_ASSETS.get(a, a) for a in pair.split("/"))
        payloads = msg[1:-2]
        if "as" in payloads[0] or "bs" in payloads[0]:
            first = payloads[0]
            sample = (first.get("as") or first.get("bs"))[0]
            ps, qs = decimals_of(sample[0]), decimals_of(sample[1])
            book = L2Book(ps, qs)
            for rows, side in ((first.get("bs", []), book.bids), (first.get("as", []), book.asks)):
                for row in rows:
                    side.set(str_ticks(row[0], ps), str_ticks(row[1], qs))
            script.books[symbol] = book
            script.depth[symbol] = int(channel[5:])
            script.pairs = [p for p in script.pairs if p["symbol"] != symbol] + [
                _pair(symbol, ps, qs)
            ]
            continue
        book = script.books[symbol]
        ps, qs = book.price_scale, book.qty_scale
        bids: Levels = []
        asks: Levels = []
        checksum = 0
        for payload in payloads:
            for row in payload.get("b", []):
                bids.append((str_ticks(row[0], ps), str_ticks(row[1], qs)))
            for row in payload.get("a", []):
                asks.append((str_ticks(row[0], ps), str_ticks(row[1], qs)))
            checksum = int(payload.get("c", checksum))
        ts = record.ts or 0.0
        script.events.append(KrakenEvent(ts, symbol, bids, asks, checksum, _iso(ts)))
    script.sort()
    return script


def kraken_from_v2(
    book_fixture: Path, instruments: Path, script: KrakenScript | None = None
) -> KrakenScript:
    """A script from python-kraken-sdk's ``orderbook-v2.json`` and the instrument snapshot."""
    from datetime import datetime

    script = script or KrakenScript()
    instrument = json.loads(instruments.read_text(), parse_float=Decimal)
    precisions = {p["symbol"]: p for p in instrument["data"]["pairs"]}
    fixture = json.loads(book_fixture.read_text(), parse_float=Decimal)
    snap = fixture["init"]["data"][0]
    symbol = snap["symbol"]
    pair = precisions[symbol]
    ps, qs = int(pair["price_precision"]), int(pair["qty_precision"])
    book = L2Book(ps, qs)

    def ticks(level: dict[str, Decimal]) -> tuple[int, int]:
        return int(level["price"].scaleb(ps)), int(Decimal(level["qty"]).scaleb(qs))

    for level in snap["bids"]:
        book.bids.set(*ticks(level))
    for level in snap["asks"]:
        book.asks.set(*ticks(level))
    script.books[symbol] = book
    script.depth[symbol] = max(len(snap["bids"]), len(snap["asks"]))
    script.pairs = [p for p in script.pairs if p["symbol"] != symbol] + [_pair(symbol, ps, qs)]
    for frame in fixture["updates"]:
        for entry in frame["data"]:
            stamp = entry["timestamp"]
            t = datetime.fromisoformat(stamp).timestamp()
            script.events.append(
                KrakenEvent(
                    t,
                    entry["symbol"],
                    [ticks(lv) for lv in entry["bids"]],
                    [ticks(lv) for lv in entry["asks"]],
                    int(entry["checksum"]),
                    stamp,
                )
            )
    script.sort()
    return script


@dataclass(slots=True)
class BinanceScript:
    """The recorded combined-stream frames in order, and each symbol's REST snapshot."""

    frames: list[tuple[float, str, str, dict[str, Any] | None]] = field(default_factory=list)
    """``(t, stream name, frame text, depth event or None)``."""
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    exchange_info: bytes | None = None


def binance_from_cryptofeed(
    ws: Path, http: Path, exchange_info: Path | None = None
) -> BinanceScript:
    script = BinanceScript()
    for record in read_cryptofeed(http):
        symbol = parse_qs(urlsplit(record.url or "").query).get("symbol", [""])[0]
        if symbol:
            script.snapshots[symbol] = orjson.loads(record.payload)
    for record in read_cryptofeed(ws):
        if record.kind != "recv":
            continue
        msg = orjson.loads(record.payload)
        data = msg.get("data", {})
        depth = data if data.get("e") == "depthUpdate" else None
        script.frames.append((record.ts or 0.0, msg.get("stream", ""), record.payload, depth))
    if exchange_info is not None:
        for record in read_cryptofeed(exchange_info):
            if record.kind == "http" and "exchangeInfo" in (record.url or ""):
                script.exchange_info = record.payload.encode()
    return script
