"""The full report on real prices: consistent figures, explicit coverage, clean JSON."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from core.risk import PriceHistory, assess, compute_report
from core.risk.settings import RiskConfig
from tests.risk.conftest import read_ftx

WEIGHTS = {"BTC-USD": 0.4, "ETH-USD": 0.25, "BNB-USD": 0.1, "XRP-USD": 0.1, "LTC-USD": 0.05,
           "AAVE-USD": 0.05, "MANA-USD": 0.05}  # fmt: skip
GROUPS = {"BTC-USD": "BTC", "ETH-USD": "ETH", "BNB-USD": "L1/L0 majors",
          "XRP-USD": "L1/L0 majors", "LTC-USD": "L1/L0 majors", "AAVE-USD": "DeFi",
          "MANA-USD": "Gaming/NFT"}  # fmt: skip
ISSUE_KEYS = [
    "n_observations", "annualization", "volatility", "cagr", "sharpe", "sortino", "calmar",
    "max_drawdown", "var", "cvar", "beta_btc", "correlation", "pca_explained_variance_ratio",
    "effective_assets", "risk_contribution", "stress",
]  # fmt: skip


def test_report_is_consistent_on_ftx(ftx_history: PriceHistory) -> None:
    r = compute_report(ftx_history, WEIGHTS, GROUPS, window_days=10_000)
    # MANA listed in Sep 2021 covers ~55 % of the window: excluded, and said so
    assert r.coverage.excluded == ("MANA-USD",)
    assert r.coverage.covered_weight == pytest.approx(0.95)
    assert r.n_observations == r.coverage.window_periods - r.coverage.dropped_periods
    assert r.annualization == 365
    included = [a for a in r.assets if a.included]
    w = np.array([a.weight for a in included]) / 0.95
    # portfolio volatility is sqrt(w' S w) of the same sample
    vols = np.array([a.volatility for a in included])
    corr = np.array(r.correlation.matrix)
    cov = corr * np.outer(vols, vols)
    assert r.volatility == pytest.approx(math.sqrt(w @ cov @ w), rel=1e-10)
    assert r.diversification_ratio == pytest.approx(w @ vols / r.volatility, rel=1e-12)
    assert sum(r.risk_contribution.assets.values()) == pytest.approx(1.0)
    assert sum(r.risk_contribution.groups.values()) == pytest.approx(1.0)
    assert r.risk_contribution.groups["L1/L0 majors"] == pytest.approx(
        sum(r.risk_contribution.assets[s] for s in ("BNB-USD", "XRP-USD", "LTC-USD"))
    )
    assert r.effective_assets == pytest.approx(1 / sum(v * v for v in WEIGHTS.values()))
    assert r.calmar == pytest.approx(r.cagr / r.max_drawdown)
    btc = next(a for a in r.assets if a.symbol == "BTC-USD")
    assert btc.beta_btc == pytest.approx(1.0)
    pca = r.pca_explained_variance_ratio
    assert list(pca) == sorted(pca, reverse=True) and sum(pca) == pytest.approx(1.0)
    for table in (r.var, r.cvar):
        for method in ("historical", "gaussian", "cornish_fisher"):
            assert set(table[method]) == {"95", "99"}
    assert 0 < r.var["historical"]["95"] < r.var["historical"]["99"] < r.cvar["historical"]["99"]
    assert r.var["historical"]["95"] < r.cvar["historical"]["95"]
    # the deepest drawdown of this sample: the Nov-2021 top to the June-2022 capitulation
    assert r.drawdown.peak == datetime(2021, 11, 8, tzinfo=UTC)
    assert r.drawdown.trough == datetime(2022, 6, 18, tzinfo=UTC)
    assert r.drawdown.recovery is None
    assert r.conventions.annualization == 365 and r.conventions.benchmark == "BTC-USD"


def test_window_and_calmar_variant(ftx_history: PriceHistory) -> None:
    short = compute_report(ftx_history, WEIGHTS, GROUPS, window_days=90)
    assert short.n_observations == 90
    assert short.coverage.window_end == datetime(2022, 7, 20, tzinfo=UTC)
    assert short.coverage.window_start == datetime(2022, 4, 21, tzinfo=UTC)
    cfg = RiskConfig(calmar_months=12, window_days=500)
    r = compute_report(ftx_history, WEIGHTS, GROUPS, cfg)
    last_year = compute_report(ftx_history, WEIGHTS, GROUPS, window_days=365)
    assert r.conventions.calmar_window == "12 months"
    assert r.calmar == pytest.approx(last_year.cagr / last_year.max_drawdown)
    too_long = compute_report(ftx_history, WEIGHTS, GROUPS, RiskConfig(calmar_months=36))
    assert too_long.calmar is None  # 36 months of data do not exist here


def test_hourly_report_annualises_with_8760(yahoo_history: PriceHistory) -> None:
    r = compute_report(yahoo_history, {"BTC": 0.5, "ETH": 0.3, "SOL": 0.2}, window_days=400)
    assert r.annualization == 8760
    assert r.conventions.bar == "1h"
    # Yahoo's 35-hour and 16-day gaps drop periods for everyone; nothing is filled
    assert r.coverage.dropped_periods > 400
    assert r.n_observations == r.coverage.window_periods - r.coverage.dropped_periods
    assert r.beta_btc is not None and 0.5 < r.beta_btc < 2


def test_json_has_the_issue_keys_first_and_no_nan(ftx_history: PriceHistory) -> None:
    r = compute_report(ftx_history, WEIGHTS, GROUPS, window_days=365)
    text = r.to_json()
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert list(data)[: len(ISSUE_KEYS)] == ISSUE_KEYS
    assert set(data["var"]) == {"historical", "gaussian", "cornish_fisher"}
    assert "series" not in data["drawdown"]
    assert len(r.drawdown.series) == r.n_observations
    assert data["conventions"]["annualization"] == 365


def test_nothing_covered_gives_nulls_not_zeros(shared_data: Path) -> None:
    h = PriceHistory.from_series({"BTC": read_ftx(shared_data, "BTC-USD")})
    r = compute_report(h, {"NEWCOIN": 1.0}, window_days=365)
    assert r.n_observations == 0
    assert r.volatility is None and r.var["historical"]["95"] is None
    assert r.coverage.covered_weight == 0 and r.coverage.excluded == ("NEWCOIN",)
    hypothetical = [s for s in r.stress if s.kind == "hypothetical"]
    assert all(s.portfolio_return is not None for s in hypothetical)


def test_assess_from_close_series(shared_data: Path) -> None:
    closes = {
        s: {datetime.fromtimestamp(t, UTC): c for t, c in read_ftx(shared_data, s)}
        for s in ("BTC-USD", "ETH-USD", "XRP-USD")
    }
    out = assess(closes, {"BTC-USD": 6, "ETH-USD": 3, "XRP-USD": 1}, GROUPS)
    assert out.report.n_observations == 365
    keys = [g.key for g in out.limits.gauges]
    assert "max_var_95" in keys and "max_group_weight:BTC" in keys


def test_report_round_trips_through_json_and_validates(ftx_history: PriceHistory) -> None:
    from core.risk import RiskReport

    r = compute_report(ftx_history, WEIGHTS, GROUPS, window_days=365)
    back = RiskReport.model_validate_json(r.to_json(include_series=True))
    assert back == r  # the fast construction path built a valid model
    with pytest.raises(Exception, match="frozen"):
        r.volatility = 0.0  # type: ignore[misc]


def test_core_risk_is_headless() -> None:
    import subprocess
    import sys

    code = (
        "import sys, core.risk, core.risk.files, core.risk.report; "
        "bad = [m for m in ('textual', 'rich', 'cockpit', 'widgets') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
