"""The price resolver: provenance, staleness and no assumptions, on real Kraken frames."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.config import DerivativeRate
from core.models import BookIntegrity, BookLevel, BookSnapshot, Price, PriceSource, Side, Trade
from core.portfolio.pricing import (
    PriceInputs,
    PricePolicy,
    Quote,
    quote_from_book,
    quote_from_ticker,
    quote_from_trade,
    resolve_prices,
)

T0 = datetime(2023, 7, 30, 15, 29, 58, tzinfo=UTC)


def _kraken_book(shared_data: Path, integrity: BookIntegrity) -> tuple[BookSnapshot, datetime]:
    """The real Kraken WS v2 BTC/USD snapshot, stamped with its first update's time."""
    path = shared_data / "exchange" / "python-kraken-sdk" / "orderbook-v2.json"
    frames = json.loads(path.read_text("utf-8"), parse_float=Decimal)
    snap = frames["init"]["data"][0]
    ts = datetime.fromisoformat(frames["updates"][0]["data"][0]["timestamp"])
    book = BookSnapshot(
        venue="kraken",
        symbol=snap["symbol"],
        bids=tuple(BookLevel(price=b["price"], qty=b["qty"]) for b in snap["bids"]),
        asks=tuple(BookLevel(price=a["price"], qty=a["qty"]) for a in snap["asks"]),
        ts=ts,
        integrity=integrity,
    )
    return book, ts


def _kraken_tickers(shared_data: Path) -> dict[str, tuple[Decimal, datetime]]:
    """Last prices of the real Kraken WS v1 ticker frames (cryptofeed capture, 2021)."""
    out: dict[str, tuple[Decimal, datetime]] = {}
    path = shared_data / "exchange" / "cryptofeed" / "KRAKEN.ws.49.0"
    for line in path.read_text("utf-8").splitlines():
        stamp, _, payload = line.partition(": ")
        if not payload.startswith("["):
            continue
        frame: list[Any] = json.loads(payload)
        if frame[-2] == "ticker":
            ts = datetime.fromtimestamp(float(stamp), UTC)
            out[frame[-1]] = (Decimal(frame[1]["c"][0]), ts)
    return out


def test_book_mid_from_a_real_kraken_book(shared_data: Path) -> None:
    book, ts = _kraken_book(shared_data, BookIntegrity.VERIFIED)
    quote = quote_from_book(book)
    assert quote is not None
    inputs = PriceInputs(quotes=(quote,))
    price = resolve_prices(["BTC"], inputs, ts + timedelta(seconds=1))["BTC"]
    assert price.value == (book.bids[0].price + book.asks[0].price) / 2
    assert (price.source, price.ts, price.stale) == (PriceSource.BOOK_MID, ts, False)
    assert price.detail == "BTC/USD mid on kraken"
    later = resolve_prices(["BTC"], inputs, ts + timedelta(seconds=31))["BTC"]
    assert later.stale and later.value == price.value


def test_unverified_book_is_flagged(shared_data: Path) -> None:
    book, ts = _kraken_book(shared_data, BookIntegrity.RESYNCING)
    quote = quote_from_book(book)
    assert quote is not None
    price = resolve_prices(["BTC"], PriceInputs(quotes=(quote,)), ts)["BTC"]
    assert price.stale and price.detail is not None and "not verified" in price.detail


def test_fresh_beats_stale_then_stronger_source_wins(shared_data: Path) -> None:
    book, ts = _kraken_book(shared_data, BookIntegrity.VERIFIED)
    mid = quote_from_book(book)
    assert mid is not None
    trade = quote_from_trade(
        Trade(
            venue="kraken",
            symbol="BTC/USD",
            price=Decimal("29431"),
            qty=Decimal("0.1"),
            side=Side.BUY,
            ts=ts + timedelta(seconds=40),
        )
    )
    ticker = quote_from_ticker("binance", "BTC/USD", Decimal("29429"), ts + timedelta(seconds=45))
    now = ts + timedelta(seconds=50)  # the book is 50 s old: stale; trade and ticker fresh
    price = resolve_prices(["BTC"], PriceInputs(quotes=(mid, trade, ticker)), now)["BTC"]
    assert (price.source, price.value, price.stale) == (
        PriceSource.LAST_TRADE,
        Decimal(29431),
        False,
    )
    fresh_book = mid.model_copy(update={"ts": now})
    price = resolve_prices(["BTC"], PriceInputs(quotes=(fresh_book, trade, ticker)), now)["BTC"]
    assert price.source is PriceSource.BOOK_MID


