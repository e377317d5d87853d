"""The real Kraken v2 client against the loopback emulator replaying the shared captures."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from core.feeds.backoff import Backoff
from core.feeds.emulator import KrakenEmulator, KrakenScript, kraken_from_v1, kraken_from_v2
from core.feeds.kraken_client import KrakenFeed
from core.models import BookIntegrity, FeedState
from core.ports import InstrumentsPort, MarketDataPort, MarketEvent

Until = Callable[..., Awaitable[float]]
Running = tuple[KrakenEmulator, KrakenFeed, AsyncIterator[MarketEvent], list[str]]


@pytest.fixture(scope="module")
def v1_script_path(shared_data: Path) -> Path:
    return shared_data / "exchange" / "cryptofeed" / "KRAKEN.ws.50.0"


def fast_backoff() -> Backoff:
    return Backoff(base=0.05, cap=0.2)


def integrity(feed: KrakenFeed, symbols: list[str]) -> set[BookIntegrity | None]:
    return {(b.integrity if (b := feed.book(s)) else None) for s in symbols}


def all_verified(feed: KrakenFeed, symbols: list[str]) -> bool:
    return integrity(feed, symbols) == {BookIntegrity.VERIFIED}


def same_books(feed: KrakenFeed, emu: KrakenEmulator, symbols: list[str]) -> bool:
    for symbol in symbols:
        sb = feed.kraken.book(symbol)
        if sb is None or sb.book.levels(1000) != emu.books[symbol].levels(1000):
            return False
    return True


@contextlib.asynccontextmanager
async def running(script: KrakenScript, depth: int, speed: float) -> AsyncIterator[Running]:
    async with KrakenEmulator(script, speed=speed) as emu:
        feed = KrakenFeed(emu.ws_url, depth=depth, backoff=fast_backoff())
        symbols = sorted(script.books)
        events = feed.stream(symbols)
        try:
            yield emu, feed, events, symbols
        finally:
            await events.aclose()  # type: ignore[attr-defined]


@pytest.fixture()
async def v1_feed(v1_script_path: Path) -> AsyncIterator[Running]:
    async with running(kraken_from_v1(v1_script_path), 1000, speed=2.0) as item:
        yield item


async def test_client_implements_the_ports() -> None:
    feed = KrakenFeed("ws://127.0.0.1:9")
    assert isinstance(feed, MarketDataPort) and isinstance(feed, InstrumentsPort)


async def test_books_verify_and_match_the_venue(v1_feed: Running, until: Until) -> None:
    emu, feed, events, symbols = v1_feed
    assert len(symbols) == 10
    await until(events, lambda: all_verified(feed, symbols))
    await until(events, lambda: emu.sent_updates >= 300)
    await until(events, lambda: same_books(feed, emu, symbols))
    health = feed.health()
    assert health.state is FeedState.LIVE and health.checksum_failures == 0 and health.resyncs == 0
    assert health.reconnects == 0 and health.clock_offset_ms is not None
    assert feed.kraken.totals().checksums_ok >= 300
    snap = feed.book("XMR/USD", depth=5)
    assert snap is not None and len(snap.bids) == 5 and snap.bids[0].price < snap.asks[0].price
    assert dict(emu.book_subscriptions) == dict.fromkeys(symbols, 1)


async def test_corrupted_checksum_resyncs_only_that_symbol(v1_feed: Running, until: Until) -> None:
    emu, feed, events, symbols = v1_feed
    await until(events, lambda: all_verified(feed, symbols))
    emu.corrupt_next("XMR/USD")
    xmr = feed.kraken.books["XMR/USD"].stats
    await until(events, lambda: xmr.checksum_failures == 1)
    await until(events, lambda: all_verified(feed, symbols))
    assert emu.book_subscriptions["XMR/USD"] == 2
    assert all(emu.book_subscriptions[s] == 1 for s in symbols if s != "XMR/USD")
    assert all(feed.kraken.books[s].stats.resyncs == 0 for s in symbols if s != "XMR/USD")
    health = feed.health()
    assert health.checksum_failures == 1 and health.resyncs == 1 and health.reconnects == 0
    await until(events, lambda: xmr.checksums_ok > 0 and same_books(feed, emu, ["XMR/USD"]))


async def test_duplicate_frame_is_harmless(v1_feed: Running, until: Until) -> None:
    emu, feed, events, symbols = v1_feed
    await until(events, lambda: all_verified(feed, symbols))
    emu.duplicate_next("SC/EUR")
    await until(events, lambda: emu.faults.fired["duplicate"] == 1)
    ok = feed.kraken.books["SC/EUR"].stats.checksums_ok
    await until(events, lambda: feed.kraken.books["SC/EUR"].stats.checksums_ok > ok + 2)
    assert feed.health().checksum_failures == 0


async def test_stall_turns_books_stale_within_two_seconds_then_recovers(
    v1_feed: Running, until: Until
) -> None:
    emu, feed, events, symbols = v1_feed
    await until(events, lambda: all_verified(feed, symbols))
    emu.stall()
    took = await until(events, lambda: integrity(feed, symbols) == {BookIntegrity.STALE}, 3.0)
    assert took < 2.0
    assert set(feed.health().stale_symbols) == set(symbols)
    emu.resume()
    await until(events, lambda: all_verified(feed, symbols))
    assert feed.health().reconnects == 0 and feed.health().checksum_failures == 0


async def test_dropped_connection_reconnects_and_resubscribes(
    v1_feed: Running, until: Until
) -> None:
    emu, feed, events, symbols = v1_feed
    await until(events, lambda: all_verified(feed, symbols))
    emu.drop_connections()
    await until(events, lambda: feed.health().reconnects == 1)
    await until(events, lambda: all_verified(feed, symbols))
    assert emu.connects == 2 and dict(emu.book_subscriptions) == dict.fromkeys(symbols, 2)
    health = feed.health()
    assert health.checksum_failures == 0 and health.resyncs == 0


async def test_maintenance_notice_is_honoured(v1_feed: Running, until: Until) -> None:
    emu, feed, events, symbols = v1_feed
    await until(events, lambda: all_verified(feed, symbols))
    emu.maintenance()
    await until(events, lambda: feed.health().reconnects == 1)
    await until(events, lambda: all_verified(feed, symbols))
    assert emu.connects == 2 and feed.health().checksum_failures == 0


async def test_dropped_frame_on_depth_10_is_caught_and_healed(
    exchange_data: Path, v1_script_path: Path, until: Until
) -> None:
    script = kraken_from_v2(
        exchange_data / "python-kraken-sdk" / "orderbook-v2.json",
        exchange_data / "kraken-data-recorder" / "instrument_snapshot.json",
    )
    async with running(script, 10, speed=8.0) as (emu, feed, events, symbols):
        assert symbols == ["BTC/USD"]
        await until(events, lambda: all_verified(feed, symbols))
        await until(events, lambda: emu.sent_updates >= 20)
        emu.drop_next("BTC/USD")
        stats = feed.kraken.books["BTC/USD"].stats
        await until(events, lambda: stats.checksum_failures == 1)
        await until(events, lambda: all_verified(feed, symbols))
        assert emu.book_subscriptions["BTC/USD"] == 2 and feed.health().reconnects == 0
        await until(events, lambda: same_books(feed, emu, symbols) and stats.checksums_ok > 30)


async def test_load_instruments_over_the_instrument_channel(v1_script_path: Path) -> None:
    script = kraken_from_v1(v1_script_path)
    async with KrakenEmulator(script, speed=1.0) as emu:
        feed = KrakenFeed(emu.ws_url)
        instruments = {i.symbol: i for i in await feed.load_instruments()}
    assert set(instruments) == set(script.books)
    for symbol, instrument in instruments.items():
        book = script.books[symbol]
        assert instrument.price_tick == Decimal(1).scaleb(-book.price_scale)
        assert instrument.qty_step == Decimal(1).scaleb(-book.qty_scale)
    assert instruments["BTC/CHF"].base == "BTC" and instruments["BTC/CHF"].quote == "CHF"
