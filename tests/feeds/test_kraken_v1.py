"""Kraken WS v1: every checksum of the depth-1000 cryptofeed capture verifies."""

from __future__ import annotations

from pathlib import Path

import orjson

from core.feeds.capture import read_cryptofeed
from core.feeds.encode import kraken_v1_book_snapshot
from core.feeds.events import BookSynced, ResyncNeeded, SyncState
from core.feeds.kraken_v1 import KrakenV1Handler
from core.feeds.replay import verify_files


def received(cryptofeed_dir: Path) -> list[str]:
    return [
        r.payload for r in read_cryptofeed(cryptofeed_dir / "KRAKEN.ws.50.0") if r.kind == "recv"
    ]


def test_every_v1_checksum_verifies(cryptofeed_dir: Path) -> None:
    frames = received(cryptofeed_dir)
    with_checksum = [f for f in frames if f.startswith("[") and '"c":' in f]
    handler = KrakenV1Handler()
    for frame in frames:
        assert not [e for e in handler.on_message(frame) if isinstance(e, ResyncNeeded)]
    totals = handler.totals()
    assert totals.checksums_ok == len(with_checksum) > 4000
    assert totals.checksum_failures == 0 and totals.crossed == 0
    assert totals.snapshots == len(handler.books) == 10
    for sb in handler.books.values():
        assert sb.depth == 1000 and sb.state is SyncState.LIVE and sb.verified


def test_corrupted_level_fails_only_its_pair_until_a_snapshot_heals(cryptofeed_dir: Path) -> None:
    frames = received(cryptofeed_dir)
    clean = KrakenV1Handler()
    for frame in frames:
        clean.on_message(frame)
    updates = [
        i for i, f in enumerate(frames) if f.startswith("[") and '"XMR/USD"' in f and '"c":' in f
    ]
    bad_at, heal_at = updates[50], updates[60]
    reference = KrakenV1Handler()
    handler = KrakenV1Handler()
    for i, frame in enumerate(frames):
        reference.on_message(frame)
        if i == bad_at:
            msg = orjson.loads(frame)
            side = msg[1].get("a") or msg[1].get("b")
            side[0][1] = "9" + side[0][1][1:] if side[0][1][0] != "9" else "1" + side[0][1][1:]
            frame = orjson.dumps(msg).decode()
        if i == heal_at:
            ref = reference.book("XMR/USD")
            assert ref is not None
            frame = kraken_v1_book_snapshot(992, "XMR/USD", ref.book, 1000, "1618678140.0").decode()
        events = handler.on_message(frame)
        if i == bad_at:
            assert [type(e) for e in events] == [ResyncNeeded]
        if i == heal_at:
            assert BookSynced("XMR/USD") in events
    xmr = handler.books["XMR/USD"].stats
    assert xmr.checksum_failures == 1 and xmr.resyncs == 1 and xmr.skipped == 9
    for symbol, sb in handler.books.items():
        assert sb.state is SyncState.LIVE
        if symbol != "XMR/USD":
            assert sb.stats == clean.books[symbol].stats
    assert handler.books["XMR/USD"].book.levels(1000) == clean.books["XMR/USD"].book.levels(1000)


def test_verify_summarises_the_capture(cryptofeed_dir: Path) -> None:
    report = verify_files("kraken", [cryptofeed_dir / "KRAKEN.ws.50.0"])
    assert report.ok, report.render()
    (sent,) = [r for r in read_cryptofeed(cryptofeed_dir / "KRAKEN.ws.50.0") if r.kind == "sent"]
    assert [s.symbol for s in report.symbols] == sorted(orjson.loads(sent.payload)["pair"])
    assert report.totals.checksums_ok == sum(s.stats.checksums_ok for s in report.symbols)
    assert report.sent == 1 and report.frames == len(received(cryptofeed_dir))
