"""A plan small enough to work out by hand, and the market lookups it rests on.

Pins the exact orders (quantities, limit and average prices, USD figures) the planner must
produce, so restructuring its hot paths (order assembly, book walking, market indexing, the
allocation) cannot change a plan unnoticed. Every expected figure below is derived in the
comments from the books and holdings of the test.
"""

from __future__ import annotations

from decimal import Decimal

from core.config import GROUPS
from core.models import (
    BookIntegrity,
    BookLevel,
    BookSnapshot,
    Holding,
    Instrument,
    Location,
    Price,
    PriceSource,
    Side,
)
from core.plan.build import build_plan
from core.plan.markets import MarketIndex, qty_for_spend, walk
from core.plan.models import PlanOrder, PlanPolicy, SkipReason
from core.plan.targets import resolve_targets
from tests.plan.synth import NOW

D = Decimal


def _inst(base: str, quote: str = "USDT", venue: str = "kraken") -> Instrument:
    return Instrument(
        venue=venue,
        symbol=f"{base}/{quote}",
        base=base,
        quote=quote,
        price_tick=D("0.1"),
        qty_step=D("0.001"),
        taker_fee=D(0),
    )


def _book(
    inst: Instrument,
    bids: list[tuple[str, str]],
    asks: list[tuple[str, str]],
    integrity: BookIntegrity = BookIntegrity.VERIFIED,
) -> BookSnapshot:
    return BookSnapshot(
        venue=inst.venue,
        symbol=inst.symbol,
        bids=tuple(BookLevel(price=D(p), qty=D(q)) for p, q in bids),
        asks=tuple(BookLevel(price=D(p), qty=D(q)) for p, q in asks),
        ts=NOW,
        integrity=integrity,
    )


def _holding(asset: str, qty: str, price: str, group: str, location: str) -> Holding:
    return Holding(
        asset=asset,
        location_id=location,
        qty=D(qty),
        group=group,
        price=Price(asset=asset, value=D(price), source=PriceSource.BOOK_MID),
    )


def test_two_sells_share_the_book_and_the_buy_is_scaled_to_their_proceeds() -> None:
    # $200: BTC 1.0 x 100 (0.2 at kraken:main, 0.8 at kraken:spot), ETH 0.5 x 100, 50 USDT.
    # Targets BTC 25 %, ETH 50 %, Stablecoins 25 %: sell $50 of BTC (0.5), buy $50 of ETH.
    holdings = [
        _holding("BTC", "0.2", "100", "BTC", "kraken:main"),
        _holding("BTC", "0.8", "100", "BTC", "kraken:spot"),
        _holding("ETH", "0.5", "100", "ETH", "kraken:spot"),
        _holding("USDT", "50", "1", "Stablecoins", "kraken:spot"),
    ]
    locations = [
        Location(id="kraken:main", venue="kraken"),
        Location(id="kraken:spot", venue="kraken"),
    ]
    weights = {g: D(0) for g in GROUPS} | {"BTC": D(25), "ETH": D(50), "Stablecoins": D(25)}
    targets = resolve_targets(weights, min_trade_usd=D(5))
    btc, eth, sol = _inst("BTC"), _inst("ETH"), _inst("SOL")
    books = [
        _book(btc, bids=[("99.9", "0.3"), ("99.8", "1")], asks=[("100.1", "1")]),  # mid 100.0
        _book(eth, bids=[("99.8", "5")], asks=[("100.2", "0.2"), ("100.4", "5")]),  # mid 100.0
    ]
    policy = PlanPolicy(cash_assets=("USDT",))
    plan = build_plan(
        holdings, locations, targets, [btc, eth, sol], books, as_of=NOW, policy=policy
    )

    assert all(type(o) is PlanOrder for o in plan.orders)
    got = [
        (
            (o.location_id, o.side, o.qty, o.limit_price, o.est_avg_price, o.mid),
            (o.notional_usd, o.fee_usd, o.slippage_usd),
        )
        for o in plan.orders
    ]
    assert got == [
        # Sells first, kraken:main before kraken:spot. 0.2 at 99.9 = 19.98, slippage
        # |99.9 - 100| x 0.2 = 0.02.
        (
            ("kraken:main", Side.SELL, D("0.2"), D("99.9"), D("99.900"), D("100.0")),
            (D("19.98"), D("0.00"), D("0.02")),
        ),
        # The second sell walks what the first left: 0.1 at 99.9 + 0.2 at 99.8 = 29.95,
        # average 99.8333.., worst 99.8; slippage 0.1666.. x 0.3 = 0.05.
        (
            ("kraken:spot", Side.SELL, D("0.3"), D("99.8"), D("99.833"), D("100.0")),
            (D("29.95"), D("0.00"), D("0.05")),
        ),
        # Sells raised 49.93 of the 50 wanted: buys scaled to 99.86 %, spend 49.9300.
        # 0.2 at 100.2 (20.04), then 29.89 / 100.4 = 0.2977.. more: 0.4977.. -> step 0.497.
        # 0.497 costs 20.04 + 0.297 x 100.4 = 49.8588 (avg 100.3195..), worst 100.4;
        # slippage 0.3195.. x 0.497 = 0.1588.
        (
            (None, Side.BUY, D("0.497"), D("100.4"), D("100.320"), D("100.0")),
            (D("49.86"), D("0.00"), D("0.16")),
        ),
    ]
    assert [o.seq for o in plan.orders] == [1, 2, 3]
    assert plan.notes == (
        "buys scaled to 99.9%: sells raised 49.93 USD of the 50.00 USD wanted "
        "(see skipped: unfunded)",
    )
    # The 0.07 USD not spent is rounding to the step, not a skipped piece.
    assert plan.skipped == ()
    assert plan.totals.sells_usd == D("49.93") and plan.totals.buys_usd == D("49.86")
    assert plan.reference_mids == {"kraken:BTC/USDT": D("100.0"), "kraken:ETH/USDT": D("100.0")}
    rows = {r.group: r for r in plan.groups}
    # Post-plan at the allocation's prices: BTC 0.5 x 100, ETH 0.997 x 100, USDT 50.0712.
    assert rows["BTC"].post_usd == D("50.00") and rows["ETH"].post_usd == D("99.70")
    assert rows["Stablecoins"].post_usd == D("50.07")
    assert plan.totals.net_cash_flow_usd == D("0.07")


