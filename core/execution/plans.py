"""What execution reads from the running core: the gate's market view, the current plan
built from live holdings and books, and its preview for the confirm modal.

:class:`CoreMarket` is the gate's :class:`~core.execution.manager.MarketView` over the core.
:func:`plan_from_core` is the planner over the core's live holdings, locations, markets and
books with the configured targets: what the plan pane shows and what ``cockpit execute-plan``
runs. :func:`preview` summarises a plan for a confirmation (orders, notional, share of the
portfolio, estimated fees and slippage, the trading mode), as plain JSON-able data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.models import ZERO, BookSnapshot, Holding, Instrument, Side, TradingMode, utcnow
from core.plan.build import build_plan
from core.plan.models import Plan, PlanPolicy
from core.plan.targets import Targets
from core.valuation import quotes_from_books, resolve_prices

if TYPE_CHECKING:
    from core.service import Core


class CoreMarket:
    """The gate's view of markets and the portfolio, read from the running core."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def instrument(self, venue: str, symbol: str) -> Instrument | None:
        return self._core.instruments.get(f"{venue}:{symbol}")

    def book(self, venue: str, symbol: str) -> BookSnapshot | None:
        source = self._core.venues.get(venue)
        return source.book(symbol, 50) if source is not None else None

    def usd_price(self, asset: str) -> Decimal | None:
        """From live book mids (stablecoins through their own markets), else the configured
        fixed price (``portfolio.prices``), else None (the gate then refuses)."""
        core = self._core
        books = [
            b
            for i in core.instruments.values()
            if (v := core.venues.get(i.venue)) is not None and (b := v.book(i.symbol, 1))
        ]
        now = utcnow()
        price = resolve_prices(
            [asset], quotes_from_books(books), now, core.settings.portfolio.stale_after_s
        )[asset]
        if price.value is not None:
            return price.value
        return core.settings.portfolio.prices.get(asset.upper())

    def portfolio_usd(self) -> Decimal:
        state = self._core.state
        if state is not None and state.holdings is not None:
            return state.holdings.total
        return ZERO


def plan_from_core(core: Core) -> Plan:
    """Build a plan from the core's latest holdings and books (pure planner, live inputs)."""
    state = core.publish()
    holdings_view = state.holdings
    if holdings_view is None:
        raise ValueError("no holdings yet")
    holdings = [
        Holding(
            asset=row.asset,
            location_id=row.location_id,
            qty=row.qty,
            price=row.price,
            group=row.group,
            as_of=holdings_view.as_of,
        )
        for row in holdings_view.rows
    ]
    books = [
        b
        for i in core.instruments.values()
        if (v := core.venues.get(i.venue)) is not None and (b := v.book(i.symbol, 25)) is not None
    ]
    config = core.settings.targets
    return build_plan(
        holdings,
        list(core.locations.values()),
        Targets.from_config(config),
        core.instruments.values(),
        books,
        as_of=utcnow(),
        policy=PlanPolicy.from_config(config),
        group_of=core.group_of,
    )


def preview(plan: Plan, mode: TradingMode) -> dict[str, Any]:
    """What the operator confirms: every order and the totals, as JSON-able data."""
    total = plan.total_usd
    notional = sum((o.notional_usd for o in plan.orders), Decimal(0))
    rows = [
        {
            "seq": o.seq,
            "venue": o.venue,
            "symbol": o.symbol,
            "side": o.side.value,
            "qty": str(o.qty),
            "limit": str(o.limit_price),
            "usd": str(o.notional_usd.quantize(Decimal("0.01"))),
        }
        for o in sorted(plan.orders, key=lambda o: (o.side is not Side.SELL, o.seq))
    ]
    return {
        "plan_id": plan.id,
        "mode": mode.value,
        "orders": rows,
        "sells": sum(1 for o in plan.orders if o.side is Side.SELL),
        "buys": sum(1 for o in plan.orders if o.side is Side.BUY),
        "notional_usd": str(notional.quantize(Decimal("0.01"))),
        "portfolio_pct": str((notional / total * 100).quantize(Decimal("0.01")) if total else 0),
        "fees_usd": str(plan.totals.fees_usd.quantize(Decimal("0.01"))),
        "slippage_usd": str(plan.totals.slippage_usd.quantize(Decimal("0.01"))),
        "expires_at": plan.expires_at.isoformat(),
    }
