"""The full risk report of a portfolio, from a price history and current weights.

:func:`compute_report` is the one entry point for figures (the CLI, the bench and the live pane
all use it); :func:`assess` adds the limit gauges and is what the core service calls with the
per-asset close series it keeps. Both are pure: the same inputs give the same report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

import numpy as np

from core.models import Model
from core.risk import metrics as m
from core.risk.groups import group_of
from core.risk.history import (
    DAY,
    FloatArray,
    PriceHistory,
    ReturnSample,
    SeriesLike,
    build_sample,
    normalise_weights,
    to_datetime,
)
from core.risk.limits import evaluate_limits
from core.risk.models import (
    AssetRisk,
    Conventions,
    Correlation,
    CoverageSummary,
    DrawdownInfo,
    LimitsReport,
    RiskContribution,
    RiskReport,
    TailMoments,
    TailTable,
)
from core.risk.settings import RiskConfig
from core.risk.stress import run_stress

CONFIDENCE_LEVELS: tuple[float, ...] = (0.95, 0.99)
"""VaR/CVaR levels; the report keys them ``"95"`` and ``"99"``."""


def _f(x: float | np.floating) -> float | None:
    """A finite float, or None for NaN/inf (JSON has no NaN)."""
    value = float(x)
    return value if math.isfinite(value) else None


def _level_key(level: float) -> str:
    return f"{level * 100:g}"


def window_periods(window_days: int, bar_seconds: int) -> int:
    """Return periods in a window of ``window_days`` days of ``bar_seconds`` bars."""
    return max(1, round(window_days * DAY / bar_seconds))


def _tails(port: FloatArray) -> tuple[TailTable, TailTable, TailMoments]:
    n = port.shape[0]
    empty: dict[str, float | None] = {_level_key(b): None for b in CONFIDENCE_LEVELS}
    if n < 2:
        var: TailTable = {k: dict(empty) for k in ("historical", "gaussian", "cornish_fisher")}
        cvar: TailTable = {k: dict(empty) for k in ("historical", "gaussian", "cornish_fisher")}
        return var, cvar, TailMoments(skew=None, excess_kurtosis=None, cornish_fisher_valid=False)
    ordered = np.sort(port)
    mean, std = float(port.mean()), float(port.std(ddof=1))
    skew, kurt = m.moments(port)
    var = {"historical": {}, "gaussian": {}, "cornish_fisher": {}}
    cvar = {"historical": {}, "gaussian": {}, "cornish_fisher": {}}
    for b in CONFIDENCE_LEVELS:
        key = _level_key(b)
        var["historical"][key] = _f(m.historical_var(ordered, b))
        cvar["historical"][key] = _f(m.historical_cvar(ordered, b))
        var["gaussian"][key] = _f(m.gaussian_var(mean, std, b))
        cvar["gaussian"][key] = _f(m.gaussian_cvar(mean, std, b))
        var["cornish_fisher"][key] = _f(m.cornish_fisher_var(mean, std, skew, kurt, b))
        cvar["cornish_fisher"][key] = _f(m.cornish_fisher_cvar(mean, std, skew, kurt, b))
    moments = TailMoments(
        skew=_f(skew),
        excess_kurtosis=_f(kurt),
        cornish_fisher_valid=m.cornish_fisher_valid(skew, kurt),
    )
    return var, cvar, moments


def _drawdown_info(
    port: FloatArray, sample: ReturnSample, bar: int, include_series: bool
) -> DrawdownInfo:
    if port.shape[0] == 0:
        return DrawdownInfo(max_drawdown=None, peak=None, trough=None, recovery=None, current=None)
    dd = m.drawdowns(port)
    peak, trough, recovery = m.drawdown_dates(port)
    times = sample.times

    def at(i: int) -> int:
        return int(times[i]) if i >= 0 else int(times[0]) - bar

    deepest = float(dd.max())
    return DrawdownInfo(
        max_drawdown=deepest,
        peak=to_datetime(at(peak)) if deepest > 0 else None,
        trough=to_datetime(at(trough)) if deepest > 0 else None,
        recovery=to_datetime(at(recovery)) if recovery is not None else None,
        current=float(dd[-1]),
        series=tuple(dd.tolist()) if include_series else (),
    )


def compute_report(
    history: PriceHistory,
    weights: Mapping[str, float | Decimal],
    groups: Mapping[str, str] | None = None,
    config: RiskConfig | None = None,
    *,
    window_days: int | None = None,
    include_series: bool = True,
) -> RiskReport:
    """Every figure of the risk report for ``weights`` held over ``history``.

    ``weights`` are rescaled to sum to 1; ``groups`` maps symbols to the 11 groups (see
    :mod:`core.risk.groups` for symbols it lacks). ``window_days`` overrides
    ``config.window_days``. The conventions are in the report's ``conventions`` field.
    """
    config = config or RiskConfig()
    w_all = normalise_weights(weights)
    resolved = {s: group_of(s, groups) for s in (*history.symbols, *w_all)}
    ann = history.periods_per_year
    ann_out: int | float = int(ann) if ann.is_integer() else ann
    rf = m.per_period_rate(config.risk_free_rate, ann)
    periods = window_periods(window_days or config.window_days, history.bar_seconds)
    sample = build_sample(
        history,
        w_all,
        window_periods=periods,
        min_coverage=config.min_coverage,
        benchmark=config.benchmark,
    )
    rets, w = sample.returns, sample.weights
    n, k = rets.shape
    port = rets @ w if k else np.zeros(n)
    p2 = port[:, None]

    vol = _f(m.volatility(p2, ann)[0]) if k else None
    growth = _f(m.cagr(p2, ann)[0]) if k and n else None
    mdd = _f(m.max_drawdown(p2)[0]) if k and n else None
    calmar = None
    calmar_label = "full window"
    if config.calmar_months is not None:
        calmar_label = f"{config.calmar_months} months"
        span = round(config.calmar_months / 12 * ann)
        if k and n >= span:
            tail = p2[-span:]
            calmar = _f(m.calmar(float(m.cagr(tail, ann)[0]), float(m.max_drawdown(tail)[0])))
    elif growth is not None and mdd is not None:
        calmar = _f(m.calmar(growth, mdd))
    var, cvar, moments = _tails(port if k else np.zeros(0))

    bench = sample.benchmark
    beta_p = _f(m.betas(p2, bench)[0]) if bench is not None and k and n > 1 else None
    asset_beta = m.betas(rets, bench) if bench is not None and n > 1 else np.full(k, np.nan)

    if n > 1 and k:
        cov, _ = m.covariance(rets)
        corr = m.correlation_from_covariance(cov)
        pca = m.pca_explained_variance_ratio(corr)
        rc = m.risk_contributions(w, cov)
        asset_vol = np.sqrt(np.diag(cov)) * math.sqrt(ann)
        dr = _f(m.diversification_ratio(w, asset_vol, vol or 0.0))
        asset_cagr = m.cagr(rets, ann)
        asset_sharpe = m.sharpe(rets, ann, rf)
        asset_mdd = m.max_drawdown(rets)
    else:
        corr = np.full((k, k), np.nan)
        pca = np.zeros(0)
        rc = asset_vol = asset_cagr = asset_sharpe = asset_mdd = np.full(k, np.nan)
        dr = None

    index = {s: i for i, s in enumerate(sample.symbols)}
    asset_rows: list[AssetRisk] = []
    for a in sample.assets:
        i = index.get(a.symbol)
        figures = {}
        if i is not None:
            figures = {
                "volatility": _f(asset_vol[i]),
                "cagr": _f(asset_cagr[i]),
                "sharpe": _f(asset_sharpe[i]),
                "max_drawdown": _f(asset_mdd[i]),
                "beta_btc": _f(asset_beta[i]),
                "risk_contribution": _f(rc[i]),
            }
        asset_rows.append(
            AssetRisk(
                symbol=a.symbol,
                group=resolved[a.symbol],
                weight=a.weight,
                observations=a.observations,
                coverage=a.coverage,
                first=to_datetime(a.first) if a.first is not None else None,
                last=to_datetime(a.last) if a.last is not None else None,
                included=a.included,
                note=a.note,
                **figures,
            )
        )
    rc_assets = {s: float(rc[i]) for s, i in index.items() if math.isfinite(rc[i])}
    rc_groups: dict[str, float] = {}
    for s, value in rc_assets.items():
        rc_groups[resolved[s]] = rc_groups.get(resolved[s], 0.0) + value

    held = np.array([v for v in w_all.values() if v > 0])
    return RiskReport.model_construct(
        n_observations=n,
        annualization=ann_out,
        volatility=vol,
        cagr=growth,
        sharpe=_f(m.sharpe(p2, ann, rf)[0]) if k else None,
        sortino=_f(m.sortino(p2, ann, config.sortino_target)[0]) if k else None,
        calmar=calmar,
        max_drawdown=mdd,
        var=var,
        cvar=cvar,
        beta_btc=beta_p,
        # built without re-validating a million floats: every value is a finite float or None
        correlation=Correlation.model_construct(
            symbols=sample.symbols,
            matrix=tuple(tuple(_f(x) for x in row) for row in corr.tolist())
            if np.isnan(corr).any()
            else tuple(map(tuple, corr.tolist())),
        ),
        pca_explained_variance_ratio=tuple(pca.tolist()),
        effective_assets=_f(m.effective_assets(held)),
        risk_contribution=RiskContribution(assets=rc_assets, groups=rc_groups),
        stress=run_stress(history, w_all, resolved, config.scenarios),
        diversification_ratio=dr,
        tail_moments=moments,
        drawdown=_drawdown_info(
            port if k else np.zeros(0), sample, history.bar_seconds, include_series
        ),
        coverage=CoverageSummary(
            window_periods=sample.window_periods,
            window_start=to_datetime(sample.window_start) if sample.window_start else None,
            window_end=to_datetime(sample.window_end) if sample.window_end else None,
            n_observations=n,
            dropped_periods=sample.window_periods - n,
            covered_weight=sample.covered_weight,
            excluded=tuple(a.symbol for a in sample.assets if a.weight > 0 and not a.included),
        ),
        assets=tuple(asset_rows),
        conventions=Conventions(
            bar=history.bar,
            annualization=ann_out,
            risk_free_annual=config.risk_free_rate,
            risk_free_per_period=rf,
            sortino_target=config.sortino_target,
            confidence_levels=CONFIDENCE_LEVELS,
            calmar_window=calmar_label,
            benchmark=sample.benchmark_symbol,
            min_coverage=config.min_coverage,
        ),
    )


class RiskAssessment(Model):
    """What the live risk pane shows: the report and the limit gauges."""

    report: RiskReport
    limits: LimitsReport


def assess(
    closes: Mapping[str, SeriesLike],
    weights: Mapping[str, float | Decimal],
    groups: Mapping[str, str] | None = None,
    config: RiskConfig | None = None,
    *,
    bar_seconds: int = DAY,
) -> RiskAssessment:
    """Report and limits from per-asset close series, current weights and the group map.

    ``closes`` maps each symbol to its UTC closes (``{datetime: close}`` or ``(time, close)``
    pairs, Decimal or float); symbols in ``weights`` without a series are reported as having
    no history and are still covered by the hypothetical stress scenarios. Call it off the UI
    thread (``asyncio.to_thread``): it is CPU-bound numpy work.
    """
    config = config or RiskConfig()
    history = PriceHistory.from_series(closes, bar_seconds=bar_seconds)
    report = compute_report(history, weights, groups, config)
    return RiskAssessment(report=report, limits=evaluate_limits(report, config.limits))
