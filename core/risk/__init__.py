"""Risk engine: textbook portfolio risk figures, stress tests and limits, in vectorised numpy.

Pure and sans-I/O except :mod:`core.risk.files` (the CLI's CSV/JSON readers). The conventions
every figure follows are in ``core/risk/CONVENTIONS.md`` and in each report's ``conventions``.

    history  closes on a regular UTC grid -> the return sample (coverage, never zero-padded)
    metrics  the measures, column-wise over (observations, assets) arrays
    stress   historical windows, per-group shocks, user scenarios
    limits   limit gauges and breaches
    report   compute_report() and assess(), the entry points
"""

from core.risk.history import DAY, HOUR, PriceHistory
from core.risk.limits import breach_events, evaluate_limits
from core.risk.models import LimitsReport, RiskReport, StressResult
from core.risk.report import RiskAssessment, assess, compute_report

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
