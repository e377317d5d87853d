"""What the analytics screen shows, in one typed answer: the equity curve and its drawdown, the
monthly returns grid, the P&L table and the attribution by group.

The core answers :class:`~core.views.PerformanceReport` with a :class:`PerformanceView` read from
its store (so the screen works the same in-process and over the daemon). The equity curve is the
recorded one (daily snapshots) once it has :data:`MIN_RECORDED_DAYS` days; until then, so a new
database still shows something true, today's holdings carried back over the stored daily closes,
labelled as such. A part that cannot be computed is left out with a note saying why.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby, pairwise
from typing import TYPE_CHECKING, Literal

from core.attribution.brinson import Attribution
from core.errors import CockpitError
from core.models import Model, UtcDatetime
from core.pnl.backtests import BacktestCurve, portfolio_backtests
from core.pnl.equity import drawdown
from core.pnl.models import PnlReport

if TYPE_CHECKING:
    from core.config import Settings
    from core.models import Holding
    from core.pnl.stored import PnlSources
    from core.risk.inputs import RiskInputs
    from core.store import Store
    from core.views import CommandResult

RECORDED = "recorded snapshots"
BACKCAST = "today's holdings over stored closes"
MIN_RECORDED_DAYS = 30
"""Recorded days the equity curve needs before it is drawn from the snapshots."""


class EquitySample(Model):
    """The portfolio's value at the end of one day, its return and its drawdown."""

    day: date
    value_usd: float
    day_return: float | None
    drawdown: float = 0.0


class MonthlyReturn(Model):
    """A calendar month's compounded daily returns."""

    year: int
    month: int
    value: float


class PerformanceView(Model):
    """The answer to ``PerformanceReport`` (see :mod:`core.answers`)."""

    kind: Literal["performance_view"] = "performance_view"
    as_of: UtcDatetime
    equity: tuple[EquitySample, ...] = ()
    equity_source: str = ""
    monthly: tuple[MonthlyReturn, ...] = ()
    pnl: PnlReport | None = None
    attribution: Attribution | None = None
    backtests: tuple[BacktestCurve, ...] = ()
    """Today's weights rebalanced monthly after fees, then the benchmarks (see
    :mod:`core.pnl.backtests`)."""
    notes: tuple[str, ...] = ()


def monthly_returns(days: Iterable[tuple[date, float]]) -> list[MonthlyReturn]:
    """Daily returns compounded per calendar month, months in order."""
    out = []
    for (year, month), rows in groupby(days, key=lambda d: (d[0].year, d[0].month)):
        value = math.expm1(math.fsum(math.log1p(r) for _, r in rows if r > -1.0))
        out.append(MonthlyReturn(year=year, month=month, value=value))
    return out


def samples(
    curve: Sequence[tuple[date, float]], returns: Sequence[float | None]
) -> tuple[EquitySample, ...]:
    """The curve with each day's return and drawdown from the running peak."""
    dd = drawdown([v for _, v in curve])
    return tuple(
        EquitySample(day=d, value_usd=v, day_return=r, drawdown=x)
        for (d, v), r, x in zip(curve, returns, dd, strict=True)
    )


def backcast(inputs: RiskInputs, total_usd: float) -> list[tuple[date, float]]:
    """Today's weights carried back over the common days of stored closes, ending at
    ``total_usd`` (each asset's value moves with its close)."""
    from core.attribution.recorded import aligned_closes

    held = {a: w for a, w in inputs.weights.items() if a in inputs.closes}
    days, series = aligned_closes({a: inputs.closes[a] for a in held})
    held = {a: w for a, w in held.items() if a in series}  # an empty series has no days
    if len(days) < 2 or not held:
        return []
    scale = total_usd / math.fsum(held.values())
    return [
        (day, scale * math.fsum(w * series[a][t] / series[a][-1] for a, w in held.items()))
        for t, day in enumerate(days)
    ]


