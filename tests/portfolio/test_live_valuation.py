"""The core's live valuation through core.portfolio: routed prices with provenance, exact totals.

Moved from the retired ``core/valuation.py`` tests: the same intent, now against the one resolver
(:mod:`core.portfolio.pricing`) the CLI uses too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.config import GROUPS, PortfolioConfig
from core.models import (
    Balance,
    BookIntegrity,
    BookLevel,
    BookSnapshot,
    Custody,
    Location,
    Price,
    PriceSource,
    SubAccount,
)
from core.portfolio.live import (
    HISTORY_POINTS,
    HISTORY_STORED_POINTS,
    LivePortfolio,
    holdings_view,
    live_inputs,
    policy_of,
    value_balances,
)
from core.portfolio.pricing import PriceResolver, quote_from_book
from core.views import HoldingsView

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
D = Decimal


def book(
    symbol: str,
    bid: str,
    ask: str,
    *,
    age_s: float = 1.0,
    venue: str = "sim-a",
    integrity: BookIntegrity = BookIntegrity.VERIFIED,
) -> BookSnapshot:
    return BookSnapshot(
        venue=venue,
        symbol=symbol,
        bids=(BookLevel(price=D(bid), qty=D(1)),),
        asks=(BookLevel(price=D(ask), qty=D(1)),),
        ts=NOW - timedelta(seconds=age_s),
        integrity=integrity,
    )


def prices_for(
    assets: list[str], books: list[BookSnapshot], stale_after_s: float = 30.0
) -> dict[str, Price]:
    config = PortfolioConfig(stale_after_s=stale_after_s)
    inputs = live_inputs(books, (), {}, config)
    return PriceResolver(inputs, NOW, policy_of(config)).prices(assets)


def test_price_routed_through_usdt() -> None:
    p = prices_for(
        ["ETH", "USDT"],
        [book("ETH/USDT", "2000.00", "2000.10"), book("USDT/USD", "1.0010", "1.0012")],
    )
    assert p["USDT"].value == D("1.0011")
    assert p["ETH"].value == D("2000.05") * D("1.0011")
    assert p["ETH"].source is PriceSource.BOOK_MID and not p["ETH"].stale
    assert p["ETH"].ts == NOW - timedelta(seconds=1)


def test_direct_usd_market_is_preferred() -> None:
    p = prices_for(
        ["ETH"],
        [
            book("ETH/USDT", "2000", "2002"),
            book("USDT/USD", "1.01", "1.01"),
            book("ETH/USD", "1990", "1992"),
        ],
    )
    assert p["ETH"].value == D(1991)


def test_stablecoins_priced_from_their_market_not_assumed_one() -> None:
    p = prices_for(
        ["USDC", "USD", "DAI"],
        [book("USDC/USD", "0.9970", "0.9974"), book("DAI/USDC", "1.0", "1.0")],
    )
    assert p["USDC"].value == D("0.9972")
    assert p["USDC"].source is PriceSource.BOOK_MID
    assert p["DAI"].value == D("0.9972")  # DAI/USDC × USDC/USD
    assert p["USD"].value == 1 and p["USD"].source is PriceSource.CONFIG


def test_no_market_means_no_price() -> None:
    p = prices_for(["XYZ", "USDT"], [book("BTC/USD", "1", "2")])
    assert p["XYZ"].value is None and p["XYZ"].source is PriceSource.NONE
    # USDT without a USDT/USD market is unknown too: never assumed to be one dollar.
    assert p["USDT"].value is None and p["USDT"].source is PriceSource.NONE


def test_stale_when_old_or_unverified_and_through_the_route() -> None:
    p = prices_for(
        ["BTC", "ETH", "SOL", "USDT"],
        [
            book("BTC/USD", "100", "102", age_s=31),
            book("ETH/USD", "10", "12", integrity=BookIntegrity.RESYNCING),
            book("SOL/USDT", "5", "7", age_s=1),
            book("USDT/USD", "1", "1", age_s=120),
        ],
    )
    assert p["BTC"].stale and p["BTC"].value == 101
    assert p["ETH"].stale and p["ETH"].value == 11
    assert p["USDT"].stale
    # SOL's own book is fresh, but its route through USDT is not; it carries the older time.
    assert p["SOL"].stale and p["SOL"].value == 6
    assert p["SOL"].ts == NOW - timedelta(seconds=120)
    fresh = prices_for(["BTC"], [book("BTC/USD", "100", "102", age_s=29)])
    assert not fresh["BTC"].stale


def test_newest_quote_for_a_pair_wins_across_venues() -> None:
    p = prices_for(
        ["BTC"],
        [
            book("BTC/USD", "100", "100", age_s=10, venue="a"),
            book("BTC/USD", "200", "200", age_s=2, venue="b"),
        ],
    )
    assert p["BTC"].value == 200


def test_one_sided_book_gives_no_quote() -> None:
    one_sided = BookSnapshot(
        venue="a", symbol="BTC/USD", bids=(BookLevel(price=D(1), qty=D(1)),), asks=(), ts=NOW
    )
    assert quote_from_book(one_sided) is None
    assert prices_for(["BTC"], [one_sided])["BTC"].source is PriceSource.NONE


LOCATIONS = {
    "sim-a:spot": Location(id="sim-a:spot", venue="sim-a"),
    "sim-b:spot": Location(id="sim-b:spot", venue="sim-b"),
    "ledger:cold": Location(
        id="ledger:cold",
        venue="ledger",
        sub_account=SubAccount.WALLET,
        custody=Custody.COLD,
        tradable=False,
    ),
}
GROUP_OF = {
    "BTC": "BTC",
    "ETH": "ETH",
    "USDT": "Stablecoins",
    "USDC": "Stablecoins",
    "USD": "Stablecoins",
    "DOGE": "Memecoins",
    "XYZ": "Others",
}


def balances() -> list[Balance]:
    rows = [
        ("sim-a:spot", "BTC", "0.33333"),
        ("sim-b:spot", "BTC", "0.1"),
        ("ledger:cold", "BTC", "1.00001"),
        ("sim-a:spot", "ETH", "3.3333"),
        ("sim-a:spot", "USDT", "1234.5678"),
        ("sim-b:spot", "USD", "999.99"),
        ("sim-b:spot", "USDC", "777.77"),
        ("sim-a:spot", "DOGE", "12345"),
        ("sim-a:spot", "XYZ", "5"),
    ]
    return [Balance(location_id=loc, asset=a, total=D(q), free=D(q), ts=NOW) for loc, a, q in rows]


def market_books() -> list[BookSnapshot]:
    return [
        book("BTC/USDT", "42123.4", "42123.5"),
        book("ETH/USDT", "2311.11", "2311.13"),
        book("USDT/USD", "0.9998", "1.0001"),
        book("USDC/USD", "0.9999", "1.0000"),
        book("DOGE/USDT", "0.08312", "0.08313"),
    ]


def view_of(books: list[BookSnapshot]) -> tuple[HoldingsView, dict[str, Price]]:
    config = PortfolioConfig()
    inputs = live_inputs(books, (), {}, config)
    held = value_balances(balances(), inputs, GROUP_OF.__getitem__, NOW, policy_of(config))
    prices = {h.asset: h.price for h in held}
    return holdings_view(held, LOCATIONS, NOW), prices


def test_holdings_totals_add_up_exactly() -> None:
    view, prices = view_of(market_books())

    expected_total = sum((b.total * (prices[b.asset].value or 0) for b in balances()), D(0))
    assert view.total == expected_total
    assert sum((r.value for r in view.rows), D(0)) == view.total
    assert sum((g.value for g in view.groups), D(0)) == view.total
    assert sum((loc.value for loc in view.locations), D(0)) == view.total
    assert sum(r.weight for r in view.rows) == pytest.approx(1.0)
    groups = {g.group: g.value for g in view.groups}
    btc_price = prices["BTC"].value
    assert btc_price is not None
    assert groups["BTC"] == D("1.43334") * btc_price
    assert set(groups) == {"BTC", "ETH", "Stablecoins", "Memecoins", "Others"}
    assert groups["Others"] == 0  # XYZ has no market: shown, valued at nothing, counted stale
    assert view.stale_prices == 1
    cold = next(loc for loc in view.locations if loc.group == "ledger:cold")
    assert cold.value == D("1.00001") * btc_price
    # Rows come in the fixed group order, largest first within a group.
    order = [GROUPS.index(r.group) for r in view.rows]
    assert order == sorted(order)
    btc_rows = [r for r in view.rows if r.asset == "BTC"]
    assert [r.location_id for r in btc_rows] == ["ledger:cold", "sim-a:spot", "sim-b:spot"]
    assert [r.tradable for r in btc_rows] == [False, True, True]
    # Every price says where it came from.
    assert prices["ETH"].detail == "ETH/USDT mid on sim-a × USDT 0.99995 (USDT/USD mid on sim-a)"


def test_live_portfolio_samples_history_and_caches_only_fresh_market_prices() -> None:
    live = LivePortfolio(PortfolioConfig(), GROUP_OF.__getitem__)
    first = live.revalue(balances(), market_books(), LOCATIONS, NOW)
    again = live.revalue(balances(), market_books(), LOCATIONS, NOW + timedelta(seconds=1))
    later = live.revalue(balances(), market_books(), LOCATIONS, NOW + timedelta(seconds=6))
    assert first.history == (float(first.total),)
    assert again.history == first.history  # sampled every 5 s, not every revaluation
    assert later.history == (float(first.total), float(later.total))
    cached = {p.asset for p in live.prices_to_cache()}
    assert cached == {"BTC", "ETH", "USDT", "USDC", "DOGE"}  # not USD (config), not XYZ (none)
    snap = live.snapshot(NOW, "test")
    assert snap.total_usd == later.total
    assert sum(snap.by_group.values(), D(0)) == snap.total_usd


def test_sparkline_starts_from_stored_snapshot_totals() -> None:
    live = LivePortfolio(PortfolioConfig(), GROUP_OF.__getitem__)
    stored = [100_000.0 + i for i in range(HISTORY_POINTS)]
    live.seed_history(stored)
    # Only the newest half of the window comes from the store; the session fills the rest.
    assert list(live.history) == stored[-HISTORY_STORED_POINTS:]
    view = live.revalue(balances(), market_books(), LOCATIONS, NOW)
    assert view.history == (*stored[-HISTORY_STORED_POINTS:], float(view.total))
    assert live.history.maxlen == HISTORY_POINTS


def test_an_empty_portfolio_is_all_zero() -> None:
    view = holdings_view([], LOCATIONS, NOW)
    assert view.total == 0 and view.rows == () and view.groups == ()
