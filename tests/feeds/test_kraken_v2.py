"""Kraken WS v2: every checksum of the shared depth-10 capture verifies; faults are caught."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from core.feeds.encode import kraken_v2_book_snapshot
from core.feeds.events import (
    BookSynced,
    BookUpdated,
    InstrumentsUpdated,
    Malformed,
    ResyncNeeded,
    ShutdownNotice,
    Subscribed,
    SyncState,
    TickerUpdated,
    TradePrinted,
    VenueReply,
)
from core.feeds.kraken_v2 import KrakenV2Handler, Precision
from core.feeds.numbers import decimal_ticks
from core.feeds.replay import verify_files
from core.models import Side


def loaded(instrument_frame: str, depth: int | None = None) -> KrakenV2Handler:
    handler = KrakenV2Handler(depth=depth)
    events = handler.on_message(instrument_frame)
    assert isinstance(events[-1], InstrumentsUpdated) and events[-1].count > 600
    return handler


def test_instrument_frame_gives_btc_usd_precisions(instrument_frame: str) -> None:
    handler = loaded(instrument_frame)
    assert handler.precisions["BTC/USD"] == Precision(price=1, qty=8)
    btc = handler.instruments["BTC/USD"]
    assert btc.price_tick == Decimal("0.1") and btc.qty_step == Decimal("1E-8")
    assert btc.min_qty == Decimal("0.0001") and btc.base == "BTC"


def test_every_checksum_of_the_v2_capture_verifies(
    instrument_frame: str, kraken_v2_frames: list[str]
) -> None:
    handler = loaded(instrument_frame)
    for frame in kraken_v2_frames:
        events = handler.on_message(frame)
        assert not [e for e in events if isinstance(e, ResyncNeeded | Malformed)], frame
    sb = handler.book("BTC/USD")
    assert sb is not None and sb.state is SyncState.LIVE and sb.verified
    assert sb.depth == 10  # inferred from the snapshot's size
    assert sb.stats.checksums_ok == len(kraken_v2_frames)
    assert sb.stats.checksum_failures == 0 and sb.stats.crossed == 0
    assert len(sb.book.bids) == 10 and len(sb.book.asks) == 10
    # The rebuilt top of book equals the last frame's own final word on those levels.
    bids, asks = sb.book.levels(1)
    assert bids[0].price < asks[0].price


def test_skipping_the_depth_cut_breaks_checksums(
    instrument_frame: str, kraken_v2_frames: list[str]
) -> None:
    handler = loaded(instrument_frame, depth=1000)
    failures = [
        e for f in kraken_v2_frames for e in handler.on_message(f) if isinstance(e, ResyncNeeded)
    ]
    assert failures and failures[0].reason.startswith("checksum mismatch")


def test_corrupted_checksum_marks_symbol_and_a_fresh_snapshot_heals(
    instrument_frame: str, kraken_v2_frames: list[str]
) -> None:
    reference = loaded(instrument_frame)
    handler = loaded(instrument_frame)
    bad_at, heal_at = 100, 130
    for i, frame in enumerate(kraken_v2_frames):
        reference.on_message(frame)
        if i == bad_at:
            obj = json.loads(frame)
            obj["data"][0]["checksum"] ^= 1
            frame = json.dumps(obj)
        if i == heal_at:
            ref = reference.book("BTC/USD")
            assert ref is not None
            frame = kraken_v2_book_snapshot(
                "BTC/USD", ref.book, 10, "2023-07-30T15:30:00Z"
            ).decode()
        events = handler.on_message(frame)
        sb = handler.book("BTC/USD")
        assert sb is not None
        if i == bad_at:
            assert [type(e) for e in events] == [ResyncNeeded]
        elif bad_at < i < heal_at:
            assert events == [] and sb.state is SyncState.AWAITING
        elif i == heal_at:
            assert BookSynced("BTC/USD") in events
    sb = handler.book("BTC/USD")
    ref = reference.book("BTC/USD")
    assert sb is not None and ref is not None
    assert sb.state is SyncState.LIVE and sb.stats.checksum_failures == 1 and sb.stats.resyncs == 1
    assert sb.stats.skipped == heal_at - bad_at - 1
    assert sb.book.levels(10) == ref.book.levels(10)


def test_dropped_frame_is_caught_by_the_next_checksum(
    instrument_frame: str, kraken_v2_frames: list[str]
) -> None:
    handler = loaded(instrument_frame)
    dropped = 200
    for i, frame in enumerate(kraken_v2_frames[: dropped + 2]):
        if i == dropped:
            continue
        events = handler.on_message(frame)
        failed = [e for e in events if isinstance(e, ResyncNeeded)]
        assert bool(failed) is (i == dropped + 1)


def test_without_precisions_the_book_is_refused(kraken_v2_frames: list[str]) -> None:
    handler = KrakenV2Handler()
    events = handler.on_message(kraken_v2_frames[0])
    assert isinstance(events[0], Malformed) and "precisions" in events[0].reason
    assert handler.book("BTC/USD") is None


def test_numbers_beyond_float_precision_take_the_exact_path(instrument_frame: str) -> None:
    handler = loaded(instrument_frame)
    huge = "123456789.12345671"  # 17 significant digits: a float cannot hold it
    frame = (
        '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",'
        f'"bids":[{{"price":29000.1,"qty":{huge}}}],"asks":[{{"price":29000.2,"qty":1.5}}]}}]}}'
    )
    events = handler.on_message(frame)
    assert BookSynced("BTC/USD") in events
    sb = handler.book("BTC/USD")
    assert sb is not None
    assert sb.book.bids.top(1) == [(290001, decimal_ticks(Decimal(huge), 8))]
    assert round(float(huge) * 1e8) != decimal_ticks(Decimal(huge), 8)


def test_verify_reads_the_jsonl_recording(
    kraken_v2_jsonl: Path, kraken_v2_frames: list[str]
) -> None:
    report = verify_files("kraken", [kraken_v2_jsonl])
    assert report.ok, report.render()
    assert report.frames == len(kraken_v2_frames) + 1
    assert report.totals.checksums_ok == len(kraken_v2_frames)
    assert report.totals.checksum_failures == 0


def test_other_channels(instrument_frame: str) -> None:
    handler = loaded(instrument_frame)
    trade = (
        '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell",'
        '"price":29430.2,"qty":0.00120000,"ord_type":"market","trade_id":77,'
        '"timestamp":"2023-07-30T15:29:58.343415Z"}]}'
    )
    (event,) = handler.on_message(trade)
    assert isinstance(event, TradePrinted)
    assert event.trade.price == Decimal("29430.2") and event.trade.qty == Decimal("0.00120000")
    assert event.trade.side is Side.SELL and event.trade.trade_id == "77"
    assert event.trade.ts.microsecond == 343415 and event.trade.ts.utcoffset() is not None
    ticker = (
        '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":29430.2,'
        '"bid_qty":1.5,"ask":29430.3,"ask_qty":0.25,"last":29430.3,"event_trigger":"bbo"}]}'
    )
    assert handler.on_message(ticker) == [TickerUpdated("BTC/USD")]
    assert handler.tickers["BTC/USD"].ask == Decimal("29430.3")
    ack = (
        '{"method":"subscribe","result":{"channel":"book","depth":25,"snapshot":true,'
        '"symbol":"ETH/USD"},"success":true,"req_id":4}'
    )
    assert handler.on_message(ack) == [
        VenueReply("subscribe", True, "", 4),
        Subscribed("book", "ETH/USD"),
    ]
    error = (
        '{"method":"subscribe","success":false,"error":"Currency pair not supported","req_id":5}'
    )
    assert handler.on_message(error) == [
        VenueReply("subscribe", False, "Currency pair not supported", 5)
    ]
    status = '{"channel":"status","type":"update","data":[{"system":"maintenance"}]}'
    assert handler.on_message(status) == [ShutdownNotice("system maintenance")]
    assert isinstance(handler.on_message(b"{not json")[0], Malformed)
    eth = handler.on_message(
        '{"channel":"book","type":"snapshot","data":[{"symbol":"ETH/USD","bids":[{"price":1800.1,'
        '"qty":1.0}],"asks":[{"price":1800.2,"qty":2.0}]}]}'
    )
    sb = handler.book("ETH/USD")
    assert BookUpdated("ETH/USD") in eth and sb is not None and sb.depth == 25
    assert not sb.verified  # no checksum was offered, so none was verified
