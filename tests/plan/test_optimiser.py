"""Optimisers on real daily closes (seed price history), checked against their peers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.plan.covariance import ledoit_wolf, mean_returns, simple_returns
from core.plan.optimiser import (
    Constraints,
    OptimiserError,
    equal_risk_contribution,
    hrp,
    max_sharpe,
    min_variance,
    risk_contributions,
)

SYMBOLS = (
    "BTC",
    "ETH",
    "SOL",
    "ADA",
    "AAVE",
    "BNB",
    "DOGE",
    "LINK",
    "XRP",
    "LTC",
    "DOT",
    "AVAX",
    "UNI",
    "XLM",
    "TRX",
    "ATOM",
    "NEAR",
    "FIL",
    "ALGO",
    "XMR",
)


@pytest.fixture(scope="module")
def real_returns(shared_data: Path) -> np.ndarray:
    """365 daily returns of 20 large assets, from the seed's Binance daily closes."""
    closes = []
    for symbol in SYMBOLS:
        rows = json.loads(
            (shared_data / "seed-origin/price_history" / f"{symbol}_1d.json").read_text()
        )
        closes.append([float(c) for _, c in rows[-366:]])
    return simple_returns(np.array(closes).T)


def test_ledoit_wolf_matches_scikit_learn(real_returns: np.ndarray) -> None:
    sklearn = pytest.importorskip("sklearn.covariance")
    ours = ledoit_wolf(real_returns)
    cov, shrinkage = sklearn.ledoit_wolf(real_returns)
    assert 0 < ours.shrinkage < 1
    assert ours.shrinkage == pytest.approx(shrinkage, rel=1e-10)
    np.testing.assert_allclose(ours.covariance, cov, rtol=1e-10, atol=1e-14)


def _peer_frame(cov: np.ndarray) -> object:
    pd = pytest.importorskip("pandas")
    names = list(SYMBOLS)
    return pd.DataFrame(cov, index=names, columns=names)


def test_min_variance_and_max_sharpe_match_pyportfolioopt(real_returns: np.ndarray) -> None:
    pypfopt = pytest.importorskip("pypfopt")
    import pandas as pd

    cov = ledoit_wolf(real_returns, periods=365).covariance
    mu = mean_returns(real_returns)
    frame = _peer_frame(cov)
    bounds = Constraints(upper=0.3)
    ef = pypfopt.EfficientFrontier(None, frame, weight_bounds=(0, 0.3), solver="CLARABEL")
    peer = np.array(list(ef.min_volatility().values()))
    ours = min_variance(cov, bounds)
    np.testing.assert_allclose(ours, peer, atol=1e-4)
    assert ours.max() <= 0.3 + 1e-9 and ours.min() >= -1e-12
    ef = pypfopt.EfficientFrontier(
        pd.Series(mu, index=list(SYMBOLS)), frame, weight_bounds=(0, 0.3), solver="CLARABEL"
    )
    peer = np.array(list(ef.max_sharpe(risk_free_rate=0.0).values()))
    np.testing.assert_allclose(max_sharpe(mu, cov, 0.0, bounds), peer, atol=1e-4)


def test_hrp_matches_pyportfolioopt(real_returns: np.ndarray) -> None:
    pypfopt = pytest.importorskip("pypfopt")
    cov = ledoit_wolf(real_returns, periods=365).covariance
    peer = pypfopt.HRPOpt(cov_matrix=_peer_frame(cov)).optimize()
    np.testing.assert_allclose(hrp(cov), np.array([peer[s] for s in SYMBOLS]), atol=1e-10)


def test_equal_risk_contribution_equalises_risk(real_returns: np.ndarray) -> None:
    cov = ledoit_wolf(real_returns, periods=365).covariance
    w = equal_risk_contribution(cov)
    np.testing.assert_allclose(risk_contributions(w, cov), 1 / len(SYMBOLS), atol=1e-8)
    budgets = np.arange(1, len(SYMBOLS) + 1, dtype=float)
    w = equal_risk_contribution(cov, budgets)
    np.testing.assert_allclose(risk_contributions(w, cov), budgets / budgets.sum(), atol=1e-8)


def test_group_bounds_and_turnover_penalty(real_returns: np.ndarray) -> None:
    cov = ledoit_wolf(real_returns, periods=365).covariance
    free = min_variance(cov)
    majors = [0, 1]  # BTC, ETH
    held = float(free[majors].sum())
    capped = min_variance(cov, Constraints(groups={"majors": (majors, 0.0, held / 2)}))
    assert capped[majors].sum() == pytest.approx(held / 2, abs=1e-7)
    previous = np.full(len(SYMBOLS), 1 / len(SYMBOLS))
    light = min_variance(cov, Constraints(previous=previous, turnover_penalty=1e-4))
    heavy = min_variance(cov, Constraints(previous=previous, turnover_penalty=10.0))
    turnover = [float(np.abs(w - previous).sum()) for w in (free, light, heavy)]
    assert turnover[0] >= turnover[1] > turnover[2]
    np.testing.assert_allclose(heavy, previous, atol=1e-6)
    mu = mean_returns(real_returns)
    sticky = max_sharpe(mu, cov, 0.0, Constraints(previous=previous, turnover_penalty=10.0))
    assert np.abs(sticky - previous).sum() < np.abs(max_sharpe(mu, cov) - previous).sum()


def test_refusals(real_returns: np.ndarray) -> None:
    cov = ledoit_wolf(real_returns, periods=365).covariance
    with pytest.raises(OptimiserError, match="cannot sum to 1"):
        min_variance(cov, Constraints(upper=0.01))
    with pytest.raises(OptimiserError, match="risk-free"):
        max_sharpe(np.full(len(SYMBOLS), -0.1), cov)
