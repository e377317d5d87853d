"""Strategies: turn a preset, the current weights and history into targets (and act or hold).

Each strategy returns a :class:`StrategyResult`: validated :class:`Targets` and, when the
strategy decides not to trade now, a ``hold_reason`` that the plan shows instead of orders.

- ``fixed``: the configured targets, always act.
- ``threshold``: the configured targets, act only when a group has left its band.
- ``calendar``: the configured targets, act when the schedule says a rebalance is due.
- ``regime``: the configured targets shifted by the current BTC regime's amounts.
- ``optimiser``: per-asset weights from an optimiser on recorded closes, summed into groups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from core.config import GROUPS, TargetsConfig
from core.errors import ConfigError, ConfigProblem, DataError
from core.plan.covariance import ledoit_wolf, mean_returns, simple_returns
from core.plan.regime import detect_regime
from core.plan.spec import (
    CalendarPreset,
    FixedPreset,
    OptimiserPreset,
    RegimePreset,
    ThresholdPreset,
)
from core.plan.targets import Targets

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class StrategyResult:
    """Targets to plan against, and why not to act now (``None``: act)."""

    name: str
    targets: Targets
    hold_reason: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MarketContext:
    """What strategies may look at; everything optional, each strategy says what it needs."""

    now: datetime
    group_weights: Mapping[str, Decimal] = field(default_factory=dict)
    """Current weight of each group, percent."""
    last_rebalance: datetime | None = None
    btc_closes: Sequence[float] = ()
    closes: Mapping[str, Sequence[float]] = field(default_factory=dict)
    """Asset -> daily closes, oldest first, for the optimiser."""
    asset_groups: Mapping[str, str] = field(default_factory=dict)
    asset_weights: Mapping[str, float] = field(default_factory=dict)
    """Current weight of each asset (fractions), for the turnover penalty."""


def run_strategy(config: TargetsConfig, name: str | None, ctx: MarketContext) -> StrategyResult:
    """Run the preset ``name`` (default: ``config.strategy``)."""
    name = name or config.strategy
    preset = config.presets.get(name)
    if preset is None:
        problem = ConfigProblem(
            "strategy", f"unknown preset {name!r} ({', '.join(config.presets)})"
        )
        raise ConfigError("targets", [problem])
    base = Targets.from_config(config)
    if isinstance(preset, FixedPreset):
        return StrategyResult(name, base)
    if isinstance(preset, ThresholdPreset):
        return _threshold(name, base, ctx)
    if isinstance(preset, CalendarPreset):
        return _calendar(name, base, preset, ctx)
    if isinstance(preset, RegimePreset):
        return _regime(name, base, preset, ctx)
    return _optimised(name, base, preset, ctx)


def _threshold(name: str, base: Targets, ctx: MarketContext) -> StrategyResult:
    out = [g for g in GROUPS if not base.in_band(g, ctx.group_weights.get(g, Decimal(0)))]
    if out:
        return StrategyResult(name, base, notes=(f"out of band: {', '.join(out)}",))
    return StrategyResult(name, base, hold_reason="all groups are within their bands")


def next_due(last: datetime, every: str) -> datetime:
    """When a calendar rebalance is next due after one done at ``last`` (UTC day starts)."""
    day = last.replace(hour=0, minute=0, second=0, microsecond=0)
    if every == "daily":
        return day + timedelta(days=1)
    if every == "weekly":
        return day + timedelta(days=7 - day.weekday())
    months = 1 if every == "monthly" else 3
    month0 = day.month - 1 + months
    if every == "quarterly":
        month0 = (day.month - 1) // 3 * 3 + 3
    return day.replace(year=day.year + month0 // 12, month=month0 % 12 + 1, day=1)


def _calendar(
    name: str, base: Targets, preset: CalendarPreset, ctx: MarketContext
) -> StrategyResult:
    if ctx.last_rebalance is None:
        return StrategyResult(name, base, notes=("no rebalance recorded: due now",))
    due = next_due(ctx.last_rebalance, preset.every)
    if ctx.now >= due:
        return StrategyResult(name, base, notes=(f"{preset.every} rebalance due since {due:%F}",))
    return StrategyResult(name, base, hold_reason=f"next {preset.every} rebalance due {due:%F}")


def _regime(name: str, base: Targets, preset: RegimePreset, ctx: MarketContext) -> StrategyResult:
    regime = detect_regime(ctx.btc_closes, preset)
    shift = preset.shifts.get(regime.name, {})
    shifted = {g: max(Decimal(0), base.groups[g] + shift.get(g, Decimal(0))) for g in GROUPS}
    note = (
        f"regime {regime.name}: BTC vs {preset.trend_days}-day MA "
        f"{regime.moving_average:,.0f}, {preset.vol_days}-day vol "
        f"{regime.realised_vol_pct:.0f}%; shifts {dict(shift) or 'none'}"
    )
    return StrategyResult(name, base.with_groups(_to_hundred(shifted)), notes=(note,))


def _to_hundred(weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Scale non-negative weights to sum exactly 100.00 (largest remainder on the biggest)."""
    total = sum(weights.values(), Decimal(0))
    if total <= 0:
        raise DataError("strategy produced no positive target")
    out = {k: (v * 100 / total).quantize(HUNDREDTH, ROUND_HALF_EVEN) for k, v in weights.items()}
    biggest = max(out, key=lambda k: (out[k], k))
    out[biggest] += Decimal(100) - sum(out.values(), Decimal(0))
    return out


