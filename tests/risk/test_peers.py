"""Our figures against trusted peers (empyrical-reloaded, skfolio, scikit-learn) on real data.

The peers get returns we do not build: pandas puts the closes on a regular grid
(``asfreq``), takes ``pct_change(fill_method=None)`` and drops incomplete rows. Where the
conventions agree the figures must match to 1e-9 relative; where they do not (see
``core/risk/CONVENTIONS.md``) we do not compare.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import empyrical as ep
import numpy as np
import pandas as pd
import pytest
from skfolio import Portfolio, RiskMeasure
from skfolio import measures as sm
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from core.risk import HOUR, PriceHistory, RiskReport, compute_report
from core.risk.history import DAY
from core.risk.settings import RiskConfig
from tests.risk.conftest import read_ftx, read_yahoo

REL = 1e-9


@dataclass(frozen=True)
class Case:
    name: str
    symbols: tuple[str, ...]
    weights: tuple[float, ...]
    bar: int
    window_days: int
    risk_free: float
    read: Callable[[Path, str], list[tuple[object, float]]]
    btc: str


CASES = [
    Case("ftx spot daily, rf 4%", ("BTC-USD", "ETH-USD", "BNB-USD", "XRP-USD", "LTC-USD",
         "AAVE-USD", "MATIC-USD"), (0.35, 0.25, 0.1, 0.1, 0.05, 0.1, 0.05), DAY, 500, 0.04,
         read_ftx, "BTC-USD"),  # type: ignore[arg-type]
    Case("ftx perps daily since 2019", ("BTC-PERP", "ETH-PERP"), (0.6, 0.4), DAY, 10_000, 0.0,
         read_ftx, "BTC-PERP"),  # type: ignore[arg-type]
    Case("yahoo hourly with gaps", ("BTC", "ETH", "SOL", "XRP", "DOGE", "LINK", "AVAX", "ADA"),
         (0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05), HOUR, 400, 0.02,
         read_yahoo, "BTC"),  # type: ignore[arg-type]
]  # fmt: skip


@dataclass(frozen=True)
class Fixture:
    case: Case
    report: RiskReport
    returns: pd.DataFrame
    portfolio: np.ndarray
    weights: np.ndarray
    annualization: int
    rf: float


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.name)
def fx(request: pytest.FixtureRequest, shared_data: Path) -> Fixture:
    case: Case = request.param
    raw = {s: case.read(shared_data, s) for s in case.symbols}
    history = PriceHistory.from_series(raw, bar_seconds=case.bar)  # type: ignore[arg-type]
    weights = dict(zip(case.symbols, case.weights, strict=True))
    config = RiskConfig(risk_free_rate=case.risk_free, benchmark=case.btc)
    report = compute_report(history, weights, config=config, window_days=case.window_days)

    # the peers' own pipeline: pandas grid, pct_change without filling, complete rows only
    frame = pd.DataFrame({s: pd.Series(dict(points)) for s, points in raw.items()})
    if case.bar == DAY:
        frame.index = pd.to_datetime(frame.index, unit="s", utc=True)
    frame = frame.sort_index().asfreq("D" if case.bar == DAY else "h")
    periods = case.window_days * DAY // case.bar
    rets = frame.pct_change(fill_method=None).iloc[1:].iloc[-periods:].dropna()
    w = np.array(case.weights)
    annualization = 365 if case.bar == DAY else 8760
    rf = (1 + case.risk_free) ** (1 / annualization) - 1
    return Fixture(case, report, rets, rets.to_numpy() @ w, w, annualization, rf)


def close(ours: float | None, peer: float) -> None:
    assert ours is not None
    assert ours == pytest.approx(float(peer), rel=REL, abs=0)


def test_same_sample(fx: Fixture) -> None:
    assert fx.report.n_observations == len(fx.returns)
    assert fx.report.annualization == fx.annualization
    if fx.case.bar == HOUR:
        assert fx.report.coverage.dropped_periods > 0  # Yahoo's gaps are really there


def test_empyrical_portfolio_figures(fx: Fixture) -> None:
    p, a, r = fx.portfolio, fx.annualization, fx.report
    close(r.volatility, ep.annual_volatility(p, annualization=a))
    close(r.sharpe, ep.sharpe_ratio(p, risk_free=fx.rf, annualization=a))
    close(r.sortino, ep.sortino_ratio(p, required_return=0.0, annualization=a))
    close(r.cagr, ep.cagr(p, annualization=a))
    close(r.max_drawdown, -ep.max_drawdown(p))
    close(r.calmar, ep.calmar_ratio(p, annualization=a))
    close(r.beta_btc, ep.beta(p, fx.returns[fx.case.btc].to_numpy()))


def test_empyrical_per_asset_figures(fx: Fixture) -> None:
    rets, a = fx.returns.to_numpy(), fx.annualization
    rows = {x.symbol: x for x in fx.report.assets}
    vol = ep.annual_volatility(rets, annualization=a)
    sharpe = ep.sharpe_ratio(rets, risk_free=fx.rf, annualization=a)
    mdd = ep.max_drawdown(rets)
    cagr = ep.cagr(fx.returns, annualization=a).to_numpy()
    beta = ep.beta(rets, fx.returns[fx.case.btc].to_numpy())
    for i, s in enumerate(fx.case.symbols):
        close(rows[s].volatility, vol[i])
        close(rows[s].sharpe, sharpe[i])
        close(rows[s].max_drawdown, -mdd[i])
        close(rows[s].cagr, cagr[i])
        close(rows[s].beta_btc, beta[i])


def test_skfolio_tail_and_structure(fx: Fixture) -> None:
    p, r = fx.portfolio, fx.report
    for b in (0.95, 0.99):
        key = f"{b * 100:g}"
        close(r.var["historical"][key], sm.value_at_risk(p, beta=b))
        close(r.cvar["historical"][key], sm.cvar(p, beta=b))
    close(r.max_drawdown, sm.max_drawdown(sm.get_drawdowns(p, compounded=True)))
    close(r.effective_assets, sm.effective_number_assets(fx.weights))
    close(r.tail_moments.skew, sm.skew(p))
    close(r.tail_moments.excess_kurtosis, sm.kurtosis(p) - 3.0)  # skfolio: plain kurtosis
    ours = np.array(r.correlation.matrix, dtype=float)
    np.testing.assert_allclose(ours, sm.correlation(fx.returns.to_numpy()), rtol=REL, atol=0)

    port = Portfolio(X=fx.returns.to_numpy(), weights=fx.weights)
    close(r.diversification_ratio, port.diversification)
    # skfolio's contributions are central finite differences: exact for the quadratic variance
    contribution = np.array(port.contribution(measure=RiskMeasure.VARIANCE))
    shares = contribution / contribution.sum()
    for i, s in enumerate(fx.case.symbols):
        close(r.risk_contribution.assets[s], shares[i])


def test_sortino_denominator_is_skfolio_semi_deviation_at_target_zero(fx: Fixture) -> None:
    p, a = fx.portfolio, fx.annualization
    semi = sm.semi_deviation(p, min_acceptable_return=0.0, biased=True)  # over all periods
    assert fx.report.sortino is not None
    close(fx.report.sortino, p.mean() * a / (semi * np.sqrt(a)))


def test_sklearn_pca(fx: Fixture) -> None:
    standardised = StandardScaler().fit_transform(fx.returns.to_numpy())
    peer = PCA().fit(standardised).explained_variance_ratio_
    np.testing.assert_allclose(fx.report.pca_explained_variance_ratio, peer, rtol=REL, atol=1e-15)
