"""Fixtures for the live-venue tests: recorded REST bodies and loopback venues serving them."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from core.feeds.capture import read_capture
from core.venues.loopback import BinanceLoopback, KrakenLoopback
from core.venues.rest import CcxtRest
from core.venues.secrets import Credentials

KRAKEN_KEY = "kraken-test-key-7f3a"
KRAKEN_SECRET = base64.b64encode(b"kraken-test-secret-never-shown").decode()
BINANCE_KEY = "binance-test-key-91c2"
BINANCE_SECRET = "binance-test-secret-never-shown"


def _http_bodies(path: Path) -> list[tuple[str, str]]:
    return [(r.url or "", r.payload) for r in read_capture(path) if r.kind == "http"]


@pytest.fixture(scope="session")
def kraken_asset_pairs(shared_data: Path) -> str:
    (body,) = [b for url, b in _http_bodies(shared_data / "exchange/cryptofeed/KRAKEN.0")]
    return body


@pytest.fixture(scope="session")
def kraken_pairs_raw(kraken_asset_pairs: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(kraken_asset_pairs)["result"]
    return result


@pytest.fixture(scope="session")
def binance_exchange_info(shared_data: Path) -> str:
    (body,) = [b for url, b in _http_bodies(shared_data / "exchange/cryptofeed/BINANCE.0")]
    return body


@pytest.fixture(scope="session")
def binance_depth(shared_data: Path) -> dict[str, str]:
    out = {}
    for url, body in _http_bodies(shared_data / "exchange/cryptofeed/BINANCE.http.0.0"):
        out[parse_qs(urlsplit(url).query)["symbol"][0]] = body
    return out


def kraken_credentials() -> Credentials:
    return Credentials(SecretStr(KRAKEN_KEY), SecretStr(KRAKEN_SECRET), "test")


def binance_credentials() -> Credentials:
    return Credentials(SecretStr(BINANCE_KEY), SecretStr(BINANCE_SECRET), "test")


@pytest.fixture(scope="session")
def secrets_in_use() -> tuple[str, ...]:
    """Every key and secret the tests hand out: none may ever show up in logs or errors."""
    return (KRAKEN_KEY, KRAKEN_SECRET, BINANCE_KEY, BINANCE_SECRET)


@pytest.fixture()
async def kraken_server(kraken_asset_pairs: str) -> AsyncIterator[KrakenLoopback]:
    balances = {
        "ZUSD": Decimal("250000"),
        "XXBT": Decimal("1.5"),
        "XETH": Decimal("12.25"),
        "DOT.S": Decimal("40"),
        "XXBT.F": Decimal("0.25"),
        "USD.HOLD": Decimal("100"),
    }
    async with KrakenLoopback(kraken_asset_pairs, api_key=KRAKEN_KEY, balances=balances) as srv:
        srv.marks["XXBTZUSD"] = Decimal("61234.5")
        yield srv


@pytest.fixture()
async def binance_server(
    binance_exchange_info: str, binance_depth: dict[str, str]
) -> AsyncIterator[BinanceLoopback]:
    balances = {
        "USDT": Decimal("5000"),
        "NKN": Decimal("800"),
        "LDBTC": Decimal("0.05"),
        "LDO": Decimal("3"),
    }
    async with BinanceLoopback(
        binance_exchange_info, binance_depth, api_key=BINANCE_KEY, balances=balances
    ) as srv:
        yield srv


_SAVED: dict[str, dict[str, Any]] = {}


async def saved_markets(kind: str, url: str) -> dict[str, Any]:
    """ccxt markets loaded once per test session from the loopback (the recorded bodies)."""
    if kind not in _SAVED:
        loader = CcxtRest(kind, kind, rest_url=url, rate_limit=False)
        try:
            _SAVED[kind] = await loader.markets()
        finally:
            await loader.close()
    return _SAVED[kind]


@pytest.fixture()
async def kraken_rest(kraken_server: KrakenLoopback) -> AsyncIterator[CcxtRest]:
    rest = CcxtRest(
        "kraken",
        "kraken",
        rest_url=kraken_server.url,
        credentials=kraken_credentials(),
        timeout_s=1.0,
        rate_limit=False,
        markets=await saved_markets("kraken", kraken_server.url),
    )
    yield rest
    await rest.close()


@pytest.fixture()
async def binance_rest(binance_server: BinanceLoopback) -> AsyncIterator[CcxtRest]:
    rest = CcxtRest(
        "binance",
        "binance",
        rest_url=binance_server.url,
        credentials=binance_credentials(),
        timeout_s=1.0,
        rate_limit=False,
        markets=await saved_markets("binance", binance_server.url),
    )
    yield rest
    await rest.close()
