"""core.candles: prints into candles, finer candles into coarser ones, live tails, depth."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.candles import (
    Candle,
    LiveCandles,
    Timeframe,
    aggregate,
    aggregate_trades,
    depth_curve,
    from_closes,
    merge,
    resample,
)
from core.models import BookLevel, BookSnapshot, Side, Trade

T0 = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
D = Decimal


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def prints(*rows: tuple[float, str, str]) -> list[tuple[datetime, Decimal, Decimal]]:
    return [(at(s), D(p), D(q)) for s, p, q in rows]


def test_bucket_starts_are_aligned_to_the_epoch() -> None:
    ts = datetime(2026, 12, 3, 17, 7, 42, 123456, tzinfo=UTC)
    assert Timeframe.M1.start(ts) == datetime(2026, 12, 3, 17, 7, tzinfo=UTC)
    assert Timeframe.M5.start(ts) == datetime(2026, 12, 3, 17, 5, tzinfo=UTC)
    assert Timeframe.H1.start(ts) == datetime(2026, 12, 3, 17, tzinfo=UTC)
    assert Timeframe.D1.start(ts) == datetime(2026, 12, 3, tzinfo=UTC)


def test_aggregate_builds_ohlcv_per_bucket_and_skips_empty_ones() -> None:
    candles = aggregate(
        prints(
            (1, "100", "1"),
            (20, "103", "0.5"),
            (40, "99", "2"),
            (59.9, "101", "1"),
            (125, "110", "3"),  # minute 2; minute 1 had no print
        ),
        Timeframe.M1,
    )
    assert candles == (
        Candle(
            ts=at(0), open=D(100), high=D(103), low=D(99), close=D(101), volume=D("4.5"), trades=4
        ),
        Candle(
            ts=at(120), open=D(110), high=D(110), low=D(110), close=D(110), volume=D(3), trades=1
        ),
    )


def test_a_late_print_joins_the_open_bucket() -> None:
    # Venues' clocks differ a little: a print stamped just before the current bucket started
    # belongs to the open candle, not to a second candle of an older minute.
    candles = aggregate(prints((61, "100", "1"), (59, "98", "1"), (62, "101", "1")), Timeframe.M1)
    assert len(candles) == 1
    assert (candles[0].low, candles[0].close, candles[0].trades) == (D(98), D(101), 3)


def test_resample_equals_aggregating_the_prints_directly() -> None:
    rows = prints(*[(s * 17.0, str(100 + (s * 7) % 13), f"0.{s % 9 + 1}") for s in range(200)])
    for timeframe in (Timeframe.M5, Timeframe.H1):
        assert resample(aggregate(rows, Timeframe.M1), timeframe) == aggregate(rows, timeframe)


def test_merge_joins_a_bucket_split_between_history_and_tail_without_double_counting() -> None:
    rows = prints(*[(s * 13.0, str(200 - s % 11), "1") for s in range(100)])  # ~21 minutes
    cut = at(600)  # history covers prints before 17:10, the live tail those from 17:10 on
    before = [r for r in rows if r[0] < cut]
    after = [r for r in rows if r[0] >= cut]
    history = aggregate(before, Timeframe.H1)
    tail = aggregate(after, Timeframe.M1)
    assert merge(history, tail, Timeframe.H1) == aggregate(rows, Timeframe.H1)
    m5 = merge(aggregate(before, Timeframe.M5), tail, Timeframe.M5)
    assert m5 == aggregate(rows, Timeframe.M5)
    assert sum(c.volume for c in m5) == len(rows)


def test_merge_ignores_tail_candles_older_than_the_history() -> None:
    history = aggregate(prints((600, "100", "1")), Timeframe.M5)
    stale = aggregate(prints((10, "1", "1")), Timeframe.M1)
    assert merge(history, stale, Timeframe.M5) == history


def test_trades_and_daily_closes() -> None:
    trades = [
        Trade(venue="v", symbol="BTC/USDT", price=D(10), qty=D(1), side=Side.BUY, ts=at(0)),
        Trade(venue="v", symbol="BTC/USDT", price=D(12), qty=D(2), side=Side.SELL, ts=at(30)),
    ]
    (candle,) = aggregate_trades(trades, Timeframe.M1)
    assert (candle.open, candle.high, candle.close, candle.volume) == (D(10), D(12), D(12), D(3))
    closes = from_closes([(date(2026, 12, 1), 42000.5), (date(2026, 12, 2), 41000.25)])
    assert [c.ts.date() for c in closes] == [date(2026, 12, 1), date(2026, 12, 2)]
    assert closes[0].close == closes[0].open == closes[0].high == D("42000.5")
    assert closes[1].volume == 0 and closes[1].trades == 0


def test_live_candles_keep_the_newest_minutes_and_one_object_while_unchanged() -> None:
    live = LiveCandles(keep=2)
    assert live.tail("v", "BTC/USDT").candles == ()
    for second, price in ((5, "100"), (50, "101"), (65, "99"), (130, "98"), (170, "97")):
        live.on_trade(
            Trade(
                venue="v", symbol="BTC/USDT", price=D(price), qty=D(1), side=Side.BUY, ts=at(second)
            )
        )
    tail = live.tail("v", "BTC/USDT")
    assert [c.ts for c in tail.candles] == [at(60), at(120)]
    assert tail.candles[1].close == D(97) and tail.candles[1].trades == 2
    assert live.tail("v", "BTC/USDT") is tail  # unchanged: the same object (codec identity)
    live.on_trade(
        Trade(venue="v", symbol="ETH/USDT", price=D(5), qty=D(1), side=Side.BUY, ts=at(171))
    )
    assert live.tail("v", "BTC/USDT") is tail


def test_depth_curve_accumulates_from_the_best_price_out() -> None:
    book = BookSnapshot(
        venue="v",
        symbol="BTC/USDT",
        bids=(BookLevel(price=D(99), qty=D(1)), BookLevel(price=D(98), qty=D(2))),
        asks=(BookLevel(price=D(101), qty=D("0.5")), BookLevel(price=D(102), qty=D(3))),
        ts=T0,
    )
    bids, asks = depth_curve(book)
    assert [(p.price, p.qty) for p in bids] == [(D(99), D(1)), (D(98), D(3))]
    assert [(p.price, p.qty) for p in asks] == [(D(101), D("0.5")), (D(102), D("3.5"))]
