"""The simulated market: determinism, universe, book shape, regimes, correlation, demo portfolio."""

from __future__ import annotations

import statistics
from decimal import Decimal

import numpy as np
import pytest

from core.config import GROUPS, SimConfig
from core.models import Custody
from core.sim import prices as prices_module
from core.sim.demo import DEMO_ALLOCATION, demo_balances
from core.sim.prices import REGIME_SPREAD, Regime
from core.sim.universe import UNIVERSE
from core.sim.venue import SimWallet
from core.sim.world import SimWorld

VENUES = ["sim-a", "sim-b"]


def make_world(seed: int = 7) -> SimWorld:
    config = SimConfig(seed=seed, history_days=60)
    return SimWorld(config, list(VENUES))


def fingerprint(world: SimWorld) -> tuple[object, ...]:
    """Everything a seed must determine: prices, every book level, every print (not wall times)."""
    books = tuple(
        (venue, symbol, tuple(sorted(m.book.bids.items())), tuple(sorted(m.book.asks.items())))
        for venue in VENUES
        for symbol, m in sorted(world.markets(venue).items())
    )
    trades = tuple(
        (t.venue, t.symbol, t.price, t.qty, t.side, t.trade_id)
        for venue in VENUES
        for t in world.drain(venue)[1]
    )
    return (tuple(world.process.prices.tolist()), world.history.tobytes(), books, trades)


def test_same_seed_same_market_after_steps() -> None:
    a, b = make_world(seed=11), make_world(seed=11)
    for _ in range(40):
        a.step()
        b.step()
    fa, fb = fingerprint(a), fingerprint(b)
    assert fa == fb
    assert fa[3], "40 steps of a liquid market print at least one trade"


def test_different_seed_differs() -> None:
    a, b = make_world(seed=11), make_world(seed=12)
    for _ in range(10):
        a.step()
        b.step()
    fa, fb = fingerprint(a), fingerprint(b)
    assert not np.allclose(a.history, b.history)
    assert fa[2] != fb[2]


def test_universe_has_twenty_assets_across_groups() -> None:
    world = make_world()
    symbols = [a.symbol for a in world.assets]
    assert len(set(symbols)) == len(symbols) >= 20
    groups = {a.group for a in world.assets}
    assert groups <= set(GROUPS)
    assert len(groups) == len(GROUPS), f"missing groups: {set(GROUPS) - groups}"
    for venue in VENUES:
        assert len(world.markets(venue)) >= 20


def test_padding_beyond_the_universe_adds_synthetic_assets() -> None:
    world = SimWorld(SimConfig(assets=40, history_days=30), list(VENUES))
    assert len(world.assets) == 41  # 40 plus USDT, the quote of sim-a
    assert sum(a.symbol.startswith("SIM") for a in world.assets) == 40 - len(UNIVERSE)


def test_books_never_cross_and_levels_move() -> None:
    world = make_world()
    previous = {
        (v, s): (set(m.book.bids), set(m.book.asks), m.book.best_bid())
        for v in VENUES
        for s, m in world.markets(v).items()
    }
    appeared = vanished = touch_moved = 0
    for _ in range(30):
        world.step()
        for venue in VENUES:
            for symbol, market in world.markets(venue).items():
                book = market.book
                bid, ask = book.best_bid(), book.best_ask()
                assert bid is not None and ask is not None, f"{venue}:{symbol} one-sided"
                assert bid < ask, f"{venue}:{symbol} crossed after step {world.steps}"
                snap = market.book.snapshot(10, market.instrument.qty_step)
                assert not snap.is_crossed
                assert [lv.price for lv in snap.bids] == sorted(
                    (lv.price for lv in snap.bids), reverse=True
                )
                assert [lv.price for lv in snap.asks] == sorted(lv.price for lv in snap.asks)
                bids, asks = set(book.bids), set(book.asks)
                old_bids, old_asks, old_bid = previous[(venue, symbol)]
                appeared += len(bids - old_bids) + len(asks - old_asks)
                vanished += len(old_bids - bids) + len(old_asks - asks)
                touch_moved += bid != old_bid
                previous[(venue, symbol)] = (bids, asks, bid)
    markets = sum(len(world.markets(v)) for v in VENUES)
    # Every market's book changes shape: levels come and go and the touch moves, many times.
    assert appeared > markets * 30
    assert vanished > markets * 30
    assert touch_moved > markets * 10


