"""The chart's history from venue OHLCV: ccxt ``fetch_ohlcv`` against the loopback Kraken and
Binance serving real hourly candles (the shared Yahoo files), cached in the store so the next
opening asks only for the newer candles; a venue that cannot answer leaves a note."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from core.candles import Candle as ChartCandle
from core.candles import Timeframe
from core.chart_history import load_chart
from core.store import Store
from core.store.bars import stored_bars
from core.store.db import to_ns
from core.store.retention import prune
from core.venue_candles import candles_from_rows, join
from core.venues.loopback import BinanceLoopback, KrakenLoopback
from core.venues.loopback.base import Candle
from core.venues.rest import CcxtRest

HOUR = 3600
NOW = datetime(2024, 12, 20, 0, 0, 30, tzinfo=UTC)
"""Inside the Yahoo files and before their December gaps."""


def yahoo_hours(shared_data: Path, name: str) -> list[Candle]:
    with (shared_data / "market" / "yahoo_1h" / f"{name}.csv").open() as fh:
        return [
            Candle(
                open_time=int(datetime.fromisoformat(row["timestamp"]).timestamp()),
                open=Decimal(row["Open"]),
                high=Decimal(row["High"]),
                low=Decimal(row["Low"]),
                close=Decimal(row["Close"]),
                volume=Decimal(row["Volume"]),
            )
            for row in csv.DictReader(fh)
        ]


def until(candles: list[Candle], now: datetime) -> list[Candle]:
    """The candles a venue has at ``now`` (the files go on for weeks after it)."""
    return [c for c in candles if c.open_time < now.timestamp()]


def expected(candles: list[Candle], until: datetime, count: int) -> list[tuple[object, ...]]:
    """The recorded candles a chart of ``count`` hours closing before ``until`` shows, as the
    venue's JSON carries them (ccxt reads numbers as floats)."""
    end = int(until.timestamp())
    return [
        (datetime.fromtimestamp(c.open_time, UTC), *(Decimal(str(float(v))) for v in
         (c.open, c.high, c.low, c.close)))
        for c in candles
        if end - count * HOUR <= c.open_time <= end - HOUR
    ]  # fmt: skip


def ohlc(candles: tuple[ChartCandle, ...]) -> list[tuple[object, ...]]:
    return [(c.ts, c.open, c.high, c.low, c.close) for c in candles]


async def test_kraken_hourly_candles_fill_a_fresh_chart_and_are_cached(
    kraken_server: KrakenLoopback, kraken_rest: CcxtRest, shared_data: Path, tmp_path: Path
) -> None:
    candles = yahoo_hours(shared_data, "BTC_USD")
    kraken_server.bars[("XXBTZUSD", HOUR)] = until(candles, NOW)
    store = await Store.open(tmp_path / "chart.db")
    try:
        view = await load_chart(
            store, "kraken", "BTC/USD", Timeframe.H1, 400, NOW, bars=kraken_rest
        )
        assert view.source == "venue" and not view.note and not view.close_only
        assert ohlc(view.candles) == expected(candles, view.until, 400) and len(view.candles) == 400
        asked = kraken_server.requests.count(("GET", "/0/public/OHLC"))

        # Two hours later: the cached candles stay, only the two new ones are asked for.
        later = NOW + timedelta(hours=2)
        kraken_server.bars[("XXBTZUSD", HOUR)] = until(candles, later)
        view = await load_chart(
            store, "kraken", "BTC/USD", Timeframe.H1, 400, later, bars=kraken_rest
        )
        assert ohlc(view.candles) == expected(candles, view.until, 400)
        assert kraken_server.requests.count(("GET", "/0/public/OHLC")) == asked + 1
        since = view.until - timedelta(hours=500)
        cached = await stored_bars(store, "kraken", "BTC/USD", Timeframe.H1, since, view.until)
        assert len(cached) == 402

        # Retention drops the older cached candles: the next chart asks for its window again.
        cut = later - timedelta(hours=100)
        await prune(store, journal_before_ns=0, trades_before_ns=0, bars_before_ns=to_ns(cut))
        await store.flush()
        assert len(await stored_bars(store, "kraken", "BTC/USD", Timeframe.H1, since, cut)) == 0
        again = await load_chart(
            store, "kraken", "BTC/USD", Timeframe.H1, 400, later, bars=kraken_rest
        )
        assert again.candles == view.candles
        assert kraken_server.requests.count(("GET", "/0/public/OHLC")) == asked + 2

        # The venue forgets them: the chart still has every closed candle it fetched before.
        kraken_server.bars[("XXBTZUSD", HOUR)] = []
        again = await load_chart(
            store, "kraken", "BTC/USD", Timeframe.H1, 400, later, bars=kraken_rest
        )
        assert again.candles == view.candles

        # An interval the venue does not serve: the chart keeps the prints (none) and says why.
        five = await load_chart(
            store, "kraken", "BTC/USD", Timeframe.M5, 400, NOW, bars=kraken_rest
        )
        assert five.candles == () and five.source == "trades"
        assert five.note.startswith("kraken candles unavailable:")
    finally:
        await store.close()


async def test_binance_klines_fill_the_chart_of_a_usdt_market(
    binance_server: BinanceLoopback, binance_rest: CcxtRest, shared_data: Path, tmp_path: Path
) -> None:
    candles = yahoo_hours(shared_data, "ETH_USD")
    binance_server.bars[("ETHUSDT", HOUR)] = until(candles, NOW)
    store = await Store.open(tmp_path / "chart.db")
    try:
        view = await load_chart(
            store, "binance", "ETH/USDT", Timeframe.H1, 300, NOW, bars=binance_rest
        )
    finally:
        await store.close()
    assert view.source == "venue" and len(view.candles) == 300
    assert ohlc(view.candles) == expected(candles, view.until, 300)
    assert ("GET", "/api/v3/klines") in binance_server.requests


def test_only_closed_candles_on_the_grid_are_taken_and_prints_follow_the_venues() -> None:
    t0 = 1_700_000_400_000  # a 5-minute boundary, in ms
    until = datetime.fromtimestamp(t0 / 1000 + 600, UTC)
    rows = [
        [t0, 10, 12, 9, 11, 5],
        [t0 + 60_000, 11, 11, 11, 11, 1],  # off the 5-minute grid
        [t0 + 300_000, "11", "13", "10", "12", None],
        [t0 + 600_000, 12, 12, 12, 12, 1],  # still open at ``until``
        [t0 + 300_000, 0, 0, 0, 0, 0],  # not positive
        ["bad"],
    ]
    bars = candles_from_rows(rows, Timeframe.M5, until)
    assert [(c.close, c.volume) for c in bars] == [(Decimal(11), Decimal(5)), (Decimal(12), 0)]
    later = ChartCandle(
        ts=until, open=Decimal(12), high=Decimal(12), low=Decimal(12), close=Decimal(12)
    )
    assert join(bars, (bars[1], later)) == (*bars, later)
    assert join((), (later,)) == (later,)
