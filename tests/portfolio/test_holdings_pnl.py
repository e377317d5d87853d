"""The cost-basis rule of the live holdings: which fills cover which holding, partial P&L."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.config import PortfolioConfig
from core.models import (
    Balance,
    BookLevel,
    BookSnapshot,
    Custody,
    Fill,
    Holding,
    Liquidity,
    Location,
    Price,
    PriceSource,
    Side,
    SubAccount,
)
from core.portfolio.live import LivePortfolio, holdings_pnl, holdings_view, venue_bases

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
D = Decimal
SPOT = Location(id="sim-a:spot", venue="sim-a")
EARN = Location(id="sim-a:earn", venue="sim-a", sub_account=SubAccount.EARN)
COLD = Location(
    id="ledger:cold", venue="ledger", sub_account=SubAccount.WALLET, custody=Custody.COLD
)
LOCATIONS = {loc.id: loc for loc in (SPOT, EARN, COLD)}


def fill(n: int, side: Side, qty: str, price: str, *, paper: bool = False, fee: str = "0") -> Fill:
    return Fill(
        client_order_id=f"o{n}",
        venue="sim-a",
        symbol="BTC/USDT",
        side=side,
        qty=D(qty),
        price=D(price),
        fee=D(fee),
        fee_asset="USDT",
        liquidity=Liquidity.TAKER,
        ts=NOW - timedelta(hours=10 - n),
        trade_id=f"paper-sim-a-f{n}" if paper else f"t{n}",
    )


def price(asset: str, value: str) -> Price:
    return Price(asset=asset, value=D(value), source=PriceSource.BOOK_MID, ts=NOW)


def holding(qty: str, location: Location = SPOT, value: str = "50000") -> Holding:
    return Holding(
        asset="BTC", location_id=location.id, qty=D(qty), price=price("BTC", value), group="BTC"
    )


USDT = {"USDT": price("USDT", "0.998")}


def test_paper_fills_cover_paper_accounts_only() -> None:
    fills = [fill(1, Side.BUY, "1", "40000"), fill(2, Side.BUY, "1", "30000", paper=True)]
    real = venue_bases(fills)["sim-a"][("BTC", "USDT")]
    assert real.qty == 1 and real.cost == 40000
    paper = venue_bases(fills, paper_venues=["sim-a"])["sim-a"][("BTC", "USDT")]
    assert paper.qty == 1 and paper.cost == 30000


def test_basis_covers_the_spot_location_of_its_venue_only() -> None:
    bases = venue_bases([fill(1, Side.BUY, "2", "40000", fee="80")])
    held = [holding("2"), holding("1", EARN), holding("1", COLD)]
    pnl = holdings_pnl(held, LOCATIONS, bases, USDT.__getitem__)
    assert set(pnl) == {("BTC", "sim-a:spot")}
    spot = pnl[("BTC", "sim-a:spot")]
    avg = (D(80000) + D(80)) * D("0.998") / 2
    assert spot.complete and spot.qty == 2
    assert spot.avg_cost_usd == avg and spot.pnl_usd == 2 * (D(50000) - avg)


def test_partial_cover_gives_pnl_on_the_covered_qty_marked_partial() -> None:
    bases = venue_bases([fill(1, Side.BUY, "1", "40000"), fill(2, Side.SELL, "0.5", "45000")])
    pnl = holdings_pnl([holding("3")], LOCATIONS, bases, USDT.__getitem__)[("BTC", "sim-a:spot")]
    avg = D(40000) * D("0.998")
    assert pnl.qty == D("0.5") and not pnl.complete
    assert pnl.pnl_usd == D("0.5") * (D(50000) - avg)
    # fewer held than the fills bought (a withdrawal): the whole holding is covered
    small = holdings_pnl([holding("0.2")], LOCATIONS, bases, USDT.__getitem__)
    assert small[("BTC", "sim-a:spot")].qty == D("0.2") and small[("BTC", "sim-a:spot")].complete


def test_view_rows_carry_the_pnl_and_the_live_portfolio_updates_on_fills() -> None:
    bases = venue_bases([fill(1, Side.BUY, "1", "40000")])
    held = [holding("1"), holding("1", COLD)]
    pnl = holdings_pnl(held, LOCATIONS, bases, USDT.__getitem__)
    view = holdings_view(held, LOCATIONS, NOW, pnl=pnl)
    rows = {r.location_id: r for r in view.rows}
    assert rows["sim-a:spot"].unrealised_pnl == D(50000) - D(40000) * D("0.998")
    assert rows["sim-a:spot"].cost_basis == D(40000) * D("0.998")
    assert rows["ledger:cold"].unrealised_pnl is None and rows["ledger:cold"].cost_basis is None

    live = LivePortfolio(PortfolioConfig(), lambda asset: "BTC")
    books = [
        BookSnapshot(
            venue="sim-a",
            symbol=symbol,
            bids=(BookLevel(price=D(bid), qty=D(1)),),
            asks=(BookLevel(price=D(ask), qty=D(1)),),
            ts=NOW,
        )
        for symbol, bid, ask in (("BTC/USD", "49990", "50010"), ("USDT/USD", "0.997", "0.999"))
    ]
    balances = [
        Balance(
            location_id="sim-a:spot", asset="BTC", free=D(1), total=D(1), source="sim-a", ts=NOW
        )
    ]
    first = live.revalue(balances, books, LOCATIONS, NOW)
    assert first.rows[0].unrealised_pnl is None
    live.on_fill(fill(1, Side.BUY, "1", "40000"))
    live.on_fill(fill(1, Side.BUY, "1", "40000"))  # a repeated fill counts once
    row = live.revalue(balances, books, LOCATIONS, NOW).rows[0]
    assert row.cost_basis == D(40000) * D("0.998")
    assert row.unrealised_pnl == D(50000) - D(40000) * D("0.998")
