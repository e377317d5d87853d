"""Risk limits as gauges: a pure function from a report and the configured limits.

The UI draws the gauges and alerts on breaches; the core writes each new breach to the
execution log (:func:`breach_events`). Nothing here does I/O or keeps state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from core.models import EventKind, EventLevel, LogEvent
from core.risk.models import LimitBreach, LimitGauge, LimitsReport, RiskReport
from core.risk.settings import RiskLimitsConfig


def _gauge(
    key: str,
    label: str,
    value: float | None,
    limit: float,
    warn_at: float,
    kind: Literal["max", "min"] = "max",
) -> LimitGauge:
    if value is None or not math.isfinite(value):
        return LimitGauge(
            key=key,
            label=label,
            value=None,
            limit=limit,
            kind=kind,
            utilization=None,
            status="unknown",
        )
    if kind == "max":
        utilization = value / limit
        breached = value > limit
    else:
        utilization = limit / value if value > 0 else math.inf
        breached = value < limit
    status: Literal["ok", "warn", "breach"] = (
        "breach" if breached else "warn" if utilization >= warn_at else "ok"
    )
    return LimitGauge(
        key=key,
        label=label,
        value=value,
        limit=limit,
        kind=kind,
        utilization=utilization if math.isfinite(utilization) else None,
        status=status,
    )


def _pct(x: float) -> str:
    return f"{x:.1%}"


def evaluate_limits(report: RiskReport, limits: RiskLimitsConfig) -> LimitsReport:
    """Every enabled limit as a gauge, in a stable order, and the ones breached."""
    warn = limits.warn_at
    gauges: list[LimitGauge] = []
    var95 = report.var["historical"].get("95")
    cvar95 = report.cvar["historical"].get("95")
    tail_limits = (
        ("max_var_95", "VaR 95% (1d, hist.)", var95, limits.max_var_95),
        ("max_cvar_95", "CVaR 95% (1d, hist.)", cvar95, limits.max_cvar_95),
        ("max_volatility", "Volatility (ann.)", report.volatility, limits.max_volatility),
        ("max_drawdown", "Max drawdown", report.max_drawdown, limits.max_drawdown),
    )
    for key, label, value, limit in tail_limits:
        if limit is not None:
            gauges.append(_gauge(key, label, value, limit, warn))

    held = [a for a in report.assets if a.weight > 0]
    if limits.max_asset_weight is not None and held:
        top = max(held, key=lambda a: a.weight)
        gauges.append(
            _gauge(
                "max_asset_weight",
                f"Largest asset ({top.symbol})",
                top.weight,
                limits.max_asset_weight,
                warn,
            )
        )
    group_weight: dict[str, float] = {}
    for a in held:
        group_weight[a.group] = group_weight.get(a.group, 0.0) + a.weight
    for group, weight in sorted(group_weight.items(), key=lambda kv: -kv[1]):
        cap = limits.group_weight_caps.get(group, limits.max_group_weight)
        if cap is not None:
            gauges.append(_gauge(f"max_group_weight:{group}", f"Group {group}", weight, cap, warn))

    if limits.min_effective_assets is not None:
        gauges.append(
            _gauge(
                "min_effective_assets",
                "Effective assets",
                report.effective_assets,
                limits.min_effective_assets,
                warn,
                kind="min",
            )
        )
    if limits.max_stress_loss is not None:
        returns = [s.portfolio_return for s in report.stress if s.portfolio_return is not None]
        worst = max((-r for r in returns), default=None)
        gauges.append(
            _gauge(
                "max_stress_loss",
                "Worst stress loss",
                None if worst is None else max(worst, 0.0),
                limits.max_stress_loss,
                warn,
            )
        )

    breaches = tuple(
        LimitBreach(
            key=g.key,
            message=(
                f"{g.label} {_pct(g.value)} is over its limit {_pct(g.limit)}"
                if g.kind == "max"
                else f"{g.label} {g.value:.2f} is under its minimum {g.limit:.2f}"
            ),
            value=g.value,
            limit=g.limit,
        )
        for g in gauges
        if g.status == "breach" and g.value is not None
    )
    return LimitsReport(gauges=tuple(gauges), breaches=breaches)


def breach_events(
    breaches: Iterable[LimitBreach], ts: datetime, *, already: Iterable[str] = ()
) -> tuple[LogEvent, ...]:
    """Execution-log alerts for breaches whose key is not in ``already`` (alert once)."""
    seen = set(already)
    return tuple(
        LogEvent(ts=ts, kind=EventKind.RISK, level=EventLevel.ALERT, message=b.message)
        for b in breaches
        if b.key not in seen
    )
