"""Benchmark: forecast VaR models against the same work done the way an arch/pandas user would.

    python bench/forecast.py [--days 1460] [--repeat 5]

On a seeded Student-t GARCH(1,1) return series (no shared data needed), each pair does the same
work, both warmed, medians of ``--repeat`` runs interleaved (ours, peer, ours, ...) so both see
the same load:

* one GARCH(1,1)-t fit on all days: ours (``core.risk.forecast.garch.fit_garch``) against
  ``arch_model(...).fit`` called directly (the ratio is our overhead; the absolute time shows
  each fit stays well under a second);
* the rolling out-of-sample GARCH-t backtest (refit every 20 days on an expanding window, 99 %
  VaR for every later day): ours against arch's own recipe, ``fit(last_obs=t)`` then
  ``forecast(start=t, reindex=False)`` per block;
* EWMA (λ 0.94, 30-day seed) over all days: ours against pandas ``ewm(adjust=False)``;
* one HAR fit (least squares on the log realised-variance lags).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.risk.forecast.ewma import ewma_variance
from core.risk.forecast.garch import MIN_TRAIN, REFIT_EVERY, fit_garch, garch_forecasts
from core.risk.forecast.har import har_forecasts


def series(days: int, seed: int = 11) -> np.ndarray:
    """A GARCH(1,1) with Student-t(5) shocks, daily crypto-like scale."""
    rng = np.random.default_rng(seed)
    omega, alpha, beta, nu = 2e-5, 0.1, 0.85, 5.0
    z = rng.standard_t(nu, days) * np.sqrt((nu - 2) / nu)
    r = np.empty(days)
    s2 = omega / (1 - alpha - beta)
    for t in range(days):
        r[t] = np.sqrt(s2) * z[t]
        s2 = omega + alpha * r[t] ** 2 + beta * s2
    return r


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def paired(
    ours: Callable[[], object], peer: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Medians of ``repeat`` runs of each, interleaved so both see the same machine load."""
    ours()
    peer()
    a, b = [], []
    for _ in range(repeat):
        for fn, runs in ((ours, a), (peer, b)):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def arch_rolling(r: np.ndarray) -> np.ndarray:
    """The arch user's rolling 99 % VaR: refit every 20 days, one-step forecasts between."""
    y = pd.Series(r * 100)
    am = arch_model(y, mean="Zero", vol="GARCH", p=1, q=1, dist="t", rescale=False)
    out = []
    for block in range(MIN_TRAIN, len(r), REFIT_EVERY):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = am.fit(last_obs=block, disp="off", show_warning=False)
        f = res.forecast(horizon=1, start=block - 1, reindex=False)
        var = f.variance.values[:REFIT_EVERY, 0]
        nu = float(res.params["nu"])
        q = stats.t.ppf(0.99, nu) * np.sqrt((nu - 2) / nu)
        out.append(q * np.sqrt(var) / 100)
    return np.concatenate(out)


def pandas_ewma(r: np.ndarray) -> np.ndarray:
    seed = float(np.mean(r[:30] ** 2))
    sq = pd.Series(np.concatenate([[seed], r[29:] ** 2]))
    return sq.ewm(alpha=0.06, adjust=False).mean().to_numpy()[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1460)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    r = series(args.days)
    y = r * 100

    def arch_fit() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return arch_model(y, mean="Zero", p=1, q=1, dist="t", rescale=False).fit(
                disp="off", show_warning=False
            )

    ours_roll = garch_forecasts(r, (0.99,), innovations="t").var[0.99][:-1]
    peer_roll = arch_rolling(r)
    gap = float(
        np.max(np.abs(ours_roll - peer_roll[: len(ours_roll)]) / peer_roll[: len(ours_roll)])
    )
    ours_ewma = ewma_variance(r, 0.94, 30)
    gap_ewma = float(np.max(np.abs(ours_ewma - pandas_ewma(r)) / ours_ewma))
    print(f"{args.days} days, medians of {args.repeat} runs after a warm-up")
    print(f"agreement: rolling GARCH-t VaR max rel. diff {gap:.1e}, EWMA {gap_ewma:.1e}")
    rows = [
        ("one GARCH-t fit", lambda: fit_garch(r, "t"), arch_fit),
        (
            f"rolling GARCH-t backtest ({(args.days - MIN_TRAIN) // REFIT_EVERY + 1} fits)",
            lambda: garch_forecasts(r, (0.99,), innovations="t"),
            lambda: arch_rolling(r),
        ),
        ("EWMA over all days", lambda: ewma_variance(r, 0.94, 30), lambda: pandas_ewma(r)),
    ]
    print(f"{'work':<42}{'ours ms':>10}{'peer ms':>10}{'ours/peer':>11}")
    for name, ours, peer in rows:
        a, b = paired(ours, peer, args.repeat)
        print(f"{name:<42}{a * 1e3:>10.2f}{b * 1e3:>10.2f}{a / b:>11.2f}")
    har = timed(
        lambda: har_forecasts(r, None, (0.99,), start=len(r) - 1, refit_every=1), args.repeat
    )
    print(f"{'one HAR fit (no peer)':<42}{har * 1e3:>10.2f}")


if __name__ == "__main__":
    main()
