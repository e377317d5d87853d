"""Property tests: the plan's invariants hold on generated portfolios, venues and targets."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.config import GROUPS
from core.models import (
    BookSnapshot,
    Custody,
    Holding,
    Instrument,
    Location,
    Price,
    PriceSource,
    SubAccount,
)
from core.plan.build import build_plan
from core.plan.models import PlanPolicy
from core.plan.spec import BandSpec
from core.plan.targets import Targets, resolve_targets
from tests.plan.invariants import check_plan
from tests.plan.synth import NOW, markets

VENUES = ("alpha", "beta", "gamma")
LOCATIONS = [Location(id=f"{v}:spot", venue=v) for v in VENUES] + [
    Location(
        id="cold", venue="cold", custody=Custody.COLD, sub_account=SubAccount.WALLET, tradable=False
    )
]


class Case:
    """One generated scenario, with a short repr for hypothesis' failure reports."""

    def __init__(
        self,
        holdings: list[Holding],
        targets: Targets,
        instruments: list[Instrument],
        books: list[BookSnapshot],
    ) -> None:
        self.holdings, self.targets = holdings, targets
        self.instruments, self.books = instruments, books

    def __iter__(self) -> Iterator[Any]:
        return iter((self.holdings, self.targets, self.instruments, self.books))

    def __repr__(self) -> str:  # hypothesis prints this on failure: keep it short
        held = ", ".join(
            f"{h.asset}@{h.location_id}={h.value:.0f}({h.group})" for h in self.holdings
        )
        wanted = {g: str(v) for g, v in self.targets.groups.items() if v}
        return f"Case(holdings=[{held}], targets={wanted}, band={self.targets.band_pp('BTC')})"


@st.composite
def portfolios(draw: st.DrawFn, *, cold: bool) -> Case:
    n = draw(st.integers(min_value=2, max_value=9))
    names = [f"A{i}" for i in range(n)]
    groups = [draw(st.sampled_from((*GROUPS[:6], "Others"))) for _ in names]
    groups[0], groups[1] = "BTC", "Others"
    prices = {
        a: Decimal(draw(st.sampled_from(["0.0123", "0.5", "3.21", "47", "880", "61000"])))
        for a in names
    }
    places = [loc.id for loc in LOCATIONS if cold or loc.id != "cold"]
    holdings = []
    for asset, group in zip(names, groups, strict=True):
        for loc in draw(st.lists(st.sampled_from(places), min_size=1, max_size=2, unique=True)):
            usd = Decimal(draw(st.integers(min_value=2_000, max_value=60_000)))
            holdings.append(
                Holding(
                    asset=asset,
                    location_id=loc,
                    qty=(usd / prices[asset]).quantize(Decimal("1e-6")),
                    price=Price(asset=asset, value=prices[asset], source=PriceSource.BOOK_MID),
                    group=group,
                )
            )
    for venue in VENUES:
        usd = Decimal(draw(st.integers(min_value=0, max_value=20_000)))
        holdings.append(
            Holding(
                asset="USDT",
                location_id=f"{venue}:spot",
                qty=usd,
                price=Price(asset="USDT", value=Decimal(1), source=PriceSource.BOOK_MID),
                group="Stablecoins",
            )
        )
    held = sorted(set(groups) | {"Stablecoins"})
    raw = [draw(st.integers(min_value=1, max_value=20)) for _ in held]
    pct = {g: Decimal(0) for g in GROUPS}
    for g, r in zip(held, raw, strict=True):
        pct[g] = (Decimal(r) * 100 / sum(raw)).quantize(Decimal("0.01"))
    pct[held[0]] += 100 - sum(pct.values())
    band = BandSpec(kind="absolute", value=Decimal(draw(st.sampled_from([1, 2, 5]))))
    targets = resolve_targets(pct, default_band=band)
    specs = [(v, a, "USDT") for v in VENUES for a in names]
    prices["USDT"] = Decimal(1)
    instruments, books = markets(specs, prices)
    return Case(holdings, targets, instruments, books)


FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(portfolios(cold=False), st.permutations(VENUES))
def test_fully_tradable_plans_reach_every_band(case: Case, order: list[str]) -> None:
    holdings, targets, instruments, books = case
    policy = PlanPolicy(venue_preference=tuple(order))
    plan = build_plan(holdings, LOCATIONS, targets, instruments, books, as_of=NOW, policy=policy)
    check_plan(plan, holdings, instruments, targets.min_trade_usd)
    assert all(row.in_band for row in plan.groups), plan.groups
    assert not plan.transfers
    # Sells come from locations in preference order: a later venue sells an asset only if
    # every earlier venue holding it sold all of it.
    for order_ in plan.orders:
        if order_.side.value == "sell" and order_.leg == 1:
            rank = order.index(order_.venue)
            for h in holdings:
                earlier = h.location_id.split(":")[0]
                if h.asset == order_.asset and earlier in order[:rank]:
                    sold = sum(
                        o.qty
                        for o in plan.orders
                        if o.asset == h.asset and o.location_id == h.location_id
                    )
                    assert h.qty - sold < Decimal(20) / h.price.value + h.qty / 1000


@FAST
@given(portfolios(cold=True))
def test_plans_with_cold_storage_keep_invariants(case: Case) -> None:
    holdings, targets, instruments, books = case
    plan = build_plan(holdings, LOCATIONS, targets, instruments, books, as_of=NOW)
    check_plan(plan, holdings, instruments, targets.min_trade_usd)
    assert all(t.from_location == "cold" for t in plan.transfers if t.asset != "USDT")
    assert not [o for o in plan.orders if o.location_id == "cold"]
    again = build_plan(holdings, LOCATIONS, targets, instruments, books, as_of=NOW)
    assert again == plan
