"""The risk engine's inputs from what the cockpit holds: values per asset and daily closes.

One function serves the live core (holdings it just valued) and ``cockpit risk --db`` (the
last balance snapshot and the closes in the database), so the pane and the command compute
the same report from the same state. Pure functions; the store read is a thin async edge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from core.errors import DataError

if TYPE_CHECKING:
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


async def stored_risk_inputs(store: Store, group_of: Callable[[str], str]) -> RiskInputs:
    """Inputs from the database: the latest balance snapshot valued at each asset's last close.

    ``group_of`` maps an asset symbol to its group (the configured taxonomy). Every source of
    daily closes is read; where two sources have an asset, the one with the later last day wins.
    """
    rows = await store.fetch_all(
        "SELECT b.asset, b.total FROM balances b JOIN ("
        " SELECT location_id, asset, MAX(ts_ns) AS ts FROM balances GROUP BY location_id, asset"
        ") last ON b.location_id = last.location_id AND b.asset = last.asset AND b.ts_ns = last.ts"
    )
    if not rows:
        raise DataError(f"{store.path}: no balance snapshot recorded yet (run the cockpit first)")
    qty: dict[str, Decimal] = {}
    for asset, total in rows:
        qty[asset] = qty.get(asset, Decimal(0)) + Decimal(total)
    sources = [r[0] for r in await store.fetch_all("SELECT DISTINCT source FROM daily_closes")]
    closes: dict[str, list[tuple[date, float]]] = {}
    for source in sources:
        for asset, points in (await store.daily_closes(source, assets=list(qty))).items():
            if asset not in closes or points[-1][0] > closes[asset][-1][0]:
                closes[asset] = points
    values: dict[str, float] = {}
    unpriced: list[str] = []
    for asset, amount in sorted(qty.items()):
        if asset in CASH:
            values[asset] = float(amount)
        elif asset in closes:
            values[asset] = float(amount) * closes[asset][-1][1]
        elif amount > 0:
            unpriced.append(asset)
    inputs = risk_inputs(values, {a: group_of(a) for a in values}, closes)
    return RiskInputs(inputs.closes, inputs.weights, inputs.groups, tuple(unpriced))
