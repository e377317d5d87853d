"""Typed answers of the forecast engine: the ``--json`` document and the risk pane's view.

Pydantic only (no numpy), so clients of the core can import them cheaply.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from core.models import Model

ForecastModel = Literal["ewma", "garch", "garch-t", "fhs", "har", "qr"]
MODEL_NAMES: tuple[ForecastModel, ...] = ("ewma", "garch", "garch-t", "fhs", "har", "qr")
Zone = Literal["green", "yellow", "red"]


class TailForecast(Model):
    """Next day's VaR and ES, positive fractions of portfolio value."""

    var: float
    es: float


class BacktestSummary(Model):
    """Out-of-sample backtest of one model at one level (``core/risk/forecast/backtest.py``)."""

    model: ForecastModel
    level: float
    n_forecasts: int
    exceedances: int
    exceedance_rate: float
    kupiec_lr: float
    kupiec_p: float
    christoffersen_ind_lr: float
    christoffersen_ind_p: float
    christoffersen_cc_lr: float
    christoffersen_cc_p: float
    mcneil_frey_t: float | None
    mcneil_frey_p: float | None
    """One-sided p of the ES test; None with fewer than two exceedances."""
    acerbi_szekely_z2: float
    quantile_loss: float
    """Mean tick loss of the VaR forecast (lower is better)."""
    zone: Zone
    zone_days: int
    zone_exceedances: int
    forecast: TailForecast


class ForecastReport(Model):
    """``cockpit risk forecast --json``: exactly the keys issue 15 lists, in its order."""

    model: ForecastModel
    level: float
    n_forecasts: int
    exceedances: int
    kupiec_lr: float
    kupiec_p: float
    christoffersen_ind_lr: float
    christoffersen_ind_p: float
    christoffersen_cc_lr: float
    christoffersen_cc_p: float
    zone: Zone
    forecast: TailForecast
    series: tuple[tuple[date, float, float], ...]
    """``[date, VaR forecast, realised loss]`` per forecast day, oldest first."""


class ForecastDay(Model):
    """One day of the risk pane's chart: the forecasts and the realised loss."""

    day: date
    var_95: float
    var_99: float
    loss: float


class ForecastView(Model):
    """The risk pane's forecast: tomorrow's VaR/ES, the backtests and the recent days."""

    model: ForecastModel
    forecast: dict[str, TailForecast]
    """Level key (``"95"``, ``"99"``) -> next day's VaR and ES."""
    backtests: dict[str, BacktestSummary]
    days: tuple[ForecastDay, ...]
    """The last days of the backtest, oldest first (the chart)."""
    note: str | None = None
    """Why there is no forecast (too little history), when there is none."""
