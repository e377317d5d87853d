"""Risk engine: textbook portfolio risk figures, stress tests and limits, in vectorised numpy.

Pure and sans-I/O except :mod:`core.risk.files` (the CLI's CSV/JSON readers). The conventions
every figure follows are in ``core/risk/CONVENTIONS.md`` and in each report's ``conventions``.

    history  closes on a regular UTC grid -> the return sample (coverage, never zero-padded)
    metrics  the measures, column-wise over (observations, assets) arrays
    stress   historical windows, per-group shocks, user scenarios
    limits   limit gauges and breaches
    report   compute_report() and assess(), the entry points
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.risk.history import DAY, HOUR, PriceHistory
    from core.risk.limits import breach_events, evaluate_limits
    from core.risk.models import LimitsReport, RiskReport, StressResult
    from core.risk.report import RiskAssessment, assess, compute_report

# Loaded on first use: importing the view models (core.risk.models, which every client of the
# core needs) must not pull numpy/scipy in; that alone cost an attaching TUI ~0.6 s.
_LAZY = {
    "DAY": "history",
    "HOUR": "history",
    "PriceHistory": "history",
    "breach_events": "limits",
    "evaluate_limits": "limits",
    "LimitsReport": "models",
    "RiskReport": "models",
    "StressResult": "models",
    "RiskAssessment": "report",
    "assess": "report",
    "compute_report": "report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core.risk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"core.risk.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DAY",
    "HOUR",
    "LimitsReport",
    "PriceHistory",
    "RiskAssessment",
    "RiskReport",
    "StressResult",
    "assess",
    "breach_events",
    "compute_report",
    "evaluate_limits",
]
