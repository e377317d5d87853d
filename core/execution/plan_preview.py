"""A plan's preview for the confirm modal.

:func:`preview` summarises a plan for a confirmation (orders, notional, share of the
portfolio, estimated fees and slippage, the trading mode) as a typed
:class:`~core.answers.PlanPreview`.
"""

from __future__ import annotations

from decimal import Decimal

from core.answers import PlanPreview, PreviewOrder
from core.models import Side, TradingMode
from core.plan.models import Plan


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
