"""End to end: ``build_core`` with live venue kinds pointed at loopback servers.

Kraken: the WebSocket emulator replays the recorded v1 book capture (as v2) and the loopback
REST venue serves the recorded AssetPairs; the Core's published state shows a verified book,
and once the emulator stalls, shows it stale within 2 s (issue 3). With keys, balances from the
venue become holdings with their source and as-of time (issue 8).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.bootstrap import build_core
from core.config import Settings
from core.feeds.emulator import (
    BinanceEmulator,
    KrakenEmulator,
    binance_from_cryptofeed,
    kraken_from_v1,
)
from core.models import BookIntegrity, FeedState
from core.service import Core
from core.venues.loopback import BinanceLoopback, KrakenLoopback
from core.views import CockpitState

SYMBOLS = ["XMR/USD", "BTC/CHF", "ETH/CHF"]


async def state_where(
    core: Core, condition: Callable[[CockpitState], bool], limit: float = 8.0
) -> CockpitState:
    """Wait for a published state satisfying ``condition``."""
    found: asyncio.Future[CockpitState] = asyncio.get_running_loop().create_future()

    def listen(state: CockpitState) -> None:
        if not found.done() and condition(state):
            found.set_result(state)

    core.add_listener(listen)
    try:
        async with asyncio.timeout(limit):
            return await found
    finally:
        core.remove_listener(listen)


@pytest.fixture(scope="module")
def v1_script_path(shared_data: Path) -> Path:
    return shared_data / "exchange" / "cryptofeed" / "KRAKEN.ws.50.0"


@pytest.fixture()
async def emulator(v1_script_path: Path) -> AsyncIterator[KrakenEmulator]:
    async with KrakenEmulator(kraken_from_v1(v1_script_path), speed=1.0) as emu:
        yield emu


def settings(tmp_path: Path, venue: dict[str, Any]) -> Settings:
    return Settings.model_validate(
        {
            "venues": [venue],
            "store": {"path": str(tmp_path / "cockpit.db")},
            "ui": {"default_market": f"{venue['name']}:{venue['symbols'][0]}"},
        }
    )


async def test_kraken_core_books_go_stale_within_two_seconds_of_a_stall(
    tmp_path: Path,
    emulator: KrakenEmulator,
    kraken_asset_pairs: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with KrakenLoopback(kraken_asset_pairs) as rest:
        venue = {
            "name": "kraken",
            "kind": "kraken",
            "ws_url": emulator.ws_url,
            "rest_url": rest.url,
            "symbols": SYMBOLS,
            "book_depth": 1000,
        }
        core = build_core(settings(tmp_path, venue))
        await core.start()
        try:
            live = await state_where(
                core,
                lambda s: (
                    s.book is not None
                    and s.book.integrity is BookIntegrity.VERIFIED
                    and len(s.book.bids) > 3
                ),
            )
            assert live.market is not None and live.market.symbol == "XMR/USD"
            # The core offers the streamed markets, not all 289 the venue lists.
            assert sorted(m.symbol for m in live.markets) == sorted(SYMBOLS)
            assert live.book is not None and live.book.venue == "kraken"
            assert live.book.bids[0].price < live.book.asks[0].price
            (health,) = live.feeds
            assert health.state is FeedState.LIVE and health.checksum_failures == 0
            # No keys: public data works, and the venue says why balances are absent.
            assert health.detail is not None and "no API keys" in health.detail
            assert live.holdings is not None and live.holdings.rows == ()
            assert "no API keys" in caplog.text
            assert rest.requests == [("GET", "/0/public/AssetPairs")]
            # The ticker channel cross-checks the verified book's top.
            venue_obj: Any = core.venues["kraken"]
            stats = venue_obj.feed.kraken.totals()
            assert stats.ticker_checks > 0 and stats.ticker_disagreements == 0

            loop = asyncio.get_running_loop()
            emulator.stall()
            stalled_at = loop.time()
            stale = await state_where(
                core,
                lambda s: s.book is not None and s.book.integrity is BookIntegrity.STALE,
                limit=4.0,
            )
            took = loop.time() - stalled_at
            assert took < 2.0, f"book went stale after {took:.2f}s"
            assert stale.book is not None and stale.book.symbol == "XMR/USD"
            assert set(stale.feeds[0].stale_symbols) == set(SYMBOLS)

            emulator.resume()
            await state_where(
                core, lambda s: s.book is not None and s.book.integrity is BookIntegrity.VERIFIED
            )
        finally:
            await core.stop()


async def test_binance_balances_become_holdings_with_source_and_as_of(
    tmp_path: Path,
    binance_exchange_info: str,
    binance_depth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    secrets_in_use: tuple[str, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    key, secret = secrets_in_use[2], secrets_in_use[3]
    monkeypatch.setenv("TEST_BINANCE_KEY", key)
    monkeypatch.setenv("TEST_BINANCE_SECRET", secret)
    balances = {"USDT": 5000, "NKN": 800, "LDBTC": 0.05}
    async with BinanceLoopback(
        binance_exchange_info,
        binance_depth,
        api_key=key,
        balances={k: Decimal(str(v)) for k, v in balances.items()},
    ) as rest:
        venue = {
            "name": "bn",
            "kind": "binance",
            "ws_url": "ws://127.0.0.1:9",  # nothing listens: balances must not need the feed
            "rest_url": rest.url,
            "symbols": ["NKN/USDT"],
            "api_key_env": "TEST_BINANCE_KEY",
            "api_secret_env": "TEST_BINANCE_SECRET",
        }
        core = build_core(settings(tmp_path, venue))
        await core.start()
        try:
            state = await state_where(
                core, lambda s: s.holdings is not None and len(s.holdings.rows) >= 3
            )
            assert state.holdings is not None
            rows = {(r.asset, r.location_id): r for r in state.holdings.rows}
            assert set(rows) == {
                ("USDT", "bn:spot"),
                ("NKN", "bn:spot"),
                ("BTC", "bn:earn"),
            }
            assert rows[("NKN", "bn:spot")].qty == 800
            for row in rows.values():
                assert row.source == "bn" and row.as_of is not None
                assert row.as_of.tzinfo is not None
            assert rest.seen_keys == {key}
        finally:
            await core.stop()
    # ccxt logs each request's headers at DEBUG: the key is there, redacted.
    assert "'X-MBX-APIKEY': '[redacted]'" in caplog.text
    for text in secrets_in_use:
        assert text not in caplog.text


async def test_an_unreachable_account_is_logged_not_fatal(
    tmp_path: Path,
    binance_exchange_info: str,
    binance_depth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    secrets_in_use: tuple[str, ...],
) -> None:
    key, secret = secrets_in_use[2], secrets_in_use[3]
    monkeypatch.setenv("TEST_BINANCE_KEY", key)
    monkeypatch.setenv("TEST_BINANCE_SECRET", secret)
    async with BinanceLoopback(
        binance_exchange_info, binance_depth, api_key=key, balances={"USDT": Decimal(10)}
    ) as rest:
        rest.faults.arm("5xx", "/api/v3/account")
        venue = {
            "name": "bn",
            "kind": "binance",
            "ws_url": "ws://127.0.0.1:9",
            "rest_url": rest.url,
            "symbols": ["NKN/USDT"],
            "api_key_env": "TEST_BINANCE_KEY",
            "api_secret_env": "TEST_BINANCE_SECRET",
        }
        core = build_core(settings(tmp_path, venue))
        await core.start()
        try:
            assert rest.faults.fired["5xx"] == 1
            warnings = [e.message for e in core.events if e.level.value == "warning"]
            assert any("bn: balances" in m and "ExchangeNotAvailable" in m for m in warnings)
            assert core.balances.latest == {}
            await core.balances.poll()  # the next poll succeeds
            assert core.balances.latest[("bn:spot", "USDT")].total == Decimal(10)
        finally:
            await core.stop()


async def test_binance_core_books_verify_then_go_stale_on_a_stall(
    tmp_path: Path, shared_data: Path
) -> None:
    data = shared_data / "exchange" / "cryptofeed"
    script = binance_from_cryptofeed(
        data / "BINANCE.ws.1.0", data / "BINANCE.http.0.0", exchange_info=data / "BINANCE.0"
    )
    async with BinanceEmulator(script) as emu:
        venue = {
            "name": "bn",
            "kind": "binance",
            "ws_url": emu.stream_url,
            "rest_url": emu.rest_url,  # ccxt's markets and the feed's depth snapshots
            "symbols": ["NKN/USDT", "LRC/BTC"],
        }
        core = build_core(settings(tmp_path, venue))
        await core.start()
        try:
            live = await state_where(
                core,
                lambda s: s.book is not None and s.book.integrity is BookIntegrity.VERIFIED,
            )
            assert live.book is not None and (live.book.venue, live.book.symbol) == (
                "bn",
                "NKN/USDT",
            )
            assert sorted(m.symbol for m in live.markets) == ["LRC/BTC", "NKN/USDT"]
            assert live.feeds[0].gaps == 0
            loop = asyncio.get_running_loop()
            emu.stall()
            stalled_at = loop.time()
            await state_where(
                core,
                lambda s: s.book is not None and s.book.integrity is BookIntegrity.STALE,
                limit=4.0,
            )
            assert loop.time() - stalled_at < 2.0
        finally:
            await core.stop()
