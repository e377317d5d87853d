"""Configuration sections of the risk engine: the window, stress scenarios and limits.

They live here, not in :mod:`core.config`, so the settings root only lists them; every field is
documented because ``config.yaml`` is generated from these descriptions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from core.config_base import GROUPS, Section


class StressScenarioConfig(Section):
    """A user-defined stress scenario: an instantaneous move per group and/or per asset.

    Moves are signed fractions of price: ``-0.4`` loses 40 %, ``0.25`` gains 25 %. An asset's
    own move wins over its group's; ``default_shock`` applies to assets with neither, and
    without it such assets are left out of the scenario and reported as uncovered.
    """

    name: str = Field(min_length=1, description="Shown in the stress table.")
    description: str = Field(default="", description="One line explaining the scenario.")
    group_shocks: dict[str, float] = Field(
        default_factory=dict, description="Group -> signed move, e.g. {'Memecoins': -0.7}."
    )
    asset_shocks: dict[str, float] = Field(
        default_factory=dict, description="Symbol -> signed move; overrides the group's."
    )
    default_shock: float | None = Field(
        default=None, ge=-1, description="Move of assets with neither an asset nor group move."
    )

    @model_validator(mode="after")
    def _check_shocks(self) -> StressScenarioConfig:
        unknown = [g for g in self.group_shocks if g not in GROUPS]
        if unknown:
            raise ValueError(f"unknown group(s) {unknown}; groups are {list(GROUPS)}")
        shocks = {**self.group_shocks, **self.asset_shocks}
        bad = sorted(k for k, v in shocks.items() if not (-1.0 <= v < float("inf")))
        if bad:
            raise ValueError(f"shocks must be finite and >= -1 (a total loss): {bad}")
        return self


class RiskLimitsConfig(Section):
    """Risk limits shown as gauges; a breach raises an alert. ``null`` disables a limit.

    VaR and CVaR limits are one-day historical figures, as positive fractions of portfolio
    value; weights are fractions of the whole portfolio.
    """

    max_var_95: float | None = Field(default=0.08, gt=0, description="Max 1-day 95 % VaR.")
    max_cvar_95: float | None = Field(default=0.12, gt=0, description="Max 1-day 95 % CVaR.")
    max_volatility: float | None = Field(
        default=1.0, gt=0, description="Max annualised volatility (1.0 = 100 %)."
    )
    max_drawdown: float | None = Field(
        default=0.6, gt=0, le=1, description="Max drawdown over the risk window."
    )
    max_asset_weight: float | None = Field(
        default=0.5, gt=0, le=1, description="Max weight of any single asset."
    )
    max_group_weight: float | None = Field(
        default=0.6, gt=0, le=1, description="Max weight of any group without its own cap."
    )
    group_weight_caps: dict[str, float] = Field(
        default_factory=lambda: {"Memecoins": 0.1},
        description="Group -> max weight, overriding max_group_weight for that group.",
    )
    min_effective_assets: float | None = Field(
        default=2.0, ge=1, description="Min effective number of assets, 1 / sum(w^2)."
    )
    max_stress_loss: float | None = Field(
        default=0.7, gt=0, le=1, description="Max loss in any stress scenario."
    )
    warn_at: float = Field(
        default=0.8, gt=0, le=1, description="Gauges turn to 'warn' at this share of a limit."
    )

    @model_validator(mode="after")
    def _check_caps(self) -> RiskLimitsConfig:
        unknown = [g for g in self.group_weight_caps if g not in GROUPS]
        if unknown:
            raise ValueError(f"unknown group(s) {unknown}; groups are {list(GROUPS)}")
        bad = sorted(g for g, v in self.group_weight_caps.items() if not 0 < v <= 1)
        if bad:
            raise ValueError(f"group caps must be in (0, 1]: {bad}")
        return self


class RiskForecastConfig(Section):
    """The risk pane's forecast VaR/ES model (``cockpit risk forecast`` compares them all)."""

    model: Literal["ewma", "garch", "garch-t", "fhs", "har", "qr"] = Field(
        default="garch-t",
        description="Forecast model: ewma, garch, garch-t, fhs, har or qr (garch-t won the "
        "out-of-sample comparison in the README).",
    )
    ewma_lambda: float = Field(default=0.94, gt=0, lt=1, description="EWMA decay.")
    warmup: int = Field(default=30, ge=1, description="Returns that seed the EWMA variance.")


class RiskConfig(Section):
    """How risk figures are computed, the limits they are held to and extra stress scenarios."""

    window_days: int = Field(default=365, ge=30, description="History window for risk figures.")
    recompute_s: float = Field(default=5.0, gt=0, description="Seconds between recomputations.")
    risk_free_rate: float = Field(
        default=0.0, gt=-1, description="Annual risk-free rate; per period geometrically."
    )
    sortino_target: float = Field(
        default=0.0, description="Per-period target return of the Sortino ratio."
    )
    min_coverage: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="Share of the window an asset needs to enter history-based figures.",
    )
    calmar_months: int | None = Field(
        default=None,
        ge=1,
        description="Calmar over the last N months (36 is common); null = the full window.",
    )
    benchmark: str = Field(default="BTC", min_length=1, description="Symbol beta is taken to.")
    limits: RiskLimitsConfig = Field(default_factory=RiskLimitsConfig)
    forecast: RiskForecastConfig = Field(default_factory=RiskForecastConfig)
    scenarios: tuple[StressScenarioConfig, ...] = Field(
        default=(), description="User-defined stress scenarios, after the built-in ones."
    )

    @model_validator(mode="after")
    def _check_scenarios(self) -> RiskConfig:
        names = [s.name for s in self.scenarios]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate scenario name(s): {dupes}")
        return self
