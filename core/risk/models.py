"""Frozen, JSON-serialisable results of the risk engine.

Every figure is a plain float (or ``None`` when it cannot be computed, e.g. too few
observations or zero variance), every loss measure is a *positive* fraction of portfolio value
and every stress result is *signed* (a gain is positive, a loss negative). The conventions the
figures follow travel with them in :class:`Conventions`, so a report read back from JSON still
says how it was computed.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import Field

from core.models import Model, UtcDatetime

TailMethod = Literal["historical", "gaussian", "cornish_fisher"]
TailTable = dict[TailMethod, dict[str, float | None]]
"""``{"historical"|"gaussian"|"cornish_fisher": {"95": x, "99": y}}``."""

CONVENTION_TEXT: tuple[str, ...] = (
    "simple returns r_t = P_t / P_{t-1} - 1 on UTC closes (daily or hourly bars)",
    "portfolio return = sum_i w_i r_i (constant weights, rebalanced each period)",
    "annualisation: periods per year (365 daily, 8760 hourly); volatility scales by sqrt",
    "sample standard deviation (ddof=1)",
    "risk-free: annual rate converted to per period geometrically, (1+rf)^(1/A) - 1",
    "Sharpe = mean(r - rf) / std(r - rf, ddof=1) * sqrt(A)",
    "Sortino = mean(r - T) * A / (sqrt(mean(min(r - T, 0)^2)) * sqrt(A)), T = target,"
    " mean over all periods",
    "drawdown: wealth compounded from 1.0 before the first return, positive fraction below"
    " the running peak",
    "CAGR = (prod(1 + r))^(A / n) - 1",
    "Calmar = CAGR / max drawdown over the same window",
    "VaR/CVaR: one period, positive fraction of portfolio value;"
    " historical VaR = order statistic -r_(floor((1-b) n)) (0-based ascending),"
    " CVaR = exact tail mean with the fractional boundary observation",
    "Gaussian VaR = -(mean + z_(1-b) std); Cornish-Fisher uses the moment skewness and excess"
    " kurtosis and is flagged outside the Maillard (2012) monotonic domain",
    "missing closes are never filled: a return needs both closes; periods where an included"
    " asset has no return are dropped for the whole portfolio",
    "assets below the coverage threshold are excluded from history-based figures; the"
    " remaining weights are rescaled to sum to 1 and covered_weight says how much that is",
)


class Conventions(Model):
    """How every figure in a report was computed (see ``core/risk/CONVENTIONS.md``)."""

    returns: Literal["simple"] = "simple"
    bar: str = Field(description="Bar length of the closes, e.g. '1d'.")
    annualization: int | float = Field(description="Periods per year: 365 daily, 8760 hourly.")
    ddof: int = 1
    risk_free_annual: float
    risk_free_per_period: float
    sortino_target: float
    confidence_levels: tuple[float, ...]
    calmar_window: str = Field(description="'full window' or e.g. '36 months'.")
    pca_on: Literal["correlation"] = "correlation"
    benchmark: str | None = Field(description="Symbol used for beta, or None if absent.")
    min_coverage: float = Field(description="Fraction of the window an asset must cover.")
    rules: tuple[str, ...] = CONVENTION_TEXT


class DrawdownInfo(Model):
    """The deepest drawdown of the portfolio in the window, with its dates."""

    max_drawdown: float | None = Field(description="Positive fraction below the peak.")
    peak: UtcDatetime | None = Field(description="Close time of the peak (window start if none).")
    trough: UtcDatetime | None
    recovery: UtcDatetime | None = Field(description="First close back at the peak, if any.")
    current: float | None = Field(description="Drawdown at the last close.")
    series: tuple[float, ...] = Field(default=(), description="Drawdown per period (sparkline).")


class TailMoments(Model):
    """Higher moments behind the Cornish-Fisher VaR and whether it can be trusted."""

    skew: float | None
    excess_kurtosis: float | None
    cornish_fisher_valid: bool = Field(
        description="False when (skew, kurtosis) leave the domain where the expansion is monotonic."
    )


class Correlation(Model):
    """Correlation matrix of the included assets, in ``symbols`` order."""

    symbols: tuple[str, ...]
    matrix: tuple[tuple[float | None, ...], ...] = Field(
        description="Row-major; None where an asset had zero variance."
    )


class RiskContribution(Model):
    """Share of portfolio variance per asset and per group (each sums to 1)."""

    assets: dict[str, float]
    groups: dict[str, float]


class AssetRisk(Model):
    """One asset: its weight, how much history it has and its own figures over the sample."""

    symbol: str
    group: str
    weight: float = Field(description="Weight in the whole portfolio (all weights sum to 1).")
    observations: int = Field(description="Returns available inside the window.")
    coverage: float = Field(description="observations / window periods.")
    first: UtcDatetime | None = Field(description="First close available in the window.")
    last: UtcDatetime | None
    included: bool = Field(description="Used in history-based figures.")
    note: str | None = Field(default=None, description="Why an asset was excluded.")
    volatility: float | None = None
    cagr: float | None = None
    sharpe: float | None = None
    max_drawdown: float | None = None
    beta_btc: float | None = None
    risk_contribution: float | None = None


class AssetHistory(Model):
    """The stored price history of one held asset."""

    symbol: str
    days: int = Field(description="Daily closes stored.")
    first: date | None = None
    last: date | None = None
    source: str | None = Field(
        default=None, description="Where the closes come from ('import', 'ohlcv:kraken', 'sim')."
    )


class CoverageSummary(Model):
    """How much of the portfolio and of the window the history-based figures stand on."""

    window_periods: int = Field(description="Return periods in the requested window.")
    window_start: UtcDatetime | None = Field(description="Close time before the first return.")
    window_end: UtcDatetime | None
    n_observations: int = Field(description="Periods every included asset has a return for.")
    dropped_periods: int = Field(description="Window periods dropped for a missing return.")
    covered_weight: float = Field(description="Weight of the included assets, 0..1.")
    excluded: tuple[str, ...] = Field(description="Held assets left out of history figures.")
    history: tuple[AssetHistory, ...] = Field(
        default=(),
        description="Per held asset: the daily closes stored for it (days, first and last "
        "date, source), whatever the window; filled where the report is built from a "
        "portfolio (the risk pane, `cockpit risk --db`).",
    )


StressKind = Literal["historical", "hypothetical", "user"]


class StressResult(Model):
    """One stress scenario applied to the current weights. Returns are signed (+ gain)."""

    name: str
    kind: StressKind
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None
    description: str = ""
    portfolio_return: float | None = Field(
        description="Signed fractional change of portfolio value; None if nothing is covered."
    )
    covered_weight: float = Field(description="Weight repriced from its own history or shock.")
    proxied_weight: float = Field(
        default=0.0, description="Weight without history, repriced by its group's proxy."
    )
    uncovered_weight: float = Field(default=0.0, description="Weight left out entirely.")
    group_contributions: dict[str, float] = Field(
        default_factory=dict, description="Signed contribution of each group to the return."
    )
    proxied: tuple[str, ...] = ()
    uncovered: tuple[str, ...] = ()


class RiskReport(Model):
    """The full risk report of a portfolio. Field names are the ``--json`` keys."""

    n_observations: int
    annualization: int | float = Field(description="Periods per year: 365 daily, 8760 hourly.")
    volatility: float | None
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float | None
    var: TailTable
    cvar: TailTable
    beta_btc: float | None
    correlation: Correlation
    pca_explained_variance_ratio: tuple[float, ...]
    effective_assets: float | None
    risk_contribution: RiskContribution
    stress: tuple[StressResult, ...]
    diversification_ratio: float | None
    tail_moments: TailMoments
    drawdown: DrawdownInfo
    coverage: CoverageSummary
    assets: tuple[AssetRisk, ...]
    conventions: Conventions

    def to_json_dict(self, *, include_series: bool = False) -> dict[str, Any]:
        """The ``cockpit risk --json`` document as a dict (see :meth:`to_json`)."""
        result: dict[str, Any] = json.loads(self.to_json(include_series=include_series))
        return result

    def to_json(self, *, include_series: bool = False, indent: int | None = None) -> str:
        """The ``cockpit risk --json`` document: the issue's keys first, then the extras.

        NaN never appears (undefined figures are ``null``); the drawdown series (one value
        per period, for the sparkline) is left out unless asked for.
        """
        exclude: dict[str, Any] | None = None if include_series else {"drawdown": {"series"}}
        return self.model_dump_json(exclude=exclude, indent=indent)


GaugeStatus = Literal["ok", "warn", "breach", "unknown"]


class LimitGauge(Model):
    """One risk limit as a gauge: value, limit and how close the value is to it."""

    key: str = Field(description="Stable id, e.g. 'max_var_95' or 'max_group_weight:BTC'.")
    label: str
    value: float | None
    limit: float
    kind: Literal["max", "min"] = Field(description="'max': value must stay at or below.")
    utilization: float | None = Field(description="value/limit for max, limit/value for min.")
    status: GaugeStatus


class LimitBreach(Model):
    """A limit the portfolio is over: what the UI alerts on and the execution log records."""

    key: str
    message: str
    value: float
    limit: float


class LimitsReport(Model):
    """Every configured limit as a gauge, and the breached ones."""

    gauges: tuple[LimitGauge, ...]
    breaches: tuple[LimitBreach, ...]

    @property
    def breached(self) -> bool:
        return bool(self.breaches)
