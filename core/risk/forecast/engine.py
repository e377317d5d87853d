"""Run the forecast models on a daily sample, backtest them and build the typed reports.

Every model forecasts the same sample; :func:`compare` scores all of them on their common
forecast days so the table compares like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from core.errors import DataError
from core.risk.forecast.backtest import Backtest, backtest
from core.risk.forecast.daily import DailySample
from core.risk.forecast.ewma import DEFAULT_LAMBDA, DEFAULT_WARMUP, ewma_forecasts
from core.risk.forecast.garch import MIN_TRAIN, garch_forecasts
from core.risk.forecast.har import har_forecasts
from core.risk.forecast.quantreg import quantreg_forecasts
from core.risk.forecast.tails import Forecasts
from core.risk.forecast.views import (
    MODEL_NAMES,
    BacktestSummary,
    ForecastDay,
    ForecastModel,
    ForecastReport,
    ForecastView,
    TailForecast,
)

LEVELS: tuple[float, ...] = (0.95, 0.99)
PANE_DAYS = 250
"""Days of forecast against loss the risk pane's chart shows."""


def model_start(model: ForecastModel, warmup: int, train: int = MIN_TRAIN) -> int:
    """Index of the first forecast day of ``model``: EWMA forecasts after its ``warmup``
    returns, the fitted models after their first ``train`` returns."""
    return warmup if model == "ewma" else max(train, warmup)


def run_model(
    sample: DailySample,
    model: ForecastModel,
    levels: Sequence[float] = LEVELS,
    *,
    lam: float = DEFAULT_LAMBDA,
    warmup: int = DEFAULT_WARMUP,
    train: int = MIN_TRAIN,
    start: int | None = None,
) -> Forecasts:
    """Out-of-sample forecasts of ``model``; ``start`` overrides the first forecast day."""
    for b in levels:
        if not 0.5 < b < 1:
            raise DataError(f"level must be between 0.5 and 1, not {b}")
    r = sample.returns
    if model == "ewma":
        f = ewma_forecasts(r, levels, lam=lam, warmup=warmup)
        return f if start is None else _cut(f, start)
    first = model_start(model, warmup, train) if start is None else start
    if model == "har":
        return har_forecasts(r, sample.rv, levels, start=first)
    if model == "qr":
        return quantreg_forecasts(r, sample.rv, levels, start=first)
    if model in ("garch", "garch-t", "fhs"):
        return garch_forecasts(
            r,
            levels,
            innovations="t" if model == "garch-t" else "normal",
            filtered=model == "fhs",
            start=first,
        )
    raise DataError(f"unknown model {model!r}; models are {', '.join(MODEL_NAMES)}")


def _cut(f: Forecasts, start: int) -> Forecasts:
    """``f`` from row ``start`` on (``start >= f.start``)."""
    k = start - f.start
    return Forecasts(
        f.model,
        start,
        f.sigma[k:],
        {b: v[k:] for b, v in f.var.items()},
        {b: v[k:] for b, v in f.es.items()},
    )


def evaluate(sample: DailySample, f: Forecasts, level: float) -> Backtest:
    """Backtest ``f`` at ``level`` on the sample's realised losses."""
    loss = -sample.returns[f.start :]
    return backtest(loss, f.var[level][:-1], f.es[level][:-1], f.sigma[:-1], level)


def summary(sample: DailySample, f: Forecasts, level: float) -> BacktestSummary:
    bt = evaluate(sample, f, level)
    return BacktestSummary(
        model=_name(f.model),
        level=level,
        n_forecasts=bt.n,
        exceedances=bt.exceedances,
        exceedance_rate=bt.rate,
        kupiec_lr=bt.kupiec_lr,
        kupiec_p=bt.kupiec_p,
        christoffersen_ind_lr=bt.christoffersen_ind_lr,
        christoffersen_ind_p=bt.christoffersen_ind_p,
        christoffersen_cc_lr=bt.christoffersen_cc_lr,
        christoffersen_cc_p=bt.christoffersen_cc_p,
        mcneil_frey_t=bt.mcneil_frey_t,
        mcneil_frey_p=bt.mcneil_frey_p,
        acerbi_szekely_z2=bt.acerbi_szekely_z2,
        quantile_loss=bt.quantile_loss,
        zone=bt.zone,
        zone_days=bt.zone_days,
        zone_exceedances=bt.zone_exceedances,
        forecast=TailForecast(var=float(f.var[level][-1]), es=float(f.es[level][-1])),
    )


