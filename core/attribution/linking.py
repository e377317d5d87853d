"""Linking single-period Brinson effects over many periods.

Single-period effects add up to each period's active return, but active returns do not add up
over time (returns compound). Linking scales each period's effects by a coefficient so the
linked effects sum to the cumulative active return ``R - B``, with ``R = prod(1 + Rp_t) - 1``
and ``B = prod(1 + Rb_t) - 1``.

- **Carino** (the default): logarithmic smoothing. ``k_t = ln((1+Rp_t)/(1+Rb_t)) / (Rp_t - Rb_t)``
  (``1/(1+Rb_t)`` when the two are equal), ``k = ln((1+R)/(1+B)) / (R - B)``; a period's effects
  are multiplied by ``k_t / k``.
- **Menchero**: one constant ``M = ((R - B)/T) / ((1+R)^(1/T) - (1+B)^(1/T))``
  (``(1+R)^((T-1)/T)`` when ``R = B``) plus a least-squares correction per period,
  ``a_t = (R - B - M * sum(d)) / sum(d^2) * d_t`` with ``d_t = Rp_t - Rb_t``; effects are
  multiplied by ``M + a_t``.

Both need ``1 + Rp_t > 0`` and ``1 + Rb_t > 0`` (a period may not lose everything). Pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from core.attribution.brinson import (
    Attribution,
    LinkedAttribution,
    LinkedTotal,
    PeriodAttribution,
    SegmentEffects,
)
from core.errors import DataError

LinkMethod = Literal["carino", "menchero"]
LINK_METHODS: tuple[LinkMethod, ...] = ("carino", "menchero")


def _log_ratio(a: float, b: float) -> float:
    """``ln((1+a)/(1+b))``, accurate when ``a`` and ``b`` are close."""
    return math.log1p((a - b) / (1.0 + b))


def _carino_k(a: float, b: float) -> float:
    d = a - b
    return 1.0 / (1.0 + b) if d == 0.0 else _log_ratio(a, b) / d


def cumulative(returns: Sequence[float]) -> float:
    """Compounded return of a sequence of period returns."""
    return math.expm1(math.fsum(math.log1p(r) for r in returns))


def coefficients(periods: Sequence[PeriodAttribution], method: LinkMethod) -> list[float]:
    """The factor each period's effects are multiplied by (see the module docstring)."""
    for p in periods:
        if p.portfolio_return <= -1.0 or p.benchmark_return <= -1.0:
            raise DataError(f"period {p.period!r}: a return of -100% or worse cannot be linked")
    rp = [p.portfolio_return for p in periods]
    rb = [p.benchmark_return for p in periods]
    big_r, big_b = cumulative(rp), cumulative(rb)
    if method == "carino":
        k = _carino_k(big_r, big_b)
        return [_carino_k(a, b) / k for a, b in zip(rp, rb, strict=True)]
    if method == "menchero":
        t = len(periods)
        # (1+R)^(1/T) - (1+B)^(1/T), without cancellation when R and B are close.
        spread = (1.0 + big_b) ** (1.0 / t) * math.expm1(_log_ratio(big_r, big_b) / t)
        if spread == 0.0 or big_r == big_b:
            m = (1.0 + big_r) ** ((t - 1) / t)
        else:
            m = ((big_r - big_b) / t) / spread
        d = [a - b for a, b in zip(rp, rb, strict=True)]
        d2 = math.fsum(x * x for x in d)
        scale = 0.0 if d2 == 0.0 else (big_r - big_b - m * math.fsum(d)) / d2
        return [m + scale * x for x in d]
    raise DataError(f"unknown linking method {method!r} (one of: {', '.join(LINK_METHODS)})")


def _segment_order(periods: Sequence[PeriodAttribution]) -> list[str]:
    return list(dict.fromkeys(s.segment for p in periods for s in p.segments))


def link(periods: Sequence[PeriodAttribution], method: LinkMethod = "carino") -> LinkedAttribution:
    """The effects of every segment over all periods, linked with ``method``."""
    if not periods:
        raise DataError("no periods to attribute")
    factors = coefficients(periods, method)
    sums: dict[str, list[list[float]]] = {s: [[], [], []] for s in _segment_order(periods)}
    for factor, period in zip(factors, periods, strict=True):
        for eff in period.segments:
            parts = sums[eff.segment]
            parts[0].append(factor * eff.allocation)
            parts[1].append(factor * eff.selection)
            parts[2].append(factor * eff.interaction)
    segments = tuple(
        SegmentEffects(
            segment=name,
            allocation=math.fsum(a),
            selection=math.fsum(s),
            interaction=math.fsum(i),
        )
        for name, (a, s, i) in sums.items()
    )
    big_r = cumulative([p.portfolio_return for p in periods])
    big_b = cumulative([p.benchmark_return for p in periods])
    total = LinkedTotal(
        allocation=math.fsum(s.allocation for s in segments),
        selection=math.fsum(s.selection for s in segments),
        interaction=math.fsum(s.interaction for s in segments),
        active=big_r - big_b,
        portfolio_return=big_r,
        benchmark_return=big_b,
    )
    return LinkedAttribution(method=method, segments=segments, total=total)


def roll_up(
    periods: Sequence[PeriodAttribution], label: str, method: LinkMethod = "carino"
) -> PeriodAttribution:
    """Several short periods (days) as one longer period (a month): returns compounded and
    effects linked, so the rolled-up effects still sum to the rolled-up active return."""
    linked = link(periods, method)
    return PeriodAttribution(
        period=label,
        portfolio_return=linked.total.portfolio_return,
        benchmark_return=linked.total.benchmark_return,
        segments=linked.segments,
    )


def attribute(periods: Sequence[PeriodAttribution], method: LinkMethod = "carino") -> Attribution:
    """Every period and their linked result: the document ``cockpit attribution`` prints."""
    return Attribution(periods=tuple(periods), linked=link(periods, method))