def _median_spread_bps(world: SimWorld, steps: int) -> float:
    spreads = []
    for _ in range(steps):
        world.step()
        book = world.markets("sim-a")["BTC/USDT"].book
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is not None and ask is not None
        spreads.append((ask - bid) / ((ask + bid) / 2) * 10_000)
    return statistics.median(spreads)


def test_spread_widens_in_stress(monkeypatch: pytest.MonkeyPatch) -> None:
    # Freeze the regime chain so each world stays in the regime it is forced into.
    monkeypatch.setattr(prices_module, "_TRANSITIONS_PER_DAY", np.zeros((3, 3)))
    calm, stress = make_world(seed=3), make_world(seed=3)
    calm.process.regime = Regime.CALM
    stress.process.regime = Regime.STRESS
    calm_bps = _median_spread_bps(calm, 40)
    stress_bps = _median_spread_bps(stress, 40)
    assert calm.regime is Regime.CALM and stress.regime is Regime.STRESS
    expected = REGIME_SPREAD[Regime.STRESS] / REGIME_SPREAD[Regime.CALM]
    assert stress_bps / calm_bps == pytest.approx(expected, rel=0.15)
    # The configured half-spread of sim-a is 1 bp: the calm full spread is near 2 × 0.8 bp.
    assert calm_bps == pytest.approx(2 * 1.0 * REGIME_SPREAD[Regime.CALM], rel=0.25)


def test_daily_returns_are_positively_correlated() -> None:
    world = SimWorld(SimConfig(seed=5, history_days=400), list(VENUES))
    risky = [j for j, a in enumerate(world.assets) if not a.stable]
    returns = np.diff(np.log(world.history[:, risky]), axis=0)
    corr = np.corrcoef(returns, rowvar=False)
    off = corr[~np.eye(len(risky), dtype=bool)]
    assert off.min() > 0.0
    assert off.mean() > 0.3
    # Each asset has roughly its configured daily volatility (jumps add a little).
    vols = returns.std(axis=0)
    targets = np.array([world.assets[j].daily_vol for j in risky])
    assert np.all(vols > 0.6 * targets) and np.all(vols < 2.0 * targets)


def test_stablecoins_stay_near_one() -> None:
    world = SimWorld(SimConfig(seed=9, history_days=400), list(VENUES))
    stable = [j for j, a in enumerate(world.assets) if a.stable]
    assert {world.assets[j].symbol for j in stable} == {"USDC", "DAI", "USDT"}
    assert np.abs(world.history[:, stable] - 1.0).max() < 0.01
    for _ in range(100):
        world.step()
        assert np.abs(world.process.prices[stable] - 1.0).max() < 0.01
    book = world.markets("sim-b")["USDC/USD"].book
    bid, ask = book.best_bid(), book.best_ask()
    assert bid is not None and ask is not None
    assert abs(float(book.to_decimal(bid)) - 1.0) < 0.01
    assert abs(float(book.to_decimal(ask)) - 1.0) < 0.01


async def test_demo_portfolio_spread_over_venues_and_cold_wallet() -> None:
    world = make_world()
    per_venue, wallet = demo_balances(world, list(VENUES))
    assert per_venue["sim-a"] and per_venue["sim-b"] and wallet
    for column, balances in enumerate([per_venue["sim-a"], per_venue["sim-b"], wallet]):
        expected = sum(cols[column] for cols in DEMO_ALLOCATION.values())
        value = sum(
            (qty * Decimal(repr(world.usd_price(a) or 0)) for a, qty in balances.items()),
            Decimal(0),
        )
        # Quantities are rounded to each asset's step: a few dollars at most.
        assert abs(value - expected) < 10, (column, value, expected)
        assert set(balances) == {a for a, cols in DEMO_ALLOCATION.items() if cols[column]}
    steps = {a.symbol: a.qty_step for a in world.assets}
    for balances in (*per_venue.values(), wallet):
        for asset, qty in balances.items():
            assert qty > 0
            assert qty % steps.get(asset, Decimal("0.01")) == 0

    cold = SimWallet("ledger", wallet)
    (location,) = cold.locations()
    assert location.custody is Custody.COLD and not location.tradable
    rows = await cold.fetch_balances()
    assert {b.asset: b.total for b in rows} == wallet
    assert all(b.location_id == location.id and b.free == b.total for b in rows)

    again, again_wallet = demo_balances(make_world(), list(VENUES))
    assert again == per_venue and again_wallet == wallet
