"""Price history from a venue's public candles: ccxt ``fetch_ohlcv`` against the loopback Kraken
and Binance servers serving real daily candles (the shared FTX files) in each venue's shape."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import ExchangeError
from core.pricehistory import PriceHistoryService, candle_source_name
from core.store import Store
from core.store.closes import stored_closes
from core.venues.loopback import BinanceLoopback, KrakenLoopback
from core.venues.loopback.base import Candle
from core.venues.ohlcv import Backfill, backfill, closes_from_candles, market_for
from core.venues.rest import CcxtRest


def ftx_candles(shared_data: Path, name: str) -> list[Candle]:
    with (shared_data / "market" / "ftx_1d" / f"{name}.csv").open() as fh:
        return [
            Candle(
                open_time=int(row["date"]) // 1000,
                open=Decimal(row["open"]),
                high=Decimal(row["high"]),
                low=Decimal(row["low"]),
                close=Decimal(row["close"]),
                volume=Decimal(row["volume"]),
            )
            for row in csv.DictReader(fh)
        ]


def day_of(candle: Candle) -> date:
    return datetime.fromtimestamp(candle.open_time, UTC).date()


def test_market_choice_and_only_closed_days() -> None:
    listed = {"BTC/USDT", "BTC/USD", "ETH/USDC", "ETH/BTC"}
    assert market_for("BTC", listed) == "BTC/USD"
    assert market_for("ETH", listed) == "ETH/USDC"
    assert market_for("DOT", listed) is None
    day = 86_400_000
    rows = [[0, 1, 1, 1, 10.0, 5], [day, 1, 1, 1, 11.0, 5], [2 * day, 1, 1, 1, 12.0, 5]]
    # The candle of "today" (1970-01-03) is still open: left out.
    assert closes_from_candles(rows, date(1970, 1, 3)) == {
        date(1970, 1, 1): 10.0,
        date(1970, 1, 2): 11.0,
    }


async def test_kraken_ohlc_backfill_gives_the_recorded_closes(
    kraken_server: KrakenLoopback, kraken_rest: CcxtRest, shared_data: Path
) -> None:
    candles = ftx_candles(shared_data, "BTC-USD")
    kraken_server.candles["XXBTZUSD"] = candles
    last = day_of(candles[-1])
    # "now" is midday of the last candle's day: that candle is not closed yet.
    now = datetime(last.year, last.month, last.day, 12, tzinfo=UTC)
    since = last - timedelta(days=200)
    result = await backfill(kraken_rest, ["BTC", "ETH", "NOTLISTED"], since=since, now=now)
    assert result.markets == {"BTC": "BTC/USD"}
    assert result.unlisted == ["NOTLISTED"]
    assert "ETH" not in result.series  # listed, but the venue served no candles for it
    expected = [
        (datetime.fromtimestamp(c.open_time, UTC), float(c.close))
        for c in candles
        if since <= day_of(c) < last
    ]
    assert result.series["BTC"] == expected and len(expected) == 200
    assert ("GET", "/0/public/OHLC") in kraken_server.requests


async def test_kraken_serves_its_documented_720_newest_days_at_most(
    kraken_server: KrakenLoopback, kraken_rest: CcxtRest, shared_data: Path
) -> None:
    candles = ftx_candles(shared_data, "BTC-PERP")  # 2019-07 to 2022-08: over 1,100 days
    kraken_server.candles["XXBTZUSD"] = candles
    last = day_of(candles[-1]) + timedelta(days=1)
    now = datetime(last.year, last.month, last.day, tzinfo=UTC)
    result = await backfill(kraken_rest, ["BTC"], since=date(2019, 1, 1), now=now)
    days = [d.date() for d, _ in result.series["BTC"]]
    assert len(days) == 720 and days[-1] == day_of(candles[-1])


async def test_binance_klines_backfill_pages_through_a_long_history(
    binance_server: BinanceLoopback, binance_rest: CcxtRest, shared_data: Path
) -> None:
    candles = ftx_candles(shared_data, "BTC-USD")  # 2021-01-01 to 2022-07-20: ~560 days
    binance_server.candles["BTCUSDT"] = candles
    end = day_of(candles[-1]) + timedelta(days=1)
    now = datetime(end.year, end.month, end.day, 3, tzinfo=UTC)
    result = await backfill(binance_rest, ["BTC"], since=day_of(candles[0]), now=now)
    assert result.markets == {"BTC": "BTC/USDT"}
    assert [c for _, c in result.series["BTC"]] == [float(c.close) for c in candles]
    klines = [r for r in binance_server.requests if r[1] == "/api/v3/klines"]
    assert len(klines) >= 2  # ccxt asks 500 at a time: the history came in pages


async def test_price_history_service_stores_closes_and_reports_each_venue(
    kraken_server: KrakenLoopback, kraken_rest: CcxtRest, shared_data: Path, tmp_path: Path
) -> None:
    candles = ftx_candles(shared_data, "ETH-USD")
    kraken_server.candles["XETHZUSD"] = candles
    last = day_of(candles[-1]) + timedelta(days=1)
    now = datetime(last.year, last.month, last.day, tzinfo=UTC)

    class Broken:
        venue = "down"

        async def spot_symbols(self) -> set[str]:
            raise ExchangeError("down: connection refused")

        async def daily_candles(self, symbol: str, since_ms: int) -> list[list[object]]:
            raise AssertionError("never asked")

    reports: list[tuple[str, bool]] = []

    async def done(result: Backfill | ExchangeError, venue: str) -> None:
        reports.append((venue, isinstance(result, Backfill)))

    store = await Store.open(tmp_path / "h.db")
    try:
        service = PriceHistoryService(
            [Broken(), kraken_rest],
            store,
            lambda: ["ETH", "USD"],
            lambda: now,
            days=90,
            on_done=done,
        )
        (result,) = await service.run()
        assert reports == [("down", False), ("kraken", True)]
        closes, sources = await stored_closes(store)
    finally:
        await store.close()
    assert sources == {"ETH": candle_source_name("kraken")}
    assert len(closes["ETH"]) == 90 == len(result.series["ETH"])
    assert closes["ETH"][-1] == (day_of(candles[-1]), float(candles[-1].close))


async def test_kraken_loopback_refuses_an_interval_it_does_not_serve(
    kraken_server: KrakenLoopback, kraken_rest: CcxtRest
) -> None:
    with pytest.raises(ExchangeError):
        await kraken_rest._call("hourly candles", lambda ex: ex.fetch_ohlcv("BTC/USD", "1h"))
