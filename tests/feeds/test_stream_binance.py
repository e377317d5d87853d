"""The real Binance client against the loopback emulator (WebSocket + REST snapshots)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.feeds.backoff import Backoff
from core.feeds.binance_client import BinanceFeed
from core.feeds.emulator import BinanceEmulator, BinanceScript, binance_from_cryptofeed
from core.models import BookIntegrity, FeedState
from core.ports import InstrumentsPort, MarketDataPort, MarketEvent

Until = Callable[..., Awaitable[float]]
Running = tuple[BinanceEmulator, BinanceFeed, AsyncIterator[MarketEvent], list[str]]
SYMBOLS = {"NKNUSDT": "NKN/USDT", "BLZETH": "BLZ/ETH", "LRCBTC": "LRC/BTC", "RUNEEUR": "RUNE/EUR"}


@pytest.fixture(scope="module")
def script(shared_data: Path) -> BinanceScript:
    base = shared_data / "exchange" / "cryptofeed"
    return binance_from_cryptofeed(
        base / "BINANCE.ws.1.0", base / "BINANCE.http.0.0", base / "BINANCE.0"
    )


def integrity(feed: BinanceFeed, symbols: list[str]) -> set[BookIntegrity | None]:
    return {(b.integrity if (b := feed.book(s)) else None) for s in symbols}


def all_verified(feed: BinanceFeed, symbols: list[str]) -> bool:
    return integrity(feed, symbols) == {BookIntegrity.VERIFIED}


def same_book(feed: BinanceFeed, emu: BinanceEmulator, venue_symbol: str) -> bool:
    sb = feed.binance.book(SYMBOLS[venue_symbol])
    theirs = emu.books[venue_symbol]
    return (
        sb is not None
        and sb.book.update_id == theirs.update_id
        and sb.book.levels(50) == theirs.levels(50)
    )


@contextlib.asynccontextmanager
async def running(
    script: BinanceScript, speed: float = 4.0, **options: Any
) -> AsyncIterator[Running]:
    async with BinanceEmulator(script, speed=speed) as emu:
        feed = BinanceFeed(
            emu.stream_url, emu.rest_url, backoff=Backoff(base=0.05, cap=0.2), **options
        )
        symbols = sorted(SYMBOLS.values())
        events = feed.stream(symbols)
        try:
            yield emu, feed, events, symbols
        finally:
            await events.aclose()  # type: ignore[attr-defined]


@pytest.fixture()
async def live(script: BinanceScript) -> AsyncIterator[Running]:
    async with running(script) as item:
        yield item


async def test_client_implements_the_ports() -> None:
    feed = BinanceFeed("ws://127.0.0.1:9/stream", "http://127.0.0.1:9")
    assert isinstance(feed, MarketDataPort) and isinstance(feed, InstrumentsPort)


async def test_every_book_bridges_its_snapshot(live: Running, until: Until) -> None:
    emu, feed, events, symbols = live
    await until(events, lambda: all_verified(feed, symbols))
    await until(
        events, lambda: same_book(feed, emu, "NKNUSDT") and feed.binance.totals().updates > 40
    )
    health = feed.health()
    assert health.state is FeedState.LIVE and health.gaps == 0 and health.resyncs == 0
    assert dict(emu.depth_requests) == dict.fromkeys(SYMBOLS, 1)
    assert health.clock_offset_ms is not None and abs(health.clock_offset_ms) < 5_000
    snap = feed.book("NKN/USDT", depth=3)
    assert snap is not None and snap.sequence == emu.books["NKNUSDT"].update_id
    assert snap.spread is not None and snap.spread > 0


async def test_dropped_event_resyncs_only_that_symbol(live: Running, until: Until) -> None:
    emu, feed, events, symbols = live
    await until(events, lambda: all_verified(feed, symbols))
    emu.drop_next("NKNUSDT")
    nkn = feed.binance.books["NKN/USDT"].stats
    await until(events, lambda: nkn.gaps == 1)
    await until(events, lambda: all_verified(feed, symbols))
    assert emu.depth_requests["NKNUSDT"] == 2
    assert all(emu.depth_requests[s] == 1 for s in SYMBOLS if s != "NKNUSDT")
    assert all(feed.binance.books[s].stats.resyncs == 0 for s in symbols if s != "NKN/USDT")
    health = feed.health()
    assert health.gaps == 1 and health.resyncs == 1 and health.reconnects == 0
    await until(events, lambda: same_book(feed, emu, "NKNUSDT"))


async def test_a_slow_snapshot_never_blocks_the_receive_loop(live: Running, until: Until) -> None:
    emu, feed, events, symbols = live
    await until(events, lambda: all_verified(feed, symbols))
    emu.depth_delay = 1.0
    emu.drop_next("NKNUSDT")
    nkn = feed.binance.books["NKN/USDT"]
    await until(events, lambda: nkn.stats.gaps == 1)
    frames = feed.handler.frames
    # frames keep flowing (and NKN's diffs keep buffering) while its snapshot is on its way
    await until(events, lambda: feed.handler.frames >= frames + 5 and len(nkn.buffer) >= 3)
    assert integrity(feed, ["NKN/USDT"]) == {BookIntegrity.RESYNCING}
    assert all_verified(feed, [s for s in symbols if s != "NKN/USDT"])
    assert feed.health().resyncing_symbols == ("NKN/USDT",)
    await until(events, lambda: all_verified(feed, symbols))
    await until(events, lambda: same_book(feed, emu, "NKNUSDT"))


async def test_duplicate_event_is_skipped(live: Running, until: Until) -> None:
    emu, feed, events, symbols = live
    await until(events, lambda: all_verified(feed, symbols))
    nkn = feed.binance.books["NKN/USDT"].stats
    stale = nkn.stale_events
    emu.duplicate_next("NKNUSDT")
    await until(events, lambda: nkn.stale_events == stale + 1)
    await until(events, lambda: same_book(feed, emu, "NKNUSDT"))
    assert feed.health().gaps == 0 and feed.health().resyncs == 0


async def test_stall_turns_books_stale_within_two_seconds(live: Running, until: Until) -> None:
    emu, feed, events, symbols = live
    await until(events, lambda: all_verified(feed, symbols))
    emu.stall()
    took = await until(events, lambda: integrity(feed, symbols) == {BookIntegrity.STALE}, 3.0)
    assert took < 2.0 and feed.health().state is FeedState.STALE
    emu.resume()
    await until(events, lambda: all_verified(feed, symbols))
    assert feed.health().reconnects == 0 and feed.health().gaps == 0


async def test_dropped_connection_resnapshots_every_book(live: Running, until: Until) -> None:
    emu, feed, events, symbols = live
    await until(events, lambda: all_verified(feed, symbols))
    emu.drop_connections()
    await until(events, lambda: feed.health().reconnects == 1)
    await until(events, lambda: all_verified(feed, symbols))
    assert emu.connects == 2 and dict(emu.depth_requests) == dict.fromkeys(SYMBOLS, 2)
    assert feed.health().gaps == 0


async def test_rollover_opens_the_new_connection_before_closing_the_old(
    script: BinanceScript, until: Until
) -> None:
    async with running(script, max_age=1.0) as (emu, feed, events, symbols):
        await until(events, lambda: all_verified(feed, symbols))
        await until(events, lambda: emu.connects >= 2 and len(feed.connections) == 1)
        await until(
            events, lambda: same_book(feed, emu, "NKNUSDT") and feed.binance.totals().updates > 30
        )
        health = feed.health()
        assert health.reconnects == 0 and health.gaps == 0 and health.resyncs == 0
        assert dict(emu.depth_requests) == dict.fromkeys(SYMBOLS, 1)  # books carried over


async def test_server_shutdown_notice_triggers_a_seamless_rollover(
    live: Running, until: Until
) -> None:
    emu, feed, events, symbols = live
    await until(events, lambda: all_verified(feed, symbols))
    emu.server_shutdown()
    await until(events, lambda: emu.connects == 2 and len(feed.connections) == 1)
    await until(events, lambda: same_book(feed, emu, "NKNUSDT"))
    assert feed.health().reconnects == 0 and all(n == 1 for n in emu.depth_requests.values())


async def test_load_instruments_from_exchange_info(script: BinanceScript) -> None:
    async with BinanceEmulator(script) as emu:
        feed = BinanceFeed(emu.stream_url, emu.rest_url)
        instruments = {i.symbol: i for i in await feed.load_instruments()}
    nkn = instruments["NKN/USDT"]
    assert nkn.venue_symbol == "NKNUSDT" and nkn.price_tick == Decimal("0.0001")
    assert len(instruments) > 1000
