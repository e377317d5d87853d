"""A backtest's prices and weights from the cockpit's database (opened read-only).

Prices are the daily closes stored from every source (``cockpit import prices``, venue OHLCV,
the simulator), as the risk report reads them. Weights come from a file, or else from the
merged portfolio the holdings pane shows (valued by the one valuation): "what would my current
allocation have done".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DataError
from core.risk.history import PriceHistory

if TYPE_CHECKING:
    from core.config import Settings

BENCHMARK_ASSET = "BTC"


@dataclass(frozen=True, slots=True)
class StoredInputs:
    """Closes of the weighted assets (and BTC) and the weights to backtest."""

    history: PriceHistory
    weights: dict[str, float]


def check_database(path: Path) -> None:
    """DataError unless ``path`` is a file (a missing database is not created read-only)."""
    if not path.is_file():
        raise DataError(f"{path}: no cockpit database here (run `cockpit` first, or pass --db)")


async def stored_inputs(
    path: Path, settings: Settings, weights: Mapping[str, float] | None, now: datetime
) -> StoredInputs:
    """Read ``path`` read-only: closes for ``weights`` (or the held portfolio's weights).
    Call :func:`check_database` first."""
    from core.risk.inputs import stored_risk_inputs
    from core.store import Store
    from core.store.closes import stored_closes

    store = await Store.open_readonly(path)
    try:
        if weights is None:
            inputs = await stored_risk_inputs(store, settings, now)
            chosen = dict(inputs.weights)
        else:
            chosen = dict(weights)
        closes, _ = await stored_closes(store, [*chosen, BENCHMARK_ASSET])
    finally:
        await store.close()
    series = {
        asset: [(datetime(d.year, d.month, d.day, tzinfo=UTC), c) for d, c in points]
        for asset, points in closes.items()
    }
    for asset in chosen:
        if asset not in series:
            if asset in ("USD", "EUR"):  # cash: a flat price
                longest = max(series.values(), key=len, default=[])
                series[asset] = [(t, 1.0) for t, _ in longest]
            else:
                raise DataError(f"{path}: no stored daily closes for {asset}")
    return StoredInputs(PriceHistory.from_series(series), chosen)