def test_walk_and_spend_take_depth_left_by_earlier_orders() -> None:
    levels = (BookLevel(price=D("10"), qty=D("2")), BookLevel(price=D("11"), qty=D("3")))
    # 2 already taken: the first level is exactly used up, the walk starts on the second.
    fill = walk(levels, D("1"), used=D("2"))
    assert (fill.qty, fill.cost, fill.worst) == (D("1"), D("11"), D("11"))
    # 3 taken: the first level and 1 of the second; only 2 are left in the book.
    fill = walk(levels, D("5"), used=D("3"))
    assert (fill.qty, fill.cost, fill.worst) == (D("2"), D("22"), D("11"))
    # Exactly the first level's size: no cost from the second level.
    fill = walk(levels, D("2"))
    assert (fill.qty, fill.cost, fill.worst) == (D("2"), D("20"), D("10"))
    # 20 buys the first level, 5.5 more buys half a unit at 11.
    assert qty_for_spend(levels, D("25.5")) == D("2.5")
    assert qty_for_spend(levels, D("11"), used=D("2")) == D("1")
    assert qty_for_spend(levels, D("100"), used=D("5")) == D("0")


def test_index_trades_only_on_verified_uncrossed_books_and_routes_through_a_bridge() -> None:
    xmr_btc, btc_usdt, btc_usd = _inst("XMR", "BTC"), _inst("BTC"), _inst("BTC", "USD")
    eth, sol, ada = _inst("ETH"), _inst("SOL"), _inst("ADA", venue="bitget")
    books = [
        _book(xmr_btc, bids=[("0.0030", "9")], asks=[("0.0031", "9")]),
        _book(btc_usdt, bids=[("99", "1")], asks=[("101", "1")]),
        _book(btc_usd, bids=[("97", "1")], asks=[("101", "1")]),
        _book(eth, bids=[("10", "1")], asks=[("11", "1")], integrity=BookIntegrity.UNVERIFIED),
        _book(sol, bids=[("12", "1")], asks=[("11", "1")]),  # crossed
        _book(ada, bids=[], asks=[("1", "1")]),  # one side empty: no mid
    ]
    index = MarketIndex(
        [xmr_btc, btc_usdt, btc_usd, eth, sol, ada],
        books,
        cash_assets=("USDT", "USD"),
        route_via=("BTC", "ETH"),
        fees={"kraken": D("0.002")},
    )
    assert index.venues == ["bitget", "kraken"]
    assert not index.trades("kraken", "ETH") and not index.trades("kraken", "SOL")
    assert not index.trades("bitget", "ADA") and index.listed.keys() == {"XMR", "BTC"}
    direct = index.routes("kraken", "BTC")
    assert [(r.cash, [m.instrument.symbol for m in r.legs]) for r in direct] == [
        ("USDT", ["BTC/USDT"]),
        ("USD", ["BTC/USD"]),
    ]
    assert direct[0].legs[0].mid == D("100") and direct[0].legs[0].fee == D("0.002")
    bridged = index.routes("kraken", "XMR")
    assert [(r.cash, [m.instrument.symbol for m in r.legs]) for r in bridged] == [
        ("USDT", ["XMR/BTC", "BTC/USDT"]),
        ("USD", ["XMR/BTC", "BTC/USD"]),
    ]
    # USD rates come from a book against USD first, then against a cash currency.
    assert index.usd_rate("BTC", {}) == D("99")
    assert index.usd_rate("XMR", {}) is None  # only a bridge market: the planner's price rules


