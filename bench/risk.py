"""Benchmark: the full risk report for 1,000 assets x 1,460 days, against empyrical + pandas.

    /work/venv/bin/python bench/risk.py [--assets 1000] [--days 1460] [--repeat 5]

Both sides start from the same in-memory closes (a seeded one-factor market with fat tails)
and compute the same figures: returns; portfolio volatility, CAGR, Sharpe, Sortino, Calmar,
max drawdown, historical/Gaussian/Cornish-Fisher VaR and CVaR, beta; per-asset volatility,
CAGR, Sharpe, max drawdown and beta; correlation matrix; PCA explained variance; diversification
ratio; effective assets; risk contribution per asset and group; the stress scenarios. The peer
is empyrical-reloaded for what it has, pandas for correlation/covariance and numpy/scipy for
the rest, called the way a user would. Both eigen-decompositions run on one BLAS thread (see
``core.risk.metrics.pca_explained_variance_ratio``), so the ratio is not that trick. Prints the
best and median wall time of each, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import empyrical as ep
import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.config import GROUPS
from core.risk import DAY, PriceHistory, compute_report
from core.risk.metrics import one_blas_thread
from core.risk.settings import RiskConfig
from core.risk.stress import HISTORICAL_WINDOWS, HYPOTHETICAL_SCENARIOS

END = datetime(2024, 12, 31, tzinfo=UTC)


def make_market(
    n_assets: int, n_days: int, seed: int = 7
) -> tuple[PriceHistory, dict[str, float], dict[str, str]]:
    """Closes of a one-factor market: BTC is the factor, alts load on it with t(4) noise."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_t(4, n_days - 1) * 0.025
    loadings = rng.uniform(0.6, 1.6, n_assets)
    loadings[0] = 1.0
    noise = rng.standard_t(4, (n_days - 1, n_assets)) * rng.uniform(0.01, 0.04, n_assets)
    noise[:, 0] = 0.0
    rets = np.clip(factor[:, None] * loadings + noise, -0.6, 2.0)
    closes = 100.0 * np.vstack([np.ones(n_assets), np.cumprod(1.0 + rets, axis=0)])
    end = int(END.timestamp())
    times = np.arange(end - (n_days - 1) * DAY, end + DAY, DAY, dtype=np.int64)
    symbols = ("BTC", *(f"A{i:04d}" for i in range(1, n_assets)))
    raw_w = rng.pareto(1.5, n_assets) + 0.1
    weights = dict(zip(symbols, (raw_w / raw_w.sum()).tolist(), strict=True))
    groups = {s: GROUPS[i % len(GROUPS)] for i, s in enumerate(symbols)}
    groups["BTC"] = "BTC"
    return PriceHistory(symbols, times, closes), weights, groups


def ours(history: PriceHistory, weights: dict[str, float], groups: dict[str, str]) -> Any:
    fresh = PriceHistory(history.symbols, history.times, history.closes, history.bar_seconds)
    return compute_report(fresh, weights, groups, RiskConfig(), window_days=10_000)


