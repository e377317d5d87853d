"""Forecast VaR: EWMA, its exceedances and the Kupiec / Christoffersen statistics equal a plain
Python hand computation of the stated conventions on real FTX closes; the fitted models are out
of sample and GARCH's recursion is arch's."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from core.risk.forecast.backtest import backtest, traffic_light
from core.risk.forecast.daily import DailySample, daily_sample
from core.risk.forecast.engine import compare, evaluate, run_model
from core.risk.forecast.garch import fit_garch, garch_variance
from core.risk.history import PriceHistory
from tests.risk.conftest import read_ftx

CASES = [
    # (symbols and weights, lambda, warmup, level)
    ({"BTC-PERP": 0.6, "ETH-PERP": 0.4}, 0.94, 30, 0.99),
    ({"BTC-USD": 0.5, "ETH-USD": 0.3, "XRP-USD": 0.2}, 0.97, 50, 0.95),
]


def hand_returns(shared_data: Path, weights: dict[str, float]) -> list[float]:
    """Portfolio simple returns on the days every asset has today's and yesterday's close."""
    closes: dict[str, dict[int, float]] = {}
    for symbol in weights:
        with (shared_data / "market" / "ftx_1d" / f"{symbol}.csv").open() as fh:
            closes[symbol] = {int(r["date"]) // 1000: float(r["close"]) for r in csv.DictReader(fh)}
    days = sorted(set.intersection(*(set(c) for c in closes.values())))
    total = sum(weights.values())
    out = []
    for day in days:
        if all(day - 86400 in c for c in closes.values()):
            out.append(
                sum(w / total * (closes[s][day] / closes[s][day - 86400] - 1)
                    for s, w in weights.items())
            )  # fmt: skip
    return out


def hand_ewma_var(returns: list[float], lam: float, warmup: int, level: float) -> list[float]:
    """VaR forecasts for days warmup+1 .. n (1-based) and the next day, by the issue's words."""
    var = sum(r * r for r in returns[:warmup]) / warmup  # sigma^2 of day `warmup`
    z = NormalDist().inv_cdf(level)
    out = []
    for t in range(warmup, len(returns) + 1):  # 0-based day t, the next day last
        var = lam * var + (1 - lam) * returns[t - 1] ** 2
        out.append(z * math.sqrt(var))
    return out


def xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def hand_kupiec(hits: list[bool], level: float) -> tuple[float, float]:
    n, x, p = len(hits), sum(hits), 1 - level
    lr = -2 * (xlogy(n - x, 1 - p) + xlogy(x, p)) + 2 * (xlogy(n - x, 1 - x / n) + xlogy(x, x / n))
    return lr, math.erfc(math.sqrt(lr / 2))  # chi-square(1) survival


def hand_christoffersen(hits: list[bool], level: float) -> tuple[float, float, float, float]:
    counts = {(a, b): 0 for a in (False, True) for b in (False, True)}
    for a, b in itertools.pairwise(hits):
        counts[a, b] += 1
    n00, n01 = counts[False, False], counts[False, True]
    n10, n11 = counts[True, False], counts[True, True]
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    ind = -2 * (xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi)) + 2 * (
        xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11)
    )
    cc = hand_kupiec(hits, level)[0] + ind
    return ind, math.erfc(math.sqrt(ind / 2)), cc, math.exp(-cc / 2)  # chi-square(1), (2)


def sample_of(shared_data: Path, weights: dict[str, float]) -> DailySample:
    history = PriceHistory.from_series({s: read_ftx(shared_data, s) for s in weights})
    return daily_sample(history, weights)


@pytest.mark.parametrize(("weights", "lam", "warmup", "level"), CASES)
def test_ewma_and_its_backtest_equal_a_hand_computation(
    shared_data: Path, weights: dict[str, float], lam: float, warmup: int, level: float
) -> None:
    returns = hand_returns(shared_data, weights)
    sample = sample_of(shared_data, weights)
    assert sample.returns.tolist() == pytest.approx(returns, rel=1e-12, abs=1e-15)
    expected = hand_ewma_var(returns, lam, warmup, level)
    f = run_model(sample, "ewma", (level,), lam=lam, warmup=warmup)
    assert len(f.var[level]) == len(expected) == len(returns) - warmup + 1
    assert f.var[level].tolist() == pytest.approx(expected, rel=1e-9, abs=1e-12)

    hits = [-r > v for r, v in zip(returns[warmup:], expected, strict=False)]
    bt = evaluate(sample, f, level)
    assert bt.n == len(returns) - warmup
    assert bt.exceedances == sum(hits) > 0
    lr, p = hand_kupiec(hits, level)
    assert (bt.kupiec_lr, bt.kupiec_p) == pytest.approx((lr, p), rel=1e-9, abs=1e-12)
    alpha = 1 - level
    tick = [(alpha - (r < -v)) * (r + v) for r, v in zip(returns[warmup:], expected, strict=False)]
    assert bt.quantile_loss == pytest.approx(sum(tick) / len(tick), rel=1e-9)
    ind, p_ind, cc, p_cc = hand_christoffersen(hits, level)
    got = (bt.christoffersen_ind_lr, bt.christoffersen_ind_p)
    assert got == pytest.approx((ind, p_ind), rel=1e-9, abs=1e-12)
    got = (bt.christoffersen_cc_lr, bt.christoffersen_cc_p)
    assert got == pytest.approx((cc, p_cc), rel=1e-9, abs=1e-12)