def _name(model: str) -> ForecastModel:
    for name in MODEL_NAMES:
        if name == model:
            return name
    raise DataError(f"unknown model {model!r}")


def _day(stamp: int | np.integer) -> datetime:
    return datetime.fromtimestamp(int(stamp), tz=UTC)


def forecast_report(sample: DailySample, f: Forecasts, level: float) -> ForecastReport:
    """The ``cockpit risk forecast --json`` document of ``f`` at ``level``."""
    s = summary(sample, f, level)
    loss = -sample.returns[f.start :]
    series = tuple(
        (_day(t).date(), float(v), float(x))
        for t, v, x in zip(sample.times[f.start :], f.var[level][:-1], loss, strict=True)
    )
    return ForecastReport(
        model=s.model,
        level=level,
        n_forecasts=s.n_forecasts,
        exceedances=s.exceedances,
        kupiec_lr=s.kupiec_lr,
        kupiec_p=s.kupiec_p,
        christoffersen_ind_lr=s.christoffersen_ind_lr,
        christoffersen_ind_p=s.christoffersen_ind_p,
        christoffersen_cc_lr=s.christoffersen_cc_lr,
        christoffersen_cc_p=s.christoffersen_cc_p,
        zone=s.zone,
        forecast=s.forecast,
        series=series,
    )


def compare(
    sample: DailySample,
    levels: Sequence[float] = LEVELS,
    *,
    lam: float = DEFAULT_LAMBDA,
    warmup: int = DEFAULT_WARMUP,
    train: int = MIN_TRAIN,
    models: Sequence[ForecastModel] = MODEL_NAMES,
) -> list[BacktestSummary]:
    """Every model backtested on the same days (the latest first forecast day of them all)."""
    start = max(model_start(m, warmup, train) for m in models)
    out: list[BacktestSummary] = []
    for model in models:
        f = run_model(sample, model, levels, lam=lam, warmup=warmup, start=start)
        out += [summary(sample, f, b) for b in levels]
    return out


def forecast_view(
    sample: DailySample,
    model: ForecastModel,
    *,
    lam: float = DEFAULT_LAMBDA,
    warmup: int = DEFAULT_WARMUP,
) -> ForecastView:
    """The risk pane's forecast of ``model`` at 95 and 99 %, or a note why there is none."""
    need = model_start(model, warmup) + 2
    if sample.returns.shape[0] < need:
        return ForecastView(
            model=model,
            forecast={},
            backtests={},
            days=(),
            note=f"{model}: needs {need} days of portfolio returns, has {sample.returns.shape[0]}",
        )
    f = run_model(sample, model, LEVELS, lam=lam, warmup=warmup)
    keys = {b: f"{b * 100:g}" for b in LEVELS}
    loss = -sample.returns[f.start :]
    tail = slice(-PANE_DAYS, None)
    days = tuple(
        ForecastDay(day=_day(t).date(), var_95=float(a), var_99=float(b), loss=float(x))
        for t, a, b, x in zip(
            sample.times[f.start :][tail],
            f.var[0.95][:-1][tail],
            f.var[0.99][:-1][tail],
            loss[tail],
            strict=True,
        )
    )
    backtests = {keys[b]: summary(sample, f, b) for b in LEVELS}
    return ForecastView(
        model=model,
        forecast={k: s.forecast for k, s in backtests.items()},
        backtests=backtests,
        days=days,
    )
