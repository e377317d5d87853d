"""The portfolio service on narrow fakes (holdings sources, books, a clock, a change sink):
the merge's precedence, one price per asset for every source, the import badge data, real
balances beside paper accounts kept out of the total."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.config import PortfolioConfig
from core.models import (
    Balance,
    BookLevel,
    BookSnapshot,
    Custody,
    Holding,
    Location,
    Price,
    PriceSource,
    SubAccount,
)
from core.portfolio.live import LivePortfolio
from core.portfolio.service import PortfolioService
from core.portfolio.valuation import exact_sum, exact_value

NOW = datetime(2025, 9, 1, 12, tzinfo=UTC)
IMPORTED_AT = NOW - timedelta(days=6)
D = Decimal
SPOT = Location(id="kraken:spot", venue="kraken")
COLD = Location(
    id="ledger:cold",
    venue="ledger",
    sub_account=SubAccount.WALLET,
    custody=Custody.COLD,
    tradable=False,
)


def imported(asset: str, where: str, qty: str, price: str) -> Holding:
    return Holding(
        asset=asset,
        location_id=where,
        qty=D(qty),
        price=Price(asset=asset, value=D(price), source=PriceSource.IMPORT, ts=IMPORTED_AT),
        group=asset,
        source="cointracking",
        as_of=IMPORTED_AT,
    )


def balance(asset: str, qty: str, source: str = "kraken") -> Balance:
    return Balance(
        location_id="kraken:spot", asset=asset, total=D(qty), free=D(qty), ts=NOW, source=source
    )


class Sources:
    def __init__(self) -> None:
        self.shown = [balance("BTC", "0.5")]
        self.real = [balance("BTC", "0.75")]

    def balances(self) -> Iterable[Balance]:
        return self.shown

    def real_balances(self) -> Iterable[Balance]:
        return self.real

    def locations(self) -> Mapping[str, Location]:
        return {SPOT.id: SPOT}

    def live_locations(self) -> Iterable[str]:
        return [SPOT.id]


class Books:
    def books(self) -> list[BookSnapshot]:
        return [
            BookSnapshot(
                venue="kraken",
                symbol="BTC/USD",
                bids=(BookLevel(price=D("100000"), qty=D(1)),),
                asks=(BookLevel(price=D("100002"), qty=D(1)),),
                ts=NOW,
            )
        ]


def service() -> tuple[PortfolioService, list[int]]:
    changes: list[int] = []
    svc = PortfolioService(
        LivePortfolio(PortfolioConfig(), lambda asset: asset),
        Sources(),
        Books(),
        changed=lambda: changes.append(1),
        clock=lambda: NOW,
    )
    svc.portfolio.set_sources(
        [
            imported("BTC", "kraken:spot", "9", "90000"),  # replaced: kraken answers now
            imported("BTC", "ledger:cold", "1", "90000"),  # kept, with its source and as-of
            imported("DOGE", "ledger:cold", "1000", "0.2"),  # priced by the import only
        ],
        [],
        [COLD],
    )
    return svc, changes


def test_merge_precedence_one_price_per_asset_and_the_import_badge() -> None:
    svc, changes = service()
    view = svc.revalue()
    assert changes == [1]
    rows = {(r.asset, r.location_id): r for r in view.rows}
    assert set(rows) == {("BTC", "kraken:spot"), ("BTC", "ledger:cold"), ("DOGE", "ledger:cold")}
    # The venue's balance replaced the import's at kraken:spot.
    assert (
        rows[("BTC", "kraken:spot")].qty == D("0.5") and not rows[("BTC", "kraken:spot")].imported
    )
    # One price for BTC wherever it sits: the live mid, the imported cold wallet included.
    mid = D("100001")
    assert {rows[k].price.value for k in rows if k[0] == "BTC"} == {mid}
    cold = rows[("BTC", "ledger:cold")]
    assert cold.imported and cold.as_of == IMPORTED_AT and cold.custody == "cold"
    assert not cold.tradable and cold.value == mid
    # Nothing else prices DOGE: the import's price, flagged stale with its age.
    doge = rows[("DOGE", "ledger:cold")]
    assert doge.price.source is PriceSource.IMPORT and doge.price.stale and doge.value == D(200)
    assert view.total == exact_sum(exact_value(h) for h in svc.holdings) == D("150201.5")
    sources = {s.source: s for s in view.sources}
    assert sources["cointracking"].imported and sources["cointracking"].as_of == IMPORTED_AT
    assert sources["cointracking"].value == mid + 200 and sources["kraken"].value == mid / 2
    # The real balance behind a paper account: valued alike, listed apart, not in the total.
    (real,) = view.real
    assert real.source == "kraken" and real.value == D("0.75") * mid
