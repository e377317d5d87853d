"""Rebalancing: targets, strategies, the optimiser and the location-aware order plan.

Everything here is pure: plain functions over frozen models, no I/O. The entry points are

- :func:`core.plan.targets.resolve_targets` / :class:`core.plan.targets.Targets`: validated
  targets (every group named, summing to 100 %), refused with a clear error otherwise;
- :func:`core.plan.build.build_plan`: holdings per location + targets + markets + books + fees
  → a frozen :class:`core.plan.models.Plan` of concrete orders, transfer hints and skipped
  pieces with their reasons;
- :mod:`core.plan.strategies`: presets that turn config and history into targets;
- :mod:`core.plan.optimiser`: minimum variance, maximum Sharpe, equal risk contribution, HRP.

This package deliberately imports nothing at package level: :mod:`core.config` imports
:mod:`core.plan.spec`, and the planner modules import :mod:`core.config`.
"""
