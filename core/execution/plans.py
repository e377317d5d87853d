"""What execution reads from the running core: the gate's market view, and a plan's preview
for the confirm modal.

:class:`CoreMarket` is the gate's :class:`~core.execution.ports.MarketView` over the core.
:func:`preview` summarises a plan for a confirmation (orders, notional, share of the
portfolio, estimated fees and slippage, the trading mode) as a typed
:class:`~core.answers.PlanPreview`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from core.answers import PlanPreview, PreviewOrder
from core.models import ZERO, BookSnapshot, Instrument, Side, TradingMode, utcnow
from core.plan.models import Plan
from core.portfolio.live import live_inputs, policy_of
from core.portfolio.pricing import PriceResolver

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
        """The one price resolver's USD price: live mids (stablecoins through their own
        markets), last trades, the cache, configured prices; None when nothing prices it."""
        core = self._core
        config = core.settings.portfolio
        books = [
            b
            for i in core.instruments.values()
            if (v := core.venues.get(i.venue)) is not None and (b := v.book(i.symbol, 1))
        ]
        inputs = live_inputs(
            books,
            core.analytics.portfolio.last_trades.values(),
            core.analytics.portfolio.cached,
            config,
        )
        value: Decimal | None = (
            PriceResolver(inputs, utcnow(), policy_of(config)).price(asset).value
        )
        return value

    def portfolio_usd(self) -> Decimal:
        state = self._core.state
        if state is not None and state.holdings is not None:
            return state.holdings.total
        return ZERO


def preview(plan: Plan, mode: TradingMode) -> PlanPreview:
    """What the operator confirms: every order that will be sent (sells first) and the totals,
    to the cent. Indicative orders (no live book at their venue) are never sent: only counted."""
    total = plan.total_usd
    firm = [o for o in plan.orders if not o.indicative]
    notional = sum((o.notional_usd for o in firm), Decimal(0))
    cent = Decimal("0.01")
    rows = tuple(
        PreviewOrder(
            seq=o.seq,
            venue=o.venue,
            symbol=o.symbol,
            side=o.side,
            qty=o.qty,
            limit=o.limit_price,
            usd=o.notional_usd.quantize(cent),
        )
        for o in sorted(firm, key=lambda o: (o.side is not Side.SELL, o.seq))
    )
    return PlanPreview(
        plan_id=plan.id,
        mode=mode,
        orders=rows,
        sells=sum(1 for o in firm if o.side is Side.SELL),
        buys=sum(1 for o in firm if o.side is Side.BUY),
        notional_usd=notional.quantize(cent),
        portfolio_pct=(notional / total * 100).quantize(cent) if total else Decimal(0),
        fees_usd=sum((o.fee_usd for o in firm), Decimal(0)).quantize(cent),
        slippage_usd=sum((o.slippage_usd for o in firm), Decimal(0)).quantize(cent),
        expires_at=plan.expires_at,
        indicative=len(plan.orders) - len(firm),
    )
