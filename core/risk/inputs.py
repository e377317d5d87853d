"""The risk engine's inputs from what the cockpit holds: values per asset and daily closes.

One function serves the live core (holdings it just valued) and ``cockpit risk --db`` (the
merged portfolio the database holds, valued by the same function, and the closes stored from
every source), so the pane and the command compute the same report from the same state.
Pure functions; the store read is a thin async edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from core.errors import DataError
from core.models import Holding
from core.portfolio.valuation import exact_value
from core.risk.models import AssetHistory, RiskReport

if TYPE_CHECKING:
    from core.config import Settings
    from core.store import Store

CASH = frozenset({"USD", "EUR"})
"""Fiat held as cash: no price risk, so it dilutes risk instead of counting as missing."""


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """Close series per asset (UTC midnight stamps), weights and groups for ``assess``."""

    closes: dict[str, list[tuple[datetime, float]]]
    weights: dict[str, float]
    groups: dict[str, str]
    unpriced: tuple[str, ...] = ()
    """Held assets left out because nothing gives them a price."""
    history: tuple[AssetHistory, ...] = ()
    """The stored history of each weighted asset (see :func:`history_coverage`)."""


def risk_inputs(
    values: Mapping[str, float],
    groups: Mapping[str, str],
    closes: Mapping[str, Sequence[tuple[date, float]]],
) -> RiskInputs:
    """Weights from values per asset, with each held asset's closes; cash gets a flat series.

    Assets with a non-positive value are left out (a negative dust balance is not a short
    position). Raises :class:`DataError` when nothing of value is held.
    """
    held = {asset: v for asset, v in values.items() if v > 0}
    total = sum(held.values())
    if total <= 0:
        raise DataError("nothing of value is held: no portfolio to assess")
    weights = {asset: v / total for asset, v in held.items()}
    series = {
        asset: [(datetime(d.year, d.month, d.day, tzinfo=UTC), c) for d, c in points]
        for asset, points in closes.items()
        if asset in weights
    }
    longest = max(series.values(), key=len, default=[])
    for cash in CASH & weights.keys():
        if cash not in series:
            series[cash] = [(ts, 1.0) for ts, _ in longest]
    return RiskInputs(series, weights, {a: groups.get(a, "Others") for a in weights})


def history_coverage(
    assets: Iterable[str],
    closes: Mapping[str, Sequence[tuple[date, float]]],
    sources: Mapping[str, str],
) -> tuple[AssetHistory, ...]:
    """What history each held asset has (none: zero days), largest history first; cash
    (``CASH``) needs none and is not listed."""
    out = [
        AssetHistory(
            symbol=asset,
            days=len(points),
            first=points[0][0] if points else None,
            last=points[-1][0] if points else None,
            source=sources.get(asset) if points else None,
        )
        for asset in sorted(set(assets) - CASH)
        for points in (closes.get(asset, ()),)
    ]
    out.sort(key=lambda h: (-h.days, h.symbol))
    return tuple(out)


def with_history(report: RiskReport, history: tuple[AssetHistory, ...]) -> RiskReport:
    """``report`` with the per-asset history coverage filled in."""
    coverage = report.coverage.model_copy(update={"history": history})
    return report.model_copy(update={"coverage": coverage})


def values_by_asset(holdings: Iterable[Holding]) -> tuple[dict[str, float], dict[str, str]]:
    """Value and group per asset of valued holdings (the one valuation's result)."""
    values: dict[str, float] = {}
    groups: dict[str, str] = {}
    for h in holdings:
        values[h.asset] = values.get(h.asset, 0.0) + float(exact_value(h))
        groups[h.asset] = h.group
    return values, groups


async def stored_risk_inputs(store: Store, settings: Settings, now: datetime) -> RiskInputs:
    """Inputs from the database: the merged portfolio (import, stored venue balances, manual)
    valued by the one valuation (:mod:`core.portfolio.stored`), and every stored close."""
    from core.portfolio.stored import stored_portfolio
    from core.store.closes import stored_closes

    portfolio = await stored_portfolio(store, settings, now)
    if not portfolio.holdings:
        raise DataError(
            f"{store.path}: no holdings: no import and no balance snapshot "
            "(run `cockpit import cointracking FILE` or the cockpit first)"
        )
    values, groups = values_by_asset(portfolio.holdings)
    closes, sources = await stored_closes(store, list(values))
    unpriced = sorted({h.asset for h in portfolio.holdings if h.price.value is None})
    inputs = risk_inputs(values, groups, closes)
    history = history_coverage(inputs.weights, closes, sources)
    return RiskInputs(inputs.closes, inputs.weights, inputs.groups, tuple(unpriced), history)
