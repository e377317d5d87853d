"""The risk pane's forecast from the core's close series, cached between recomputations.

The core recomputes risk every few seconds with live weights; a forecast backtest refits
GARCH every 20 days of history (a few tenths of a second in all), so it is rebuilt only when
the history (its last day and length), the model or the weights (to a percentage point; live
prices move them every tick) change. Runs in a worker thread of the core, beside ``assess``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from core.errors import DataError
from core.risk.forecast.daily import daily_sample
from core.risk.forecast.engine import forecast_view
from core.risk.forecast.views import ForecastView
from core.risk.history import PriceHistory
from core.risk.settings import RiskConfig


class ForecastCache:
    """Remembers the last forecast view and the inputs it was computed from."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._view: ForecastView | None = None

    def view(
        self,
        closes: Mapping[str, Sequence[tuple[datetime, float]]],
        weights: Mapping[str, float],
        config: RiskConfig,
    ) -> ForecastView | None:
        """The forecast view of the portfolio, or None when nothing can be forecast."""
        key = (
            config.forecast,
            config.min_coverage,
            tuple(sorted((a, round(w, 2)) for a, w in weights.items())),
            tuple(sorted((a, len(s), s[-1][0] if s else None) for a, s in closes.items())),
        )
        if key != self._key:
            self._key, self._view = key, _compute(closes, weights, config)
        return self._view


def _compute(
    closes: Mapping[str, Sequence[tuple[datetime, float]]],
    weights: Mapping[str, float],
    config: RiskConfig,
) -> ForecastView | None:
    f = config.forecast
    try:
        sample = daily_sample(PriceHistory.from_series(closes), weights, config.min_coverage)
        return forecast_view(sample, f.model, lam=f.ewma_lambda, warmup=f.warmup)
    except DataError as exc:
        return ForecastView(model=f.model, forecast={}, backtests={}, days=(), note=str(exc))
