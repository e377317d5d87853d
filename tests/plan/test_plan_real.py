"""The planner on the real CoinTracking portfolio (183 holdings, 15 locations, $448,802)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from core.config import Settings
from core.models import BookIntegrity, Side
from core.plan.build import build_plan, build_plan_from
from core.plan.models import PlanInputs, PlanPolicy, SkipReason
from core.plan.targets import Targets
from tests.plan.invariants import check_plan
from tests.plan.real import load_portfolio, venues_for
from tests.plan.synth import NOW, market

POLICY = PlanPolicy(venue_preference=("kraken", "binance"), read_only_venues=("bittrex",))


def _inputs(shared: Path) -> PlanInputs:
    holdings, locations, prices = load_portfolio(shared)
    instruments, books = venues_for(holdings, prices, no_market=frozenset({"IMO", "AC2"}))
    return PlanInputs(
        holdings=tuple(holdings),
        locations=tuple(locations),
        targets=Targets.from_config(Settings().targets),
        instruments=tuple(instruments),
        books=tuple(books),
        policy=POLICY,
        as_of=NOW,
    )


def test_real_portfolio_plan(shared_data: Path) -> None:
    inputs = _inputs(shared_data)
    plan = build_plan_from(inputs)
    assert plan.total_usd == Decimal("448801.95")
    check_plan(plan, inputs.holdings, inputs.instruments, inputs.targets.min_trade_usd)
    rows = {r.group: r for r in plan.groups}
    assert rows["BTC"].current_pct > 42 and rows["L2/Scaling"].current_pct < 1
    assert all(r.in_band for r in plan.groups), [r for r in plan.groups if not r.in_band]
    assert plan.totals.residual_drift_max_pp < 2
    # Cold storage, earn, wallets and the read-only venue never sell: they get hints.
    tradable = {"kraken:spot", "binance:spot", "bitget:spot", "swissborg:spot"}
    assert {o.location_id for o in plan.orders if o.side is Side.SELL} <= tradable
    hinted = {t.from_location for t in plan.transfers}
    assert "bittrex:spot" in hinted and "binance:earn" in hinted
    assert {t.to_venue for t in plan.transfers} <= {"kraken", None}
    assert {t.asset for t in plan.transfers if t.to_venue is None} <= {"IMO", "AC2"}
    # BTC is cut on Kraken (preferred), not from the Ledger.
    btc = [o for o in plan.orders if o.asset == "BTC" and o.side is Side.SELL]
    assert btc and all(o.venue == "kraken" for o in btc)
    # XMR only trades against BTC: a two-leg route, both legs consecutive.
    xmr = [o for o in plan.orders if o.asset == "XMR"]
    assert [(o.symbol, o.leg) for o in xmr] == [("XMR/BTC", 1), ("BTC/USDT", 2)]
    # IMO trades nowhere: listed, never an order on a made-up market.
    imo = [s for s in plan.skipped if s.asset == "IMO"]
    assert imo and imo[0].reason is SkipReason.NO_MARKET
    # Costs come from walking the books.
    assert plan.totals.fees_usd > 0 and plan.totals.slippage_usd > 0
    assert abs(plan.totals.net_usd) < plan.totals.fees_usd


def test_same_inputs_same_plan_and_json_round_trip(shared_data: Path) -> None:
    inputs = _inputs(shared_data)
    first, second = build_plan_from(inputs), build_plan_from(inputs)
    assert first == second and first.id == second.id and first.id.startswith("plan-")
    restored = type(first).model_validate_json(first.model_dump_json())
    assert restored == first
    again = build_plan_from(PlanInputs.model_validate_json(inputs.model_dump_json()))
    assert again.id == first.id


def test_staleness_expiry_and_moved_prices(shared_data: Path) -> None:
    inputs = _inputs(shared_data)
    plan = build_plan_from(inputs)
    assert plan.expires_at == NOW + timedelta(minutes=30)
    assert not plan.staleness(inputs.books, NOW + timedelta(minutes=5)).stale
    expired = plan.staleness(inputs.books, NOW + timedelta(minutes=31))
    assert expired.stale and "expired" in expired.reasons[0]
    key = next(iter(plan.reference_mids))
    venue, symbol = key.split(":")
    base, quote = symbol.split("/")
    moved_mid = plan.reference_mids[key] * Decimal("1.02")
    _, moved = market(venue, base, quote, moved_mid)
    books = [b for b in inputs.books if (b.venue, b.symbol) != (venue, symbol)] + [moved]
    stale = plan.staleness(books, NOW)
    assert stale.stale and any(key in r and "moved" in r for r in stale.reasons)
    unverified = moved.model_copy(update={"integrity": BookIntegrity.STALE})
    books[-1] = unverified
    assert any("no verified book" in r for r in plan.staleness(books, NOW).reasons)


def test_do_not_sell_and_order_requests(shared_data: Path) -> None:
    inputs = _inputs(shared_data)
    policy = POLICY.model_copy(update={"do_not_sell": ("BTC",)})
    plan = build_plan(
        inputs.holdings,
        inputs.locations,
        inputs.targets,
        inputs.instruments,
        inputs.books,
        as_of=NOW,
        policy=policy,
    )
    assert not [o for o in plan.orders if o.asset == "BTC" and o.side is Side.SELL]
    kept = [s for s in plan.skipped if s.asset == "BTC" and s.reason is SkipReason.DO_NOT_SELL]
    assert kept and kept[0].usd > 30_000
    assert not {r.group: r for r in plan.groups}["BTC"].in_band
    request = plan.orders[0].to_request(plan.id)
    assert (
        request.client_order_id == f"{plan.id}-0001" and request.price == plan.orders[0].limit_price
    )


def test_hold_reason_gives_plan_without_orders(shared_data: Path) -> None:
    inputs = _inputs(shared_data).model_copy(update={"hold_reason": "all groups within band"})
    plan = build_plan_from(inputs)
    assert plan.orders == () and plan.notes == ("all groups within band",)
    assert all(r.post_pct == r.current_pct for r in plan.groups)
