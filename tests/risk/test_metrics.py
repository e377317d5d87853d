"""Each measure against an independent computation of its textbook definition, on real returns."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from core.risk import metrics as m
from core.risk.history import FloatArray
from tests.risk.conftest import read_ftx


@pytest.fixture(scope="module")
def btc(shared_data: Path) -> FloatArray:
    closes = np.array([c for _, c in read_ftx(shared_data, "BTC-USD")])
    return closes[1:] / closes[:-1] - 1.0


@pytest.fixture(scope="module")
def ftx_block(shared_data: Path) -> FloatArray:
    cols = [
        np.array([c for _, c in read_ftx(shared_data, s)])
        for s in ("BTC-USD", "ETH-USD", "BNB-USD", "XRP-USD", "LTC-USD")
    ]
    closes = np.column_stack(cols)
    return closes[1:] / closes[:-1] - 1.0


def test_historical_var_is_the_order_statistic(btc: FloatArray) -> None:
    r = btc[:100]
    losses = np.sort(-r)[::-1]  # largest loss first
    # 5 of 100 observations are strictly beyond the 95 % VaR: it is the 6th largest loss
    assert m.historical_var(np.sort(r), 0.95) == losses[5]
    assert m.historical_var(np.sort(r), 0.99) == losses[1]
    # and it is inf{l : F(l) >= b} of the empirical loss distribution
    full = np.sort(btc)
    var = m.historical_var(full, 0.95)
    assert np.mean(-btc <= var) >= 0.95
    assert np.mean(-btc < var) < 0.95


def test_cvar_boundary_fraction_equals_the_tail_mean_of_replicated_atoms(btc: FloatArray) -> None:
    # Replicating each observation 100 times leaves the distribution unchanged and makes the
    # tail an integer number of atoms, so the plain mean of the worst atoms is the exact CVaR.
    for n in (97, 203, len(btc)):
        r = btc[:n]
        atoms = np.sort(np.repeat(r, 100))
        for b in (0.95, 0.99):
            tail = round((1 - b) * atoms.size)
            expected = -atoms[:tail].mean()
            assert m.historical_cvar(np.sort(r), b) == pytest.approx(expected, rel=1e-12)


def test_drawdown_starts_from_one_before_the_first_return() -> None:
    r = np.array([[-0.1], [0.05], [0.2], [-0.3]])
    dd = m.drawdowns(r)[:, 0]
    assert dd[0] == pytest.approx(0.1)  # a loss on day one is a drawdown from 1.0
    assert dd[1] == pytest.approx(1 - 0.9 * 1.05)
    assert dd[2] == 0.0
    assert m.max_drawdown(r)[0] == pytest.approx(0.3)
    assert m.drawdown_dates(r[:, 0]) == (2, 3, None)
    assert m.drawdown_dates(np.array([-0.1, 0.2])) == (-1, 0, 1)


def test_drawdown_dates_on_real_data(btc: FloatArray) -> None:
    peak, trough, recovery = m.drawdown_dates(btc)
    wealth = np.cumprod(1 + btc)
    assert wealth[peak] == wealth[: trough + 1].max()
    assert 1 - wealth[trough] / wealth[peak] == pytest.approx(m.max_drawdown(btc[:, None])[0])
    assert recovery is None or wealth[recovery] >= wealth[peak]


def test_sharpe_sortino_cagr_definitions(btc: FloatArray) -> None:
    a = 365.0
    rf = m.per_period_rate(0.05, a)
    assert (1 + rf) ** 365 == pytest.approx(1.05, rel=1e-12)
    ex = btc - rf
    assert m.sharpe(btc[:, None], a, rf)[0] == pytest.approx(
        ex.mean() / ex.std(ddof=1) * math.sqrt(a), rel=1e-12
    )
    down = np.sqrt(np.sum(np.minimum(btc, 0) ** 2) / btc.size)  # all periods in the mean
    assert m.sortino(btc[:, None], a)[0] == pytest.approx(btc.mean() * a / (down * math.sqrt(a)))
    years = btc.size / a
    assert m.cagr(btc[:, None], a)[0] == pytest.approx(np.prod(1 + btc) ** (1 / years) - 1)
    assert m.volatility(btc[:, None], a)[0] == pytest.approx(
        stats.tstd(btc) * math.sqrt(a), rel=1e-12
    )
    assert math.isnan(m.sharpe(np.full((5, 1), 0.01), a)[0])  # zero dispersion is undefined


def test_gaussian_and_cornish_fisher(btc: FloatArray) -> None:
    mu, sd = float(btc.mean()), float(btc.std(ddof=1))
    for b in (0.95, 0.99):
        assert m.gaussian_var(mu, sd, b) == pytest.approx(-stats.norm.ppf(1 - b, mu, sd))
        es = -stats.norm.expect(lambda x: x, loc=mu, scale=sd, ub=stats.norm.ppf(1 - b, mu, sd))
        assert m.gaussian_cvar(mu, sd, b) == pytest.approx(es / (1 - b), rel=1e-9)
        # with no skew and no excess kurtosis Cornish-Fisher is the Gaussian
        assert m.cornish_fisher_var(mu, sd, 0, 0, b) == pytest.approx(m.gaussian_var(mu, sd, b))
        assert m.cornish_fisher_cvar(mu, sd, 0, 0, b) == pytest.approx(m.gaussian_cvar(mu, sd, b))
    skew, kurt = m.moments(btc)
    assert skew == pytest.approx(stats.skew(btc), rel=1e-10)
    assert kurt == pytest.approx(stats.kurtosis(btc), rel=1e-10)
    for b in (0.95, 0.99):
        # CF CVaR is the average of the CF VaR over the tail levels
        avg, _ = integrate.quad(
            lambda u: m.cornish_fisher_var(mu, sd, skew, kurt, 1 - u), 0, 1 - b, epsabs=1e-13
        )
        assert m.cornish_fisher_cvar(mu, sd, skew, kurt, b) == pytest.approx(
            avg / (1 - b), rel=1e-9
        )


def test_cornish_fisher_validity_domain() -> None:
    assert m.cornish_fisher_valid(0.0, 3.0)
    assert m.cornish_fisher_valid(-0.5, 4.0)
    assert not m.cornish_fisher_valid(0.0, 12.0)  # too fat-tailed: quantiles cross
    assert not m.cornish_fisher_valid(2.0, 1.0)  # too skewed for that kurtosis
    assert not m.cornish_fisher_valid(math.nan, 1.0)
    # where it is flagged invalid, the "quantile" really is not monotonic
    zs = np.linspace(-4, 4, 801)
    assert np.any(np.diff([m.cornish_fisher_z(z, 0.0, 12.0) for z in zs]) < 0)
    assert np.all(np.diff([m.cornish_fisher_z(z, -0.5, 4.0) for z in zs]) > 0)


def test_covariance_family(ftx_block: FloatArray) -> None:
    cov, _ = m.covariance(ftx_block)
    np.testing.assert_allclose(cov, np.cov(ftx_block, rowvar=False), rtol=1e-12)
    corr = m.correlation_from_covariance(cov)
    np.testing.assert_allclose(corr, np.corrcoef(ftx_block, rowvar=False), rtol=1e-12)
    ratio = m.pca_explained_variance_ratio(corr)
    assert np.all(np.diff(ratio) <= 0) and ratio.sum() == pytest.approx(1.0)
    assert ratio[0] > 0.6  # crypto moves together
    # A fiat balance (no variance at all) beside them changes nothing: it has none to explain.
    with_cash = np.column_stack([ftx_block, np.zeros(len(ftx_block))])
    cov_cash, _ = m.covariance(with_cash)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr_cash = m.correlation_from_covariance(cov_cash)
    np.testing.assert_allclose(m.pca_explained_variance_ratio(corr_cash), ratio, rtol=1e-12)

    w = np.array([0.4, 0.3, 0.1, 0.1, 0.1])
    rc = m.risk_contributions(w, cov)
    assert rc.sum() == pytest.approx(1.0)
    # Euler: the contribution is w_i times the derivative of the variance, over 2 var
    var = w @ cov @ w
    h = 1e-6
    for i in range(5):
        e = np.zeros(5)
        e[i] = h
        grad = ((w + e) @ cov @ (w + e) - (w - e) @ cov @ (w - e)) / (2 * h)
        assert rc[i] == pytest.approx(w[i] * grad / (2 * var), rel=1e-6)
    port_vol = math.sqrt(var)
    dr = m.diversification_ratio(w, np.sqrt(np.diag(cov)), port_vol)
    assert dr > 1.0
    assert m.effective_assets(w) == pytest.approx(1 / np.sum(w**2))
    assert m.effective_assets(np.full(8, 1 / 8)) == pytest.approx(8.0)

    betas = m.betas(ftx_block, ftx_block[:, 0])
    assert betas[0] == pytest.approx(1.0)
    slope = stats.linregress(ftx_block[:, 0], ftx_block[:, 1]).slope
    assert betas[1] == pytest.approx(slope, rel=1e-12)
