"""Benchmarks for the rebalancing plan and the optimisers, with peers measured in the same run.

Run from the project root:  python bench/plan.py [--quick]

1. The plan for 1,000 assets spread over 10 locations (target: < 100 ms).
2. Each optimiser at 100 and 500 assets on one Ledoit-Wolf covariance, against
   PyPortfolioOpt (min variance, max Sharpe, HRP) and skfolio (equal risk contribution),
   both fed the *same* covariance: time per solve, the ratio ours/peer, and the largest
   weight difference (target: no slower than the peer, weights equal to 1e-4).

Data are synthetic and seeded (a 6-factor model of daily returns, 365 days), so every run
measures the same problems.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
)
from core.plan.build import build_plan
from core.plan.covariance import ledoit_wolf, mean_returns
from core.plan.optimiser import (
    equal_risk_contribution,
    hrp,
    max_sharpe,
    min_variance,
)
from core.plan.targets import resolve_targets

NOW = datetime(2025, 8, 31, tzinfo=UTC)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time in ms over ``repeat`` runs (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def interleaved(
    ours: Callable[[], Any], peer: Callable[[], Any], repeat: int
) -> tuple[float, Any, float, Any]:
    """Median ms of each, run alternately so machine load hits both alike (after warm-up)."""
    w_ours, w_peer = ours(), peer()
    t_ours, t_peer = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        w_ours = ours()
        t_ours.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        w_peer = peer()
        t_peer.append((time.perf_counter() - start) * 1000)
    return statistics.median(t_ours), w_ours, statistics.median(t_peer), w_peer


# --------------------------------------------------------------------------- plan


def plan_inputs(n_assets: int, n_locations: int) -> dict[str, Any]:
    rng = np.random.default_rng(11)
    venues = [f"venue{i}" for i in range(n_locations)]
    locations = [Location(id=f"{v}:spot", venue=v) for v in venues]
    holdings, instruments, books = [], [], []
    for i in range(n_assets):
        asset = f"C{i:04d}"
        price = Decimal(str(round(float(10 ** rng.uniform(-3, 4)), 6)))
        group = GROUPS[i % len(GROUPS)] if GROUPS[i % len(GROUPS)] != "Stablecoins" else "Others"
        venue = venues[i % n_locations]
        qty = (Decimal(str(round(float(rng.uniform(200, 5000)), 2))) / price).quantize(
            Decimal("0.000001")
        )
        holdings.append(
            Holding(
                asset=asset,
                location_id=f"{venue}:spot",
                qty=qty,
                group=group,
                price=Price(asset=asset, value=price, source=PriceSource.BOOK_MID),
            )
        )
        tick = Decimal(1).scaleb(int(np.floor(np.log10(float(price)))) - 5)
        step = Decimal(1).scaleb(-int(np.floor(np.log10(float(price)))) - 2)
        inst = Instrument(
            venue=venue,
            symbol=f"{asset}/USDT",
            base=asset,
            quote="USDT",
            price_tick=tick,
            qty_step=step,
            min_notional=Decimal(5),
        )
        instruments.append(inst)
        bids = tuple(
            BookLevel(
                price=inst.round_price(price * (1 - Decimal(k + 1) / 2000)),
                qty=inst.round_qty(Decimal(20000) / price),
            )
            for k in range(10)
        )
        asks = tuple(
            BookLevel(
                price=inst.round_price(price * (1 + Decimal(k + 1) / 2000)),
                qty=inst.round_qty(Decimal(20000) / price),
            )
            for k in range(10)
        )
        books.append(
            BookSnapshot(
                venue=venue,
                symbol=inst.symbol,
                bids=bids,
                asks=asks,
                ts=NOW,
                integrity=BookIntegrity.VERIFIED,
            )
        )
    for v in venues:
        holdings.append(
            Holding(
                asset="USDT",
                location_id=f"{v}:spot",
                qty=Decimal(30000),
                group="Stablecoins",
                price=Price(asset="USDT", value=Decimal(1), source=PriceSource.BOOK_MID),
            )
        )
    weights = {g: Decimal(9) for g in GROUPS}
    weights["Others"] = Decimal(10)
    return dict(
        holdings=holdings,
        locations=locations,
        targets=resolve_targets(weights),
        instruments=instruments,
        books=books,
    )


def bench_plan(quick: bool) -> None:
    inputs = plan_inputs(1000, 10)
    ms, plan = timed(lambda: build_plan(as_of=NOW, **inputs), 3 if quick else 9)
    cpu = []
    for _ in range(3 if quick else 9):
        start = time.process_time()
        build_plan(as_of=NOW, **inputs)
        cpu.append((time.process_time() - start) * 1000)
    print("plan: 1,000 assets over 10 locations (median; cpu = process time, load-independent)")
    print(
        f"  build_plan        {ms:8.1f} ms wall {statistics.median(cpu):6.1f} ms cpu  "
        "(target < 100 ms)   "
        f"orders={len(plan.orders)} skipped={len(plan.skipped)} "
        f"residual max={plan.totals.residual_drift_max_pp} pp"
    )


# --------------------------------------------------------------------------- optimisers


def synthetic_returns(n_assets: int, days: int = 365, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factors = rng.normal(0, 0.02, size=(days, 6))
    loadings = rng.normal(0.6, 0.4, size=(6, n_assets))
    idio = rng.normal(0, 1, size=(days, n_assets)) * rng.uniform(0.01, 0.05, size=n_assets)
    drift = rng.normal(0.0008, 0.0015, size=n_assets)
    return np.asarray(factors @ loadings + idio + drift)


def peers(cov: np.ndarray, mu: np.ndarray, returns: np.ndarray, upper: float) -> dict[str, Any]:
    import pandas as pd
    from pypfopt import EfficientFrontier, HRPOpt
    from skfolio.moments import BaseCovariance
    from skfolio.optimization import RiskBudgeting
    from skfolio.prior import EmpiricalPrior

    tickers = [f"A{i}" for i in range(cov.shape[0])]
    cov_df = pd.DataFrame(cov, index=tickers, columns=tickers)
    mu_s = pd.Series(mu, index=tickers)

    class FixedCovariance(BaseCovariance):  # type: ignore[misc]
        def __init__(self, matrix: np.ndarray | None = None) -> None:
            super().__init__()
            self.matrix = matrix

        def fit(self, X: Any, y: Any = None, **_: Any) -> FixedCovariance:
            self._set_covariance(self.matrix)
            return self

    def vec(weights: Any) -> np.ndarray:
        return np.array([weights[t] for t in tickers])

    def pypfopt_minvar() -> np.ndarray:
        return vec(
            EfficientFrontier(
                None, cov_df, weight_bounds=(0, upper), solver="CLARABEL"
            ).min_volatility()
        )

    def pypfopt_sharpe() -> np.ndarray:
        ef = EfficientFrontier(mu_s, cov_df, weight_bounds=(0, upper), solver="CLARABEL")
        return vec(ef.max_sharpe(risk_free_rate=0.0))

    def pypfopt_hrp() -> np.ndarray:
        return vec(HRPOpt(cov_matrix=cov_df).optimize())

    def skfolio_erc() -> np.ndarray:
        model = RiskBudgeting(
            prior_estimator=EmpiricalPrior(covariance_estimator=FixedCovariance(cov))
        )
        model.fit(returns)
        return np.asarray(model.weights_)

    return {
        "min_variance": pypfopt_minvar,
        "max_sharpe": pypfopt_sharpe,
        "erc": skfolio_erc,
        "hrp": pypfopt_hrp,
    }


def compare(n: int, repeat: int) -> None:
    """Time and compare every optimiser at ``n`` assets, ours against its peer."""
    from core.plan.optimiser import Constraints

    returns = synthetic_returns(n)
    cov = ledoit_wolf(returns, periods=365).covariance
    mu = mean_returns(returns)
    upper = max(0.05, 2.0 / n)
    bounds = Constraints(upper=upper)
    ours = {
        "min_variance": lambda: min_variance(cov, bounds),
        "max_sharpe": lambda: max_sharpe(mu, cov, 0.0, bounds),
        "erc": lambda: equal_risk_contribution(cov),
        "hrp": lambda: hrp(cov),
    }
    theirs = peers(cov, mu, returns, upper)
    names = {"erc": "skfolio"}
    for method, run in ours.items():
        t_ours, w_ours, t_peer, w_peer = interleaved(run, theirs[method], repeat)
        diff = float(np.max(np.abs(w_ours - w_peer)))
        print(
            f"  {method:<13}{n:>5}{t_ours:>10.1f}{t_peer:>10.1f}"
            f"{t_ours / t_peer:>8.2f}{diff:>11.2e}  {names.get(method, 'PyPortfolioOpt')}"
        )


def bench_optimisers(quick: bool) -> None:
    print("optimisers: ours vs peer on the same Ledoit-Wolf covariance (median ms)")
    print(f"  {'method':<13}{'n':>5}{'ours':>10}{'peer':>10}{'ratio':>8}{'max |dw|':>11}  peer")
    for n in (100, 500):
        compare(n, 1 if quick else (5 if n == 500 else 7))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", choices=("plan", "optimisers"), default=None)
    args = parser.parse_args()
    if args.only in (None, "plan"):
        bench_plan(args.quick)
    if args.only in (None, "optimisers"):
        bench_optimisers(args.quick)


if __name__ == "__main__":
    main()
