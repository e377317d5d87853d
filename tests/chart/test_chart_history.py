"""Candles read from the stored prints equal the pure aggregation of the same prints."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.candles import ChartView, Timeframe, aggregate_trades, merge
from core.chart_history import answer, load_chart
from core.models import Instrument, Side, Trade
from core.store import Store
from core.store.candles import stored_candles
from core.views import ChartHistory

NOW = datetime(2026, 12, 3, 17, 42, 30, tzinfo=UTC)


def trades(venue: str, symbol: str, count: int, seed: int) -> list[Trade]:
    rnd = random.Random(seed)
    start = NOW - timedelta(hours=3)
    price = 42_000.0
    out = []
    for index in range(count):
        price *= 1 + rnd.gauss(0, 0.001)
        out.append(
            Trade(
                venue=venue,
                symbol=symbol,
                price=Decimal(f"{price:.2f}"),
                qty=Decimal(f"{rnd.random():.4f}"),
                side=Side.BUY if rnd.random() < 0.5 else Side.SELL,
                ts=start + timedelta(seconds=index * 11 + rnd.random()),
            )
        )
    return out


async def test_stored_candles_equal_the_aggregated_prints(store: Store) -> None:
    btc = trades("sim-a", "BTC/USDT", 1000, 1)
    store.record_trades(btc)
    store.record_trades(trades("sim-a", "ETH/USDT", 300, 2))  # another market: left out
    store.record_trades(trades("sim-b", "BTC/USDT", 300, 3))  # another venue: left out
    await store.flush()
    since, until = NOW - timedelta(hours=2), NOW - timedelta(minutes=30)
    inside = [t for t in btc if since <= t.ts < until]
    for timeframe in (Timeframe.M1, Timeframe.M5, Timeframe.H1):
        got = await stored_candles(store, "sim-a", "BTC/USDT", timeframe, since, until)
        expected = aggregate_trades(inside, timeframe)
        assert got == expected


async def test_history_ends_at_the_current_minute_and_the_live_minutes_continue_it(
    store: Store,
) -> None:
    btc = trades("sim-a", "BTC/USDT", 1000, 4)
    past = [t for t in btc if t.ts < NOW]
    store.record_trades(past)  # queued, not flushed: the history flushes first
    view = await load_chart(store, "sim-a", "BTC/USDT", Timeframe.M5, 30, NOW)
    assert view.until == datetime(2026, 12, 3, 17, 42, tzinfo=UTC)
    assert len(view.candles) <= 30 and view.candles[-1].ts == datetime(
        2026, 12, 3, 17, 40, tzinfo=UTC
    )
    live = aggregate_trades([t for t in past if t.ts >= view.until], Timeframe.M1)
    joined = merge(view.candles, live, Timeframe.M5)
    assert (
        joined[-len(view.candles) :] == aggregate_trades(past, Timeframe.M5)[-len(view.candles) :]
    )


async def test_daily_chart_reaches_back_with_the_stored_closes(store: Store) -> None:
    store.record_trades(trades("sim-a", "BTC/USDT", 200, 5))
    closes = [(date(2026, 11, 28) + timedelta(days=d), 40_000.0 + d) for d in range(6)]
    view = await load_chart(store, "sim-a", "BTC/USDT", Timeframe.D1, 100, NOW, closes)
    days = [c.ts.date() for c in view.candles]
    assert days == sorted(days) and len(days) == len(set(days))
    assert days[0] == date(2026, 11, 28) and days[-1] == date(2026, 12, 3)
    assert view.source == "closes+trades" and view.close_only
    assert view.candles[-1].trades > 0  # today from the prints, not from a close
    only_closes = await load_chart(store, "sim-a", "ETH/USDT", Timeframe.D1, 100, NOW, closes)
    assert only_closes.close_only and only_closes.source == "closes"


async def test_the_command_names_an_unknown_market(store: Store) -> None:
    inst = Instrument.model_validate(
        {
            "venue": "sim-a",
            "symbol": "BTC/USDT",
            "base": "BTC",
            "quote": "USDT",
            "price_tick": "0.01",
            "qty_step": "0.0001",
        }
    )
    result = await answer(
        ChartHistory(venue="sim-a", symbol="DOGE/USDT"), store, {inst.key: inst}, {}
    )
    assert not result.ok and "sim-a:DOGE/USDT" in result.message
    result = await answer(
        ChartHistory(venue="sim-a", symbol="BTC/USDT"), store, {inst.key: inst}, {}
    )
    assert (
        result.ok
        and result.data is not None
        and isinstance(result.data, ChartView)
        and result.data.candles == ()
    )