async def load_performance(
    store: Store, settings: Settings, now: datetime, holdings: list[Holding] | None = None
) -> PerformanceView:
    """Everything the analytics screen shows, from ``store`` (read only).

    ``holdings``: the running core's valued holdings (the pane's valuation, so the P&L uses its
    prices); without them the stored portfolio is valued as ``cockpit holdings --db`` does. The
    store is read once here; the arithmetic runs in a worker thread so the core's event loop
    keeps serving markets and commands meanwhile.
    """
    from core.pnl.stored import read_pnl_sources
    from core.portfolio.stored import stored_portfolio
    from core.risk.inputs import values_by_asset
    from core.store.closes import stored_closes

    if holdings is None:
        holdings = (await stored_portfolio(store, settings, now)).holdings
    sources = await read_pnl_sources(store, settings, now, holdings=holdings)
    values, groups = values_by_asset(holdings)
    closes, _ = await stored_closes(store, list(values))
    parts = _Parts(sources, values, groups, closes)
    return await asyncio.to_thread(compute_performance, parts, settings, now)


@dataclass(frozen=True, slots=True)
class _Parts:
    sources: PnlSources
    values: dict[str, float]
    groups: dict[str, str]
    closes: dict[str, list[tuple[date, float]]]


def compute_performance(parts: _Parts, settings: Settings, now: datetime) -> PerformanceView:
    """The view from what :func:`load_performance` read. Pure; a part that cannot be computed
    is left out with a note."""
    from core.attribution.recorded import recorded_group_weights, target_attribution
    from core.pnl.stored import build_pnl
    from core.risk.inputs import risk_inputs

    notes: list[str] = []
    pnl: PnlReport | None = None
    try:
        pnl = build_pnl(parts.sources)
    except CockpitError as exc:
        notes.append(f"P&L: {exc}")
    inputs: RiskInputs | None = None
    try:
        inputs = risk_inputs(parts.values, parts.groups, parts.closes)
    except CockpitError as exc:
        notes.append(f"history: {exc}")
    curve: list[tuple[date, float]] = []
    returns: list[float | None] = []
    source = ""
    if pnl is not None and len(pnl.equity) >= MIN_RECORDED_DAYS:
        source = RECORDED
        curve = [(p.day, p.equity_usd) for p in pnl.equity]
        returns = [p.day_return for p in pnl.equity]
    elif inputs is not None:
        curve = backcast(inputs, math.fsum(v for v in parts.values.values() if v > 0))
        if curve:
            source = BACKCAST
            if pnl is not None and pnl.equity:
                notes.append(
                    f"equity: {len(pnl.equity)} recorded day(s), fewer than {MIN_RECORDED_DAYS}"
                )
            returns = [None] + [b / a - 1.0 for (_, a), (_, b) in pairwise(curve)]
    equity = samples(curve, returns)
    month_rows = monthly_returns((s.day, s.day_return) for s in equity if s.day_return is not None)
    attribution: Attribution | None = None
    backtests: tuple[BacktestCurve, ...] = ()
    if inputs is not None:
        try:
            recorded = recorded_group_weights(parts.sources.snapshots)
            attribution = target_attribution(inputs, settings, "carino", recorded)
        except CockpitError as exc:
            notes.append(f"attribution: {exc}")
        try:
            backtests = portfolio_backtests(inputs.closes, inputs.weights)
        except CockpitError as exc:
            notes.append(f"backtest: {exc}")
    return PerformanceView(
        as_of=now,
        equity=equity,
        equity_source=source,
        monthly=tuple(month_rows),
        pnl=pnl,
        attribution=attribution,
        backtests=backtests,
        notes=tuple(notes),
    )


async def answer(store: Store | None, settings: Settings, holdings: list[Holding]) -> CommandResult:
    """The core's answer to ``PerformanceReport`` (``holdings``: its valued holdings)."""
    from core.models import utcnow
    from core.views import CommandResult

    if store is None:
        return CommandResult(ok=False, message="no database: nothing recorded to analyse")
    try:
        view = await load_performance(store, settings, utcnow(), list(holdings))
    except CockpitError as exc:
        return CommandResult.failure(exc)
    return CommandResult(ok=True, message=f"{len(view.equity)} days", data=view)