def test_basel_zones_at_99_percent_over_250_days() -> None:
    zones = [traffic_light(x, 250, 0.99) for x in range(12)]
    assert zones == ["green"] * 5 + ["yellow"] * 5 + ["red"] * 2


def test_kupiec_without_exceedances_is_finite_and_rejects_a_long_clean_run() -> None:
    loss = np.full(500, 0.01)
    bt = backtest(loss, loss * 2, loss * 3, loss, 0.99)
    assert bt.exceedances == 0 and math.isfinite(bt.kupiec_lr)
    assert bt.kupiec_lr == pytest.approx(-2 * 500 * math.log(0.99))
    assert bt.mcneil_frey_p is None and bt.zone == "green"


def test_es_test_flags_an_expected_shortfall_that_is_too_small() -> None:
    rng = np.random.default_rng(7)
    sigma = np.full(2000, 0.02)
    loss = rng.standard_t(3, 2000) * 0.02
    var = 2.33 * sigma
    honest = backtest(loss, var, 2.67 * sigma, sigma, 0.99)
    small = backtest(loss, var, 2.4 * sigma, sigma, 0.99)
    assert small.mcneil_frey_p is not None and small.mcneil_frey_p < 0.05
    assert honest.mcneil_frey_p is not None and small.mcneil_frey_p < honest.mcneil_frey_p
    assert small.acerbi_szekely_z2 < honest.acerbi_szekely_z2


def test_garch_recursion_is_archs(shared_data: Path) -> None:
    from arch import arch_model

    sample = sample_of(shared_data, {"BTC-PERP": 0.6, "ETH-PERP": 0.4})
    r = sample.returns
    for dist in ("normal", "t"):
        fit = fit_garch(r, dist)
        res = arch_model(r * 100, mean="Zero", p=1, q=1, dist=dist, rescale=False).fit(disp="off")
        ours = np.sqrt(garch_variance(r, fit, len(r) - 1)) * 100
        assert ours == pytest.approx(np.asarray(res.conditional_volatility), rel=1e-10)
        assert fit.alpha + fit.beta < 1


def test_rolling_garch_t_equals_archs_own_rolling_recipe(shared_data: Path) -> None:
    """arch's documented way: fit(last_obs=t) every 20 days, forecast(start=t-1) in between."""
    import pandas as pd
    from arch import arch_model
    from scipy import stats

    sample = sample_of(shared_data, {"BTC-PERP": 0.6, "ETH-PERP": 0.4})
    r = sample.returns
    ours = run_model(sample, "garch-t", (0.99,)).var[0.99]
    model = arch_model(pd.Series(r * 100), mean="Zero", p=1, q=1, dist="t", rescale=False)
    theirs = []
    for block in range(250, len(r) + 1, 20):
        res = model.fit(last_obs=block, disp="off", show_warning=False)
        var = res.forecast(horizon=1, start=block - 1, reindex=False).variance.to_numpy()[:20, 0]
        nu = float(res.params["nu"])
        theirs.append(stats.t.ppf(0.99, nu) * np.sqrt((nu - 2) / nu) * np.sqrt(var) / 100)
    # arch forecasts within the sample; our last row (the next day) is beyond it
    assert ours[:-1] == pytest.approx(np.concatenate(theirs)[: len(ours) - 1], rel=1e-8)


@pytest.mark.parametrize("model", ["ewma", "garch", "garch-t", "fhs", "har", "qr"])
def test_forecasts_use_only_earlier_returns(shared_data: Path, model: str) -> None:
    sample = sample_of(shared_data, {"BTC-PERP": 0.6, "ETH-PERP": 0.4})
    cut = 700
    future = sample.returns.copy()
    future[cut:] = future[cut:] * -3 + 0.05  # another future entirely
    other = DailySample(sample.times, future, None, sample.symbols, sample.covered_weight)
    a = run_model(sample, model)  # type: ignore[arg-type]
    b = run_model(other, model)  # type: ignore[arg-type]
    k = cut - a.start + 1  # rows of days up to `cut`: made from returns before it
    assert a.var[0.99][:k].tolist() == b.var[0.99][:k].tolist()
    assert a.es[0.95][:k].tolist() == b.es[0.95][:k].tolist()
    assert a.var[0.99][k + 25] != b.var[0.99][k + 25]


