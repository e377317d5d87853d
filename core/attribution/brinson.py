"""Brinson–Fachler attribution of one period's active return to segments.

For each segment ``i`` with portfolio weight ``wp``, portfolio return ``rp``, benchmark weight
``wb`` and benchmark return ``rb`` (fractions, weights at the start of the period), and the
benchmark's total return ``Rb = sum(wb * rb)``:

- allocation  ``(wp - wb) * (rb - Rb)``: over- or under-weighting a segment that beat the
  benchmark;
- selection   ``wb * (rp - rb)``: picking better within the segment, at the benchmark's weight;
- interaction ``(wp - wb) * (rp - rb)``: the two together.

Summed over segments they give the active return ``Rp - Rb`` exactly when each side's weights sum
to one; the reader checks the sums and this module rescales each side to exactly one, so rounding
in a file never leaves a residual. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import Field

from core.errors import DataError
from core.models import Model

WEIGHT_SUM_TOLERANCE = 1e-6
"""How far from 1 a side's weights may sum before the period is refused."""


class SegmentInput(Model):
    """One segment of one period, as read from a file or built from the store."""

    segment: str
    portfolio_weight: float
    portfolio_return: float
    benchmark_weight: float
    benchmark_return: float


class SegmentEffects(Model):
    """The three Brinson–Fachler effects of one segment (fractions of the portfolio)."""

    segment: str
    allocation: float
    selection: float
    interaction: float

    @property
    def total(self) -> float:
        return self.allocation + self.selection + self.interaction


class PeriodAttribution(Model):
    """One period's returns and the effects per segment, which sum to the active return."""

    period: str
    portfolio_return: float
    benchmark_return: float
    segments: tuple[SegmentEffects, ...]

    @property
    def active_return(self) -> float:
        return self.portfolio_return - self.benchmark_return


class LinkedTotal(Model):
    """The linked effects summed over segments, and the cumulative returns they explain."""

    allocation: float
    selection: float
    interaction: float
    active: float = Field(description="Cumulative portfolio return minus cumulative benchmark.")
    portfolio_return: float
    benchmark_return: float


class LinkedAttribution(Model):
    """Effects over all periods, linked so they sum to the cumulative active return."""

    method: str
    segments: tuple[SegmentEffects, ...]
    total: LinkedTotal


class Attribution(Model):
    """What ``cockpit attribution`` prints: every period, then the linked result."""

    periods: tuple[PeriodAttribution, ...]
    linked: LinkedAttribution


def attribute_period(period: str, rows: Sequence[SegmentInput]) -> PeriodAttribution:
    """Brinson–Fachler effects of one period (see the module docstring).

    Raises DataError when a side's weights do not sum to 1 (within
    :data:`WEIGHT_SUM_TOLERANCE`), a segment repeats, or a value is not finite.
    """
    if not rows:
        raise DataError(f"period {period!r}: no segments")
    seen: set[str] = set()
    for row in rows:
        if row.segment in seen:
            raise DataError(f"period {period!r}: segment {row.segment!r} appears twice")
        seen.add(row.segment)
        values = (
            row.portfolio_weight,
            row.portfolio_return,
            row.benchmark_weight,
            row.benchmark_return,
        )
        if not all(math.isfinite(v) for v in values):
            raise DataError(f"period {period!r}: segment {row.segment!r} has a non-finite value")
    wp_sum = math.fsum(r.portfolio_weight for r in rows)
    wb_sum = math.fsum(r.benchmark_weight for r in rows)
    for side, total in (("portfolio", wp_sum), ("benchmark", wb_sum)):
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise DataError(f"period {period!r}: {side} weights sum to {total:.10g}, not 1")
    wp = [r.portfolio_weight / wp_sum for r in rows]
    wb = [r.benchmark_weight / wb_sum for r in rows]
    rp = [r.portfolio_return for r in rows]
    rb = [r.benchmark_return for r in rows]
    port = math.fsum(w * r for w, r in zip(wp, rp, strict=True))
    bench = math.fsum(w * r for w, r in zip(wb, rb, strict=True))
    effects = tuple(
        SegmentEffects(
            segment=row.segment,
            allocation=(wp[i] - wb[i]) * (rb[i] - bench) + 0.0,  # + 0.0: no "-0.0" printed
            selection=wb[i] * (rp[i] - rb[i]) + 0.0,
            interaction=(wp[i] - wb[i]) * (rp[i] - rb[i]) + 0.0,
        )
        for i, row in enumerate(rows)
    )
    return PeriodAttribution(
        period=period, portfolio_return=port, benchmark_return=bench, segments=effects
    )
