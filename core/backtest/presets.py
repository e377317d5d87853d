"""Plan presets as backtest strategies, re-estimated at each rebalance with no look-ahead.

The weights file gives the universe and the base weights; the preset decides when to
rebalance and (regime, optimisers) to what. Whatever a preset computes for row ``t`` uses the
closes of rows before ``t`` only; the orders then execute at the close of ``t``.

    fixed       the weights, on the --rebalance rule
    threshold   the weights, rebalanced when an asset leaves the config's band (band_pct
                points, absolute) unless --rebalance gives bands:X; per asset, where the plan
                checks per group
    calendar    the weights on the preset's schedule: daily = every row, weekly = the first
                row of each ISO week, monthly, quarterly = the first row of each quarter
    regime      the weights shifted by the regime of BTC's daily closes up to the previous
                row: a group's shift is spread over its assets in proportion to their weight;
                a shift to a group with no asset here (Stablecoins, say) stays in cash
    optimiser   min-variance / max-Sharpe / risk parity / HRP on the preset's window of daily
                closes before the row, over the assets with a close on every day of it (the
                base weights until enough history exists; the last weights when the optimiser
                has no answer, e.g. max-Sharpe when no asset earned more than the risk-free)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from core.backtest.engine import TargetSource
from core.backtest.models import BacktestReport, BacktestSettings
from core.backtest.rules import RebalanceRule
from core.backtest.run import check_weights, run_backtest, weighted_closes
from core.errors import DataError
from core.plan.spec import (
    CalendarPreset,
    FixedPreset,
    OptimiserPreset,
    RegimePreset,
    StrategyPreset,
    ThresholdPreset,
)
from core.risk.groups import group_of
from core.risk.history import DAY, FloatArray, PriceHistory, resolve_benchmark

if TYPE_CHECKING:
    from core.config import Settings

CALENDAR_RULES = {"daily": "every:1", "weekly": "weekly", "monthly": "monthly"}


def preset_named(settings: Settings, name: str) -> StrategyPreset:
    """The configured preset ``name``; DataError listing the known ones."""
    presets = settings.targets.presets
    if name not in presets:
        raise DataError(f"--strategy: unknown preset {name!r}; one of {', '.join(presets)}")
    return presets[name]


def run_preset(
    history: PriceHistory,
    weights: Mapping[str, float],
    name: str,
    rule: RebalanceRule,
    settings: BacktestSettings,
    app: Settings,
    *,
    source: str | None = None,
) -> BacktestReport:
    """Backtest the plan preset ``name`` of ``app``'s configuration (see the module doc)."""
    preset = preset_named(app, name)
    base = check_weights(history, weights, source)
    rule, targets = preset_strategy(history, base, preset, rule, app)
    return run_backtest(history, base, rule, settings, targets=targets, name=name, source=source)


def preset_strategy(
    history: PriceHistory,
    base: Mapping[str, float],
    preset: StrategyPreset,
    rule: RebalanceRule,
    app: Settings,
) -> tuple[RebalanceRule, TargetSource | None]:
    """The rebalance rule and target source (None: the base weights) of ``preset``.

    Target sources take a row of the backtest (price rows of ``history``) and read only the
    closes of earlier rows."""
    if isinstance(preset, FixedPreset):
        return rule, None
    if isinstance(preset, ThresholdPreset):
        if rule.kind == "bands":
            return rule, None
        cfg = app.targets
        if cfg.band_mode != "absolute":
            raise DataError("--strategy threshold: give --rebalance bands:X (relative bands)")
        return RebalanceRule("bands", band=float(cfg.band_pct) / 100), None
    if isinstance(preset, CalendarPreset):
        if preset.every == "quarterly":
            return RebalanceRule("quarterly"), None
        from core.backtest.rules import parse_rule

        return parse_rule(CALENDAR_RULES[preset.every]), None
    if history.bar_seconds != DAY:
        raise DataError(f"the {preset.kind} preset needs daily closes, not {history.bar}")
    symbols = tuple(base)
    _, closes = weighted_closes(history, symbols)
    weights = np.array([base[s] for s in symbols])
    groups = [group_of(s) for s in symbols]
    if isinstance(preset, RegimePreset):
        btc_symbol = resolve_benchmark(history.symbols, "BTC")
        if btc_symbol is None:
            raise DataError("the regime preset needs a BTC column in the prices")
        btc = weighted_closes(history, [btc_symbol])[1][:, 0]
        return rule, regime_targets(btc, weights, groups, preset)
    assert isinstance(preset, OptimiserPreset)
    return rule, optimiser_targets(closes, weights, groups, preset)


def regime_targets(
    btc: FloatArray, weights: FloatArray, groups: list[str], preset: RegimePreset
) -> TargetSource:
    """Targets at row t: ``weights`` shifted by the regime at the last BTC close before t."""
    from core.plan.regime import regime_history

    valid = np.flatnonzero(~np.isnan(btc))
    warmup = max(preset.trend_days, preset.vol_days + 1)
    names: list[str] = []
    if valid.size >= warmup + 1:
        names = regime_history(btc[valid].tolist(), preset)  # causal: names[i] sees x[:..i]
    # the regime known at each valid BTC row (None during the warm-up)
    known: list[str | None] = [None] * (valid.size - len(names)) + list(names)

    def at(row: int) -> FloatArray:
        i = int(np.searchsorted(valid, row)) - 1  # last BTC close strictly before ``row``
        regime = known[i] if i >= 0 else None
        if regime is None:
            return weights
        return shifted(weights, groups, preset.shifts.get(regime, {}))

    return at


def shifted(weights: FloatArray, groups: list[str], shift: Mapping[str, object]) -> FloatArray:
    """Add each group's shift (percentage points) over its assets pro rata; floor at 0; a
    group without assets here takes its shift from / to cash; never more than 100 %."""
    out = weights.copy()
    for group, points in shift.items():
        members = [i for i, g in enumerate(groups) if g == group]
        if not members:
            continue
        held = out[members].sum()
        move = float(points) / 100  # type: ignore[arg-type]
        if held > 0:
            out[members] *= max(0.0, held + move) / held
        elif move > 0:
            out[members] = move / len(members)
    total = out.sum()
    return out / total if total > 1 else out


def optimiser_targets(
    closes: FloatArray, weights: FloatArray, groups: list[str], preset: OptimiserPreset
) -> TargetSource:
    """Targets at row t: the optimiser on the ``window_days + 1`` closes of rows t-window..t-1,
    over the assets with all of them; the base weights before that much history exists."""
    from core.plan.optimiser import OptimiserError
    from core.plan.strategies import optimiser_weights

    window = preset.window_days + 1
    last = [weights]  # the weights of the latest rebalance asked for (rows come in order)

    def at(row: int) -> FloatArray:
        if row < window:
            return weights
        block = closes[row - window : row]
        have = np.flatnonzero(~np.isnan(block).any(axis=0))
        if have.size < 2:
            return weights
        previous = None
        if preset.turnover_penalty > 0:
            prev = last[0][have]
            previous = prev / prev.sum() if prev.sum() > 0 else None
        try:
            w = optimiser_weights(preset, block[:, have], [groups[i] for i in have], previous)
        except OptimiserError:
            return last[0]
        out = np.zeros_like(weights)
        out[have] = np.clip(w, 0.0, None)
        last[0] = np.asarray(out / out.sum())
        return last[0]

    return at
