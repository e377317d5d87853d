"""The daily equity curve and its time-weighted return net of deposits and withdrawals.

Convention: a flow ``F_d`` is counted at the end of its day, so it is in ``E_d`` but earned
nothing that day: ``r_d = (E_d - F_d) / E_(d-1) - 1``; the time-weighted return is the product
of ``1 + r_d`` minus one. A day after a zero or negative equity has no return (None) and is
left out of the product. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from core.pnl.models import EquityPoint


def daily_equity(points: Iterable[tuple[datetime, float]]) -> list[tuple[date, float]]:
    """The last value of each UTC day, days in order (``points`` are aware timestamps)."""
    last: dict[date, tuple[datetime, float]] = {}
    for ts, value in points:
        day = ts.date()
        if day not in last or ts >= last[day][0]:
            last[day] = (ts, value)
    return [(day, last[day][1]) for day in sorted(last)]


def time_weighted(
    equity: Sequence[tuple[date, float]], flows: Mapping[date, float]
) -> tuple[list[EquityPoint], float | None]:
    """Each day with its return net of that day's flow, and the compounded return.

    Flows on the first day are part of the starting equity (no return is computed for it).
    """
    out: list[EquityPoint] = []
    logs: list[float] = []
    prev: float | None = None
    for day, value in equity:
        flow = flows.get(day, 0.0)
        ret: float | None = None
        if prev is not None and prev > 0:
            ret = (value - flow) / prev - 1.0
            if ret > -1.0:
                logs.append(math.log1p(ret))
        out.append(EquityPoint(day=day, equity_usd=value, flow_usd=flow, day_return=ret))
        prev = value
    twr = math.expm1(math.fsum(logs)) if logs else None
    return out, twr


def drawdown(values: Sequence[float]) -> list[float]:
    """Drawdown from the running peak at each point, as a fraction <= 0."""
    out: list[float] = []
    peak = -math.inf
    for v in values:
        peak = max(peak, v)
        out.append(v / peak - 1.0 if peak > 0 else 0.0)
    return out
