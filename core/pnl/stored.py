"""The P&L history of a cockpit database: a thin async edge over the pure P&L functions.

Read-only: the fills, the stored balance history (for flows), the portfolio snapshots (for the
equity curve), the daily closes (to value flows) and the merged portfolio valued by the one
valuation (:mod:`core.portfolio.stored`), the same figures the holdings pane shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from core.models import Balance, Fill, Holding, Price
from core.pnl.equity import daily_equity, time_weighted
from core.pnl.flows import balance_flows, flow_day_values
from core.pnl.models import CONVENTIONS, AssetPnl, PnlReport
from core.pnl.positions import asset_pnl, group_pnl

if TYPE_CHECKING:
    from core.config import Settings
    from core.portfolio.holdings import PortfolioSnapshot
    from core.store import Store


def holdings_by_asset(holdings: Sequence[Holding]) -> dict[str, tuple[Decimal, Price, str]]:
    """Quantity summed over locations, with the asset's price and group."""
    out: dict[str, tuple[Decimal, Price, str]] = {}
    for h in holdings:
        qty = out[h.asset][0] if h.asset in out else Decimal(0)
        out[h.asset] = (qty + h.qty, h.price, h.group)
    return out


def pnl_report(
    assets: Sequence[AssetPnl],
    equity: Sequence[tuple[date, float]],
    flows: dict[date, float],
    since: date | None,
) -> PnlReport:
    """Assemble the report from its pure parts (``equity`` already cut to ``since``)."""
    points, twr = time_weighted(equity, flows)
    return PnlReport(
        since=since,
        assets=tuple(assets),
        groups=tuple(group_pnl(assets)),
        equity=tuple(points),
        twr=twr,
        realised_usd=math.fsum(a.realised_usd for a in assets),
        unrealised_usd=math.fsum(a.unrealised_usd or 0.0 for a in assets),
        fees_usd=math.fsum(a.fees_usd for a in assets),
        conventions=CONVENTIONS,
    )


@dataclass(frozen=True, slots=True)
class PnlSources:
    """What the P&L history is computed from, read from a store in one go."""

    fills: list[Fill]
    holdings: list[Holding]
    """The merged portfolio, valued by the one valuation."""
    snapshots: list[PortfolioSnapshot]
    balances: list[Balance]
    closes: dict[str, list[tuple[date, float]]]
    """Daily closes of the assets that flowed in or out (to value the flows)."""


async def read_pnl_sources(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    holdings: list[Holding] | None = None,
    since: date | None = None,
) -> PnlSources:
    """Everything :func:`build_pnl` needs (``holdings``: the merged portfolio when the caller
    has valued it already)."""
    from core.portfolio.stored import stored_portfolio
    from core.store.closes import stored_closes
    from core.store.portfolio import balance_history, recorded_fills, snapshots

    fills = await recorded_fills(store)
    if holdings is None:
        holdings = (await stored_portfolio(store, settings, now)).holdings
    start = None if since is None else datetime.combine(since, time(), tzinfo=UTC)
    snaps = await snapshots(store, since=start)
    balances = await balance_history(store)
    flow_assets = {f.asset for f in balance_flows(balances, fills)}
    closes, _ = await stored_closes(store, flow_assets) if flow_assets else ({}, {})
    return PnlSources(fills, holdings, snaps, balances, closes)


def build_pnl(sources: PnlSources, since: date | None = None) -> PnlReport:
    """The P&L history (see :data:`~core.pnl.models.CONVENTIONS`). Pure."""
    holdings = holdings_by_asset(sources.holdings)
    prices = {asset: price for asset, (_, price, _) in holdings.items()}
    start = None if since is None else datetime.combine(since, time(), tzinfo=UTC)
    assets = asset_pnl(sources.fills, holdings, prices, start)
    equity = daily_equity(
        (s.ts, float(s.total_usd)) for s in sources.snapshots if start is None or s.ts >= start
    )
    flows = balance_flows(sources.balances, sources.fills)
    price_on = {asset: dict(points) for asset, points in sources.closes.items()}
    current = {a: float(p.value) for a, p in prices.items() if p.value is not None}
    return pnl_report(assets, equity, flow_day_values(flows, price_on, current), since)


async def stored_pnl(
    store: Store, settings: Settings, now: datetime, since: date | None = None
) -> PnlReport:
    """The P&L history of ``store`` (see :data:`~core.pnl.models.CONVENTIONS`)."""
    return build_pnl(await read_pnl_sources(store, settings, now, since=since), since)