def test_non_usd_markets_convert_through_the_quote_assets_price(
    shared_data: Path, ct_dir: Path
) -> None:
    """KSM/XBT × XBT/CHF × CHF (priced by the CoinTracking import): real numbers, three legs."""
    from core.portfolio.ctparse import parse_rows

    tickers = _kraken_tickers(shared_data)
    quotes = tuple(
        quote_from_ticker("kraken", pair, last, ts) for pair, (last, ts) in tickers.items()
    )
    now = max(ts for _, ts in tickers.values())
    rows = parse_rows((ct_dir / "CoinTracking - Current Balance.csv").read_bytes(), "cb")
    chf_row = next(r for r in rows if r.ticker == "CHF")
    assert chf_row.price_usd is not None
    chf = Price(asset="CHF", value=chf_row.price_usd, source=PriceSource.IMPORT, ts=now)
    prices = resolve_prices(
        ["KSM", "XMR", "WAVES"], PriceInputs(quotes=quotes, imported={"CHF": chf}), now
    )
    ksm = prices["KSM"]
    expected = tickers["KSM/XBT"][0] * tickers["XBT/CHF"][0] * chf_row.price_usd
    assert ksm.value == expected and ksm.source is PriceSource.TICKER
    assert ksm.detail is not None and "× XBT" in ksm.detail and "× CHF" in ksm.detail
    assert ksm.detail.endswith("(import))")
    assert prices["XMR"].value == tickers["XMR/USD"][0]
    # WAVES/EUR: EUR has no price here, so WAVES is not priced (EUR is not assumed 1 USD)
    assert prices["WAVES"].source is PriceSource.NONE and prices["WAVES"].value is None


def test_stablecoins_are_priced_not_assumed() -> None:
    now = T0
    assert resolve_prices(["USDT"], PriceInputs(), now)["USDT"].source is PriceSource.NONE
    book_quote = Quote(
        base="USDT", quote="USD", price=Decimal("0.99945"), source=PriceSource.BOOK_MID, ts=now
    )
    btc = Quote(base="BTC", quote="USDT", price=Decimal(30000), source=PriceSource.BOOK_MID, ts=now)
    prices = resolve_prices(["USDT", "BTC"], PriceInputs(quotes=(book_quote, btc)), now)
    assert prices["USDT"].value == Decimal("0.99945")
    assert prices["BTC"].value == Decimal(30000) * Decimal("0.99945")
    # without a USDT price, a BTC/USDT market does not price BTC
    alone = resolve_prices(["BTC"], PriceInputs(quotes=(btc,)), now)["BTC"]
    assert alone.source is PriceSource.NONE
    usd = resolve_prices(["USD"], PriceInputs(), now)["USD"]
    assert usd.value == 1 and usd.detail == "valuation unit"


def test_liquid_staking_never_one_to_one(shared_data: Path) -> None:
    now = T0
    eth = Quote(base="ETH", quote="USD", price=Decimal(1850), source=PriceSource.BOOK_MID, ts=now)
    prices = resolve_prices(["STETH", "WSTETH"], PriceInputs(quotes=(eth,)), now)
    assert prices["STETH"].value is None and prices["WSTETH"].value is None
    rates = {"WSTETH": DerivativeRate(base="ETH", rate=Decimal("1.1391"))}
    own = Quote(base="STETH", quote="USD", price=Decimal(1848), source=PriceSource.TICKER, ts=now)
    prices = resolve_prices(["STETH", "WSTETH"], PriceInputs(quotes=(eth, own), rates=rates), now)
    assert prices["STETH"].value == Decimal(1848) and prices["STETH"].source is PriceSource.TICKER
    wst = prices["WSTETH"]
    assert wst.value == Decimal("1.1391") * 1850 and wst.source is PriceSource.CONFIG
    assert wst.ts == now and not wst.stale and "configured rate" in (wst.detail or "")
    # the rate inherits the base's staleness
    later = resolve_prices(
        ["WSTETH"], PriceInputs(quotes=(eth,), rates=rates), now + timedelta(minutes=5)
    )["WSTETH"]
    assert later.stale