def test_read_only_venue_and_do_not_sell_become_skips_not_orders() -> None:
    holdings = [
        _holding("BTC", "1", "100", "BTC", "kraken:spot"),
        _holding("BTC", "1", "100", "BTC", "bittrex:spot"),
        _holding("ETH", "1", "100", "ETH", "kraken:spot"),
    ]
    locations = [
        Location(id="kraken:spot", venue="kraken"),
        Location(id="bittrex:spot", venue="bittrex"),
    ]
    weights = {g: D(0) for g in GROUPS} | {"BTC": D(25), "Stablecoins": D(75)}
    targets = resolve_targets(weights, min_trade_usd=D(5))
    btc, eth, btc_rx = _inst("BTC"), _inst("ETH"), _inst("BTC", venue="bittrex")
    books = [
        _book(btc, bids=[("99.9", "5")], asks=[("100.1", "5")]),
        _book(eth, bids=[("99.9", "5")], asks=[("100.1", "5")]),
        _book(btc_rx, bids=[("99.9", "5")], asks=[("100.1", "5")]),
    ]
    policy = PlanPolicy(read_only_venues=("bittrex",), do_not_sell=("ETH",))
    plan = build_plan(
        holdings, locations, targets, [btc, eth, btc_rx], books, as_of=NOW, policy=policy
    )
    # BTC: $300 total, target $75, sell $125 = 1.25 BTC; kraken sells its 1, bittrex is hinted.
    sells = [(o.location_id, o.venue, o.qty) for o in plan.orders]
    assert sells == [("kraken:spot", "kraken", D("1"))]
    assert [(t.from_location, t.to_venue, t.qty) for t in plan.transfers] == [
        ("bittrex:spot", "kraken", D("0.25"))
    ]
    reasons = {(s.asset, s.reason) for s in plan.skipped}
    assert reasons == {("BTC", SkipReason.NEEDS_TRANSFER), ("ETH", SkipReason.DO_NOT_SELL)}


def test_each_holding_is_valued_at_its_own_price() -> None:
    # One asset in two worlds: 1 BTC on a simulated venue at the sim's 40, 1 BTC in a real
    # import at 100. The plan values them as the pane does (140), never both at one price.
    from core.config import TargetsConfig
    from core.plan.allocate import allocate
    from core.plan.targets import Targets

    holdings = [
        _holding("BTC", "1", "40", "BTC", "sim-a:spot"),
        _holding("BTC", "1", "100", "BTC", "kraken:earn"),
        _holding("USDT", "60", "1", "Stablecoins", "sim-a:spot"),
    ]
    alloc = allocate(
        holdings, Targets.from_config(TargetsConfig()), group_of=None, cash_assets=["USDT"]
    )
    assert alloc.assets["BTC"].value == D(140)
    assert sum(s.value for s in alloc.assets.values()) == D(200)
