"""The P&L history of a cockpit database: a thin async edge over the pure P&L functions.

Read-only: the fills, the stored balance history (for flows), the portfolio snapshots (for the
equity curve), the daily closes (to value flows) and the merged portfolio valued by the one
valuation (:mod:`core.portfolio.stored`), the same figures the holdings pane shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from core.models import Holding, Price
from core.pnl.equity import daily_equity, time_weighted
from core.pnl.flows import balance_flows, flow_day_values
from core.pnl.models import CONVENTIONS, AssetPnl, PnlReport
from core.pnl.positions import asset_pnl, group_pnl

if TYPE_CHECKING:
    from core.config import Settings
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


async def stored_pnl(
    store: Store, settings: Settings, now: datetime, since: date | None = None
) -> PnlReport:
    """The P&L history of ``store`` (see :data:`~core.pnl.models.CONVENTIONS`)."""
    from core.portfolio.stored import stored_portfolio
    from core.store.closes import stored_closes
    from core.store.portfolio import balance_history, recorded_fills, snapshots

    fills = await recorded_fills(store)
    portfolio = await stored_portfolio(store, settings, now)
    holdings = holdings_by_asset(portfolio.holdings)
    prices = {asset: price for asset, (_, price, _) in holdings.items()}
    start = None if since is None else datetime.combine(since, time(), tzinfo=UTC)
    assets = asset_pnl(fills, holdings, prices, start)
    snaps = await snapshots(store, since=start)
    equity = daily_equity((s.ts, float(s.total_usd)) for s in snaps)
    flows = balance_flows(await balance_history(store), fills)
    closes, _ = await stored_closes(store, {f.asset for f in flows})
    price_on = {asset: dict(points) for asset, points in closes.items()}
    current = {a: float(p.value) for a, p in prices.items() if p.value is not None}
    return pnl_report(assets, equity, flow_day_values(flows, price_on, current), since)