def _optimised(
    name: str, base: Targets, preset: OptimiserPreset, ctx: MarketContext
) -> StrategyResult:
    window = preset.window_days + 1
    assets = sorted(a for a, c in ctx.closes.items() if len(c) >= window and a in ctx.asset_groups)
    if len(assets) < 2:
        raise DataError(
            f"optimiser preset {name!r} needs {window} daily closes for at least 2 classified "
            f"assets; {len(assets)} have them"
        )
    closes = np.array([list(ctx.closes[a])[-window:] for a in assets], dtype=np.float64).T
    previous = None
    if ctx.asset_weights and preset.turnover_penalty > 0:
        prev = np.array([ctx.asset_weights.get(a, 0.0) for a in assets])
        previous = prev / prev.sum() if prev.sum() > 0 else None
    w = optimiser_weights(preset, closes, [ctx.asset_groups[a] for a in assets], previous)
    by_group: dict[str, dict[str, Decimal]] = {}
    for asset, weight in zip(assets, w, strict=True):
        if weight > 1e-6:
            by_group.setdefault(ctx.asset_groups[asset], {})[asset] = Decimal(repr(float(weight)))
    group_totals = {g: sum(by_group.get(g, {}).values(), Decimal(0)) for g in GROUPS}
    splits = {g: _to_hundred(split) for g, split in by_group.items()}
    targets = Targets.model_validate(
        {**base.model_dump(), "groups": _to_hundred(group_totals), "assets": splits}
    )
    note = f"{preset.method} over {len(assets)} assets, {preset.window_days} days"
    return StrategyResult(name, targets, notes=(note,))


def optimiser_weights(
    preset: OptimiserPreset,
    closes: np.ndarray[tuple[int, int], np.dtype[np.float64]],
    groups: Sequence[str],
    previous: np.ndarray[tuple[int], np.dtype[np.float64]] | None = None,
) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
    """Per-asset weights (summing to 1) from the preset's optimiser on ``closes`` (days ×
    assets, no gaps), with its bounds; ``groups`` names each asset's group for the group
    bounds, ``previous`` the current weights for the turnover penalty. Shared by the plan and
    the backtest's rolling re-estimation."""
    # Imported on first use: the optimiser's scipy modules cost the core ~0.5 s of start-up,
    # and only optimiser presets need them.
    from core.plan.optimiser import (
        Constraints,
        equal_risk_contribution,
        hrp,
        max_sharpe,
        min_variance,
    )

    returns = simple_returns(closes)
    cov = ledoit_wolf(returns, periods=365).covariance
    bounds = Constraints(
        lower=float(preset.min_weight),
        upper=float(preset.max_weight),
        groups={
            g: ([i for i, a in enumerate(groups) if a == g], float(lo), float(hi))
            for g, (lo, hi) in preset.group_bounds.items()
        },
        previous=previous,
        turnover_penalty=float(preset.turnover_penalty),
    )
    if preset.method == "min_variance":
        w = min_variance(cov, bounds)
    elif preset.method == "max_sharpe":
        w = max_sharpe(mean_returns(returns), cov, float(preset.risk_free_rate), bounds)
    elif preset.method == "erc":
        w = equal_risk_contribution(cov)
    else:
        w = hrp(cov)
    return np.asarray(w, dtype=np.float64)