def peer(closes: pd.DataFrame, weights: dict[str, float], groups: dict[str, str]) -> dict[str, Any]:
    """The same figures with empyrical, pandas and scipy, as a user would write them."""
    a = 365
    rets = closes.pct_change(fill_method=None).iloc[1:].dropna()
    w = pd.Series(weights)[rets.columns]
    port = (rets * w).sum(axis=1)
    btc = rets["BTC"]
    out: dict[str, Any] = {
        "volatility": ep.annual_volatility(port, annualization=a),
        "cagr": ep.cagr(port, annualization=a),
        "sharpe": ep.sharpe_ratio(port, annualization=a),
        "sortino": ep.sortino_ratio(port, annualization=a),
        "calmar": ep.calmar_ratio(port, annualization=a),
        "max_drawdown": ep.max_drawdown(port),
        "beta_btc": ep.beta(port, btc),
    }
    mu, sd = port.mean(), port.std(ddof=1)
    skew, kurt = stats.skew(port), stats.kurtosis(port)
    for b in (0.95, 0.99):
        z = stats.norm.ppf(1 - b)
        zcf = (
            z
            + (z**2 - 1) * skew / 6
            + (z**3 - 3 * z) * kurt / 24
            - (2 * z**3 - 5 * z) * skew**2 / 36
        )
        out[f"var_hist_{b}"] = ep.value_at_risk(port, cutoff=1 - b)
        out[f"cvar_hist_{b}"] = ep.conditional_value_at_risk(port, cutoff=1 - b)
        out[f"var_gauss_{b}"] = -(mu + z * sd)
        out[f"cvar_gauss_{b}"] = sd * stats.norm.pdf(z) / (1 - b) - mu
        out[f"var_cf_{b}"] = -(mu + zcf * sd)
    out["asset_vol"] = ep.annual_volatility(rets, annualization=a)
    out["asset_cagr"] = ep.cagr(rets, annualization=a)
    out["asset_sharpe"] = ep.sharpe_ratio(rets, annualization=a)
    out["asset_mdd"] = ep.max_drawdown(rets)
    out["asset_beta"] = ep.beta(rets.to_numpy(), btc.to_numpy())
    corr = rets.corr()
    cov = rets.cov()
    with one_blas_thread():
        eig = np.linalg.eigvalsh(corr.to_numpy())[::-1]
    out["pca"] = eig / eig.sum()
    marginal = cov.to_numpy() @ w.to_numpy()
    rc = w.to_numpy() * marginal / (w.to_numpy() @ marginal)
    out["rc_groups"] = pd.Series(rc, index=rets.columns).groupby(pd.Series(groups)).sum()
    out["div_ratio"] = (w * rets.std(ddof=1)).sum() / port.std(ddof=1)
    out["effective_assets"] = 1 / (w**2).sum()
    stress = {}
    for win in HISTORICAL_WINDOWS:
        base = pd.Timestamp(win.start, tz="UTC") - pd.Timedelta(days=1)
        last = pd.Timestamp(win.end, tz="UTC")
        if base in closes.index and last in closes.index:
            stress[win.name] = float((closes.loc[last] / closes.loc[base] - 1) @ w)
    for sc in HYPOTHETICAL_SCENARIOS:
        stress[sc.name] = float(sum(w[s] * sc.group_shocks[groups[s]] for s in w.index))
    out["stress"] = stress
    out["corr"] = corr
    return out


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--days", type=int, default=1460)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    history, weights, groups = make_market(args.assets, args.days)
    frame = pd.DataFrame(
        history.closes,
        columns=list(history.symbols),
        index=pd.to_datetime(history.times, unit="s", utc=True),
    )
    ours(history, weights, groups)  # warm-up: imports, caches
    t_ours, report = timed(lambda: ours(history, weights, groups), args.repeat)
    t_peer, theirs = timed(lambda: peer(frame, weights, groups), max(3, args.repeat // 2 + 1))

    print(
        f"risk report: {args.assets} assets x {args.days} days "
        f"({report.n_observations} returns each)"
    )
    for label, t in (("cockpit core.risk", t_ours), ("empyrical+pandas ", t_peer)):
        print(
            f"  {label} : best {min(t):.3f} s   median {statistics.median(t):.3f} s"
            f"   ({len(t)} runs)"
        )
    print(
        f"  speed-up          : {min(t_peer) / min(t_ours):.1f}x (best)   "
        f"{statistics.median(t_peer) / statistics.median(t_ours):.1f}x (median)"
    )
    print("same figures (ours | peer):")
    pairs = [
        ("volatility", report.volatility, theirs["volatility"]),
        ("sharpe", report.sharpe, theirs["sharpe"]),
        ("sortino", report.sortino, theirs["sortino"]),
        ("max drawdown", report.max_drawdown, -theirs["max_drawdown"]),
        ("calmar", report.calmar, theirs["calmar"]),
        ("beta btc", report.beta_btc, theirs["beta_btc"]),
        ("gaussian VaR 99", report.var["gaussian"]["99"], theirs["var_gauss_0.99"]),
        ("cornish-fisher VaR 99", report.var["cornish_fisher"]["99"], theirs["var_cf_0.99"]),
        ("PC1 share", report.pca_explained_variance_ratio[0], theirs["pca"][0]),
        ("effective assets", report.effective_assets, theirs["effective_assets"]),
        (
            "LUNA/UST stress",
            next(s.portfolio_return for s in report.stress if s.name == "LUNA/UST"),
            theirs["stress"]["LUNA/UST"],
        ),
    ]
    for name, a, b in pairs:
        print(f"  {name:<22} {a:>14.10f} | {b:>14.10f}")
    print(
        f"  historical VaR 95      {report.var['historical']['95']:>14.10f} | "
        f"{-theirs['var_hist_0.95']:>14.10f}   (peer interpolates, see CONVENTIONS.md)"
    )


if __name__ == "__main__":
    main()