def test_comparison_scores_every_model_on_the_same_days(shared_data: Path) -> None:
    sample = sample_of(shared_data, {"BTC-PERP": 0.6, "ETH-PERP": 0.4})
    rows = compare(sample)
    assert [(r.model, r.level) for r in rows] == [
        (m, b) for m in ("ewma", "garch", "garch-t", "fhs", "har", "qr") for b in (0.95, 0.99)
    ]
    assert {r.n_forecasts for r in rows} == {len(sample.returns) - 250}
    for r in rows:
        assert 0 < r.forecast.var < r.forecast.es < 0.5
        assert 0.005 < r.exceedance_rate < 0.1


def test_hourly_history_gives_daily_returns_and_realised_variance(shared_data: Path) -> None:
    from core.risk.history import HOUR
    from tests.risk.conftest import read_yahoo

    btc = read_yahoo(shared_data, "BTC")
    history = PriceHistory.from_series({"BTC": btc}, bar_seconds=HOUR)
    sample = daily_sample(history, {"BTC": 1.0})
    closes = {t: c for t, c in btc}
    # by hand: a day's return runs from yesterday's 23:00 close to today's; RV sums its hours
    day = sample.times[100]
    from datetime import UTC, datetime, timedelta

    d = datetime.fromtimestamp(int(day), UTC)
    end, before = d + timedelta(hours=23), d - timedelta(hours=1)
    assert sample.returns[100] == pytest.approx(closes[end] / closes[before] - 1, rel=1e-12)
    hours = [before + timedelta(hours=h) for h in range(25)]
    rv = sum((closes[b] / closes[a] - 1) ** 2 for a, b in itertools.pairwise(hours))
    assert sample.rv is not None and sample.rv[100] == pytest.approx(rv, rel=1e-12)
    assert np.all(np.diff(sample.times) >= 86400)


def test_the_live_cache_recomputes_only_when_its_inputs_change(shared_data: Path) -> None:
    from datetime import UTC, datetime

    from core.risk.forecast.live import ForecastCache
    from core.risk.settings import RiskConfig

    closes = {
        s: [(datetime.fromtimestamp(t, UTC), c) for t, c in read_ftx(shared_data, f)]
        for s, f in (("BTC", "BTC-PERP"), ("ETH", "ETH-PERP"))
    }
    config = RiskConfig()
    cache = ForecastCache()
    first = cache.view(closes, {"BTC": 0.6, "ETH": 0.4}, config)
    assert first is not None and first.model == "garch-t" and first.note is None
    assert cache.view(closes, {"BTC": 0.601, "ETH": 0.399}, config) is first
    moved = cache.view(closes, {"BTC": 0.7, "ETH": 0.3}, config)
    assert moved is not first and moved is not None
    assert moved.forecast["99"] != first.forecast["99"]
    short = {s: points[:100] for s, points in closes.items()}
    view = cache.view(short, {"BTC": 0.7, "ETH": 0.3}, config)
    assert view is not None and not view.forecast
    assert view.note == "garch-t: needs 252 days of portfolio returns, has 99"


def test_days_missing_from_the_whole_file_count_against_no_asset() -> None:
    rng = np.random.default_rng(3)
    days = 400
    closes = 100 * np.cumprod(1 + rng.normal(0, 0.03, (days, 2)), axis=0)
    closes[3::7] = np.nan  # a day missing for every asset each week: 2 returns of 7 lost
    closes[5::31, 1] = np.nan  # and some days of one asset only (6 % of its returns)
    times = np.arange(days, dtype=np.int64) * 86400 + 1_600_000_000 // 86400 * 86400
    history = PriceHistory(("A", "B"), times, closes)
    sample = daily_sample(history, {"A": 0.5, "B": 0.5})
    assert sample.symbols == ("A", "B")
    both = ~np.isnan(closes[1:] / closes[:-1]).any(axis=1)
    assert len(sample.returns) == int(both.sum())
    assert run_model(sample, "garch-t").var[0.99].shape == (len(sample.returns) - 250 + 1,)


def test_a_constant_portfolio_is_refused_with_one_line() -> None:
    from core.errors import DataError

    times = np.arange(100, dtype=np.int64) * 86400
    history = PriceHistory(("USDC",), times, np.ones((100, 1)))
    with pytest.raises(DataError, match=r"^the portfolio's returns are constant"):
        daily_sample(history, {"USDC": 1.0})
