"""Binance diff-depth: every symbol bridges its REST snapshot; gaps and bad tickers are caught."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from core.feeds.binance import BinanceHandler
from core.feeds.capture import Record, read_all
from core.feeds.encode import binance_depth_snapshot
from core.feeds.events import BookSynced, Malformed, ResyncNeeded, SyncState
from core.feeds.replay import verify_files


def records(cryptofeed_dir: Path) -> list[Record]:
    return read_all([cryptofeed_dir / "BINANCE.ws.1.0", cryptofeed_dir / "BINANCE.http.0.0"])


def symbol_of(record: Record) -> str:
    return parse_qs(urlsplit(record.url or "").query)["symbol"][0]


def feed(handler: BinanceHandler, record: Record) -> list[object]:
    if record.kind == "http":
        return list(handler.on_snapshot(symbol_of(record), record.payload))
    if record.kind == "recv":
        return list(handler.on_message(record.payload))
    return []


def depth_counts(recs: list[Record]) -> Counter[str]:
    return Counter(
        orjson.loads(r.payload)["data"]["s"]
        for r in recs
        if r.kind == "recv" and "depthUpdate" in r.payload
    )


def test_every_symbol_bridges_its_snapshot_with_zero_gaps(cryptofeed_dir: Path) -> None:
    recs = records(cryptofeed_dir)
    counts = depth_counts(recs)
    handler = BinanceHandler()
    for record in recs:
        feed(handler, record)
    assert set(handler.books) == set(counts) == {symbol_of(r) for r in recs if r.kind == "http"}
    for symbol, sb in handler.books.items():
        st = sb.stats
        assert sb.state is SyncState.LIVE and sb.verified, symbol
        assert st.snapshots == 1 and st.gaps == 0 and st.crossed == 0 and st.resyncs == 0
        # every depth event was either applied or already covered by the snapshot
        assert st.updates + st.stale_events == counts[symbol]
        assert st.ticker_mismatches == 0
    assert handler.totals().ticker_checks > 0


def test_verify_picks_up_the_snapshots_beside_the_ws_capture(cryptofeed_dir: Path) -> None:
    report = verify_files("binance", [cryptofeed_dir / "BINANCE.ws.1.0"])
    assert report.ok, report.render()
    assert report.http == 4 and report.totals.gaps == 0 and report.totals.snapshots == 4


def test_dropped_event_is_a_gap_for_that_symbol_only_and_a_snapshot_heals(
    cryptofeed_dir: Path,
) -> None:
    recs = records(cryptofeed_dir)
    nkn = [i for i, r in enumerate(recs) if r.kind == "recv" and "nknusdt@depth" in r.payload]
    drop, heal = nkn[40], nkn[60]
    clean, handler = BinanceHandler(), BinanceHandler()
    for i, record in enumerate(recs):
        feed(clean, record)
        if i == drop:
            continue
        events = feed(handler, record)
        if i == nkn[41]:
            assert [type(e) for e in events] == [ResyncNeeded]
            assert handler.books["NKNUSDT"].state is SyncState.AWAITING
        if i == heal:
            # what a REST depth request would return now: the clean book as of this event
            snapshot = binance_depth_snapshot(clean.books["NKNUSDT"].book)
            assert BookSynced("NKNUSDT") in handler.on_snapshot("NKNUSDT", orjson.dumps(snapshot))
    for symbol, sb in handler.books.items():
        assert sb.state is SyncState.LIVE
        assert sb.book.levels(1000) == clean.books[symbol].book.levels(1000)
        if symbol != "NKNUSDT":
            assert sb.stats == clean.books[symbol].stats
    assert handler.books["NKNUSDT"].stats.gaps == 1
    assert handler.books["NKNUSDT"].stats.resyncs == 1


def test_duplicate_event_is_skipped_not_applied_twice(cryptofeed_dir: Path) -> None:
    recs = records(cryptofeed_dir)
    target = next(i for i, r in enumerate(recs[100:], 100) if "depthUpdate" in r.payload)
    clean, handler = BinanceHandler(), BinanceHandler()
    for i, record in enumerate(recs):
        feed(clean, record)
        feed(handler, record)
        if i == target:
            assert feed(handler, record) == []
    symbol = orjson.loads(recs[target].payload)["data"]["s"]
    assert handler.books[symbol].stats.stale_events == clean.books[symbol].stats.stale_events + 1
    assert handler.totals().failures == 0


def test_snapshot_older_than_the_buffer_is_refetched(cryptofeed_dir: Path) -> None:
    recs = records(cryptofeed_dir)
    first_two = [r for r in recs if r.kind == "recv" and "nknusdt@depth" in r.payload][:2]
    snap = next(r for r in recs if r.kind == "http" and symbol_of(r) == "NKNUSDT")
    handler = BinanceHandler()
    (initial,) = handler.on_message(first_two[1].payload)  # the first event never arrived
    assert initial == ResyncNeeded("NKNUSDT", "initial snapshot", failure=False)
    body = orjson.loads(snap.payload)
    body["lastUpdateId"] = orjson.loads(first_two[1].payload)["data"]["U"] - 2
    events = handler.on_snapshot("NKNUSDT", orjson.dumps(body))
    assert events == [ResyncNeeded("NKNUSDT", "snapshot older than buffered events", failure=False)]
    assert BookSynced("NKNUSDT") in handler.on_snapshot("NKNUSDT", snap.payload)


def test_book_ticker_disagreeing_with_the_book_forces_a_resync(cryptofeed_dir: Path) -> None:
    recs = records(cryptofeed_dir)
    depth_ids = {
        (d["s"], d["u"])
        for r in recs
        if r.kind == "recv" and "depthUpdate" in r.payload
        for d in [orjson.loads(r.payload)["data"]]
    }
    # the first bookTicker whose id is also a depth event's final id: a checkable one
    target = next(
        i
        for i, r in enumerate(recs)
        if r.kind == "recv"
        and "@bookTicker" in r.payload
        and (lambda d: (d["s"], d["u"]) in depth_ids)(orjson.loads(r.payload)["data"])
    )
    data = orjson.loads(recs[target].payload)["data"]
    symbol = data["s"]
    handler = BinanceHandler()
    failed_at = None
    for i, record in enumerate(recs):
        if i == target:
            data["B"] = "1.00000000" if data["B"] != "1.00000000" else "2.00000000"
            record = Record("recv", record.ts, orjson.dumps({"data": data}).decode(), None, "x", 0)
        events = feed(handler, record)
        if any(isinstance(e, ResyncNeeded) and e.failure for e in events) and failed_at is None:
            failed_at = i
    assert failed_at is not None and failed_at >= target
    stats = handler.books[symbol].stats
    assert stats.ticker_mismatches == 1 and stats.resyncs == 1
    assert all(sb.stats.resyncs == 0 for s, sb in handler.books.items() if s != symbol)


def test_crossed_book_is_detected() -> None:
    handler = BinanceHandler()
    handler.on_message(
        b'{"e":"depthUpdate","E":1,"s":"X","U":5,"u":5,"b":[["1.00","1.0"]],"a":[["1.10","1.0"]]}'
    )
    snap = b'{"lastUpdateId":4,"bids":[["0.90","2.0"]],"asks":[["1.20","2.0"]]}'
    assert BookSynced("X") in handler.on_snapshot("X", snap)
    events = handler.on_message(
        b'{"e":"depthUpdate","E":2,"s":"X","U":6,"u":6,"b":[["1.15","1.0"]],"a":[]}'
    )
    assert [type(e) for e in events] == [ResyncNeeded]
    assert handler.books["X"].stats.crossed == 1


def test_numbers_not_padded_to_the_book_decimals_are_still_exact() -> None:
    handler = BinanceHandler()
    snap = b'{"lastUpdateId":1,"bids":[["0.90","2.00"]],"asks":[["1.20","2.00"]]}'
    assert BookSynced("X") in handler.on_snapshot("X", snap)
    handler.on_message(
        b'{"e":"depthUpdate","E":2,"s":"X","U":2,"u":2,"b":[["0.9","1.5"],["1","0.250"]],"a":[]}'
    )
    bids, _ = handler.books["X"].book.levels(5)
    assert [(b.price, b.qty) for b in bids] == [
        (Decimal("1.00"), Decimal("0.25")),
        (Decimal("0.90"), Decimal("1.50")),
    ]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(1, 10**12), st.integers(0, 10**12), st.integers(0, 8)),
        min_size=1,
        max_size=20,
    )
)
def test_any_spelling_of_a_number_lands_on_the_exact_tick(rows: list[tuple[int, int, int]]) -> None:
    """The fast path (dot exactly ``scale`` digits from the end) and the slow path agree."""
    handler = BinanceHandler()
    handler.on_snapshot("X", b'{"lastUpdateId":1,"bids":[],"asks":[["99999.00000000","1.0"]]}')
    expected: dict[Decimal, Decimal] = {}
    update = 2
    for price_ticks, qty_ticks, decimals in rows:
        price = (
            Decimal(price_ticks % 10**12)
            .scaleb(-8)
            .quantize(Decimal(1).scaleb(-decimals), "ROUND_DOWN")
        )
        if price <= 0 or price >= Decimal("99999"):
            continue
        qty = Decimal(qty_ticks).scaleb(-8)
        event = {"e": "depthUpdate", "E": 1, "s": "X", "U": update, "u": update}
        event["b"] = [[f"{price:.{decimals}f}", f"{qty:.8f}"]]
        event["a"] = []
        update += 1
        handler.on_message(orjson.dumps(event))
        if qty:
            expected[price] = qty
        else:
            expected.pop(price, None)
    bids, _ = handler.books["X"].book.levels(100)
    assert [(b.price, b.qty) for b in bids] == sorted(expected.items(), reverse=True)


def test_a_malformed_depth_event_resyncs_its_symbol() -> None:
    handler = BinanceHandler()
    handler.on_snapshot(
        "X", b'{"lastUpdateId":1,"bids":[["0.90","2.00"]],"asks":[["1.20","2.00"]]}'
    )
    events = handler.on_message(
        b'{"e":"depthUpdate","E":2,"s":"X","U":2,"u":2,"b":[["0.91","1.x"]],"a":[]}'
    )
    assert [type(e) for e in events] == [Malformed, ResyncNeeded]
    assert handler.books["X"].state is SyncState.AWAITING and handler.malformed == 1