def test_cached_and_imported_prices_are_relabelled_and_aged(shared_data: Path) -> None:
    seed = json.loads(
        (shared_data / "seed-origin" / "prices_file_provider.2025-08-30.json").read_text("utf-8"),
        parse_float=Decimal,
    )
    now = datetime(2025, 8, 30, 12, tzinfo=UTC)
    cached = {
        "BTC": Price(
            asset="BTC",
            value=Decimal(seed["BTC"]),
            source=PriceSource.BOOK_MID,
            ts=now - timedelta(minutes=10),
        )
    }
    imported = {
        "ETH": Price(
            asset="ETH", value=seed["ETH"], source=PriceSource.IMPORT, ts=now - timedelta(days=4)
        )
    }
    configured = {sym: Decimal(v) for sym, v in seed.items()}
    policy = PricePolicy(live_stale_s=30, cache_stale_s=3600)
    inputs = PriceInputs(cached=cached, imported=imported, configured=configured)
    prices = resolve_prices(["BTC", "ETH", "AAVE"], inputs, now, policy)
    assert prices["BTC"].source is PriceSource.CACHED and not prices["BTC"].stale
    assert prices["BTC"].detail == "cached (originally book_mid)"
    # a 4-day-old import is stale, so the (timeless) configured price wins
    assert prices["ETH"].source is PriceSource.CONFIG and prices["ETH"].value == seed["ETH"]
    assert prices["AAVE"].value == seed["AAVE"] and prices["AAVE"].detail == "fixed in config"
    only_import = resolve_prices(["ETH"], PriceInputs(imported=imported), now, policy)["ETH"]
    assert only_import.source is PriceSource.IMPORT and only_import.stale


def test_cycles_terminate() -> None:
    now = T0
    a = Quote(
        base="USDT", quote="USDC", price=Decimal("1.0001"), source=PriceSource.BOOK_MID, ts=now
    )
    b = Quote(
        base="USDC", quote="USDT", price=Decimal("0.9999"), source=PriceSource.BOOK_MID, ts=now
    )
    rates = {
        "X": DerivativeRate(base="Y", rate=Decimal(1)),
        "Y": DerivativeRate(base="X", rate=Decimal(1)),
    }
    prices = resolve_prices(["USDT", "USDC", "X"], PriceInputs(quotes=(a, b), rates=rates), now)
    assert all(p.source is PriceSource.NONE for p in prices.values())


def test_bad_symbols_are_refused() -> None:
    with pytest.raises(ValueError):
        quote_from_ticker("kraken", "BTCUSD", Decimal(1), T0)


def test_config_prices_and_rates_feed_the_resolver() -> None:
    from core.config import Settings

    settings = Settings.model_validate(
        {
            "portfolio": {
                "prices": {"usdt": "0.9993"},
                "rates": {"wsteth": {"base": "eth", "rate": "1.2"}},
            }
        }
    )
    eth = Quote(base="ETH", quote="USD", price=Decimal(2000), source=PriceSource.BOOK_MID, ts=T0)
    inputs = PriceInputs(
        quotes=(eth,), configured=settings.portfolio.prices, rates=settings.portfolio.rates
    )
    prices = resolve_prices(["usdt", "WSTETH"], inputs, T0)
    assert prices["usdt"].value == Decimal("0.9993")
    assert prices["WSTETH"].value == Decimal(2400)
