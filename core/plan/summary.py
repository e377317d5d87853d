"""After the orders: value the post-plan portfolio, measure residual drift and costs.

The post-plan value of each asset is its current quantity plus what the orders move, valued at
the same price the allocation used, so the residual drift shown is exactly what the orders do
to the weights (fees and slippage included, since they reduce the cash received or add to the
cash paid).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import TypeAdapter

from core.config import GROUPS
from core.models import Side
from core.plan.allocate import Allocation
from core.plan.legs import Ledger
from core.plan.models import (
    GroupRow,
    PendingOrder,
    Plan,
    PlanOrder,
    PlanPolicy,
    PlanTotals,
    SkippedItem,
    SkipReason,
    TransferHint,
)
from core.plan.targets import Targets

ORDERS = TypeAdapter(tuple[PlanOrder, ...])
"""Validates the ledger's order fields into orders in one call (far cheaper than per order)."""
ZERO = Decimal(0)
CENT = Decimal("0.01")
BP = Decimal("0.0001")


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(BP) if whole > 0 else ZERO


def summarise(
    alloc: Allocation,
    ledger: Ledger,
    targets: Targets,
    policy: PlanPolicy,
    *,
    prices: dict[str, Decimal],
    group_of: Callable[[str], str],
    rate: Callable[[str], Decimal | None],
    transfers: Sequence[TransferHint],
    skipped: Sequence[SkippedItem],
    notes: Sequence[str],
    as_of: datetime,
    expires_at: datetime,
    strategy: str,
    pending: Sequence[PendingOrder] = (),
    current: Mapping[str, Decimal] | None = None,
) -> Plan:
    """Assemble the frozen :class:`Plan`, with its content-derived id.

    ``current`` (USD per group), when given, is the portfolio *now*, shown in place of the
    allocation's start (which already counts pending orders as filled).
    """
    post_group = {g: ZERO for g in GROUPS}
    for state in alloc.assets.values():
        if state.price_usd is not None:
            post_group[state.group] += state.value
    for asset, dqty in ledger.dqty.items():
        price = prices.get(asset) or rate(asset)
        group = group_of(asset)
        if price is not None and group in post_group:
            post_group[group] += dqty * price
    total = alloc.total_usd
    post_total = sum(post_group.values(), ZERO)
    now_usd = dict(alloc.group_current) if current is None else dict(current)
    now_total = sum((now_usd.get(g, ZERO) for g in GROUPS), ZERO)
    rows = []
    for g in GROUPS:
        current_pct = _pct(now_usd.get(g, ZERO), now_total)
        post_pct = _pct(post_group[g], post_total)
        band = targets.band_pp(g)
        rows.append(
            GroupRow(
                group=g,
                current_usd=now_usd.get(g, ZERO).quantize(CENT),
                current_pct=current_pct,
                target_pct=targets.groups[g],
                band_pp=band,
                post_usd=post_group[g].quantize(CENT),
                post_pct=post_pct,
                drift_pp=post_pct - targets.groups[g],
                current_drift_pp=current_pct - targets.groups[g],
                in_band=abs(post_pct - targets.groups[g]) <= band,
            )
        )
    orders = ORDERS.validate_python(ledger.orders)
    totals = _totals(alloc, ledger, orders, policy, rate, skipped, rows)
    body = Plan(
        id="",
        as_of=as_of,
        expires_at=expires_at,
        strategy=strategy,
        total_usd=total.quantize(CENT),
        targets=dict(targets.groups),
        groups=tuple(rows),
        orders=orders,
        transfers=tuple(transfers),
        skipped=tuple(skipped),
        totals=totals,
        notes=tuple(notes),
        reference_mids=dict(sorted(ledger.mids.items())),
        stale_move_pct=policy.stale_move_pct,
        pending=tuple(pending),
        indicative=any(o.indicative for o in orders),
    )
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()[:16]
    return body.model_copy(update={"id": f"plan-{digest}"})


def _totals(
    alloc: Allocation,
    ledger: Ledger,
    orders: Sequence[PlanOrder],
    policy: PlanPolicy,
    rate: Callable[[str], Decimal | None],
    skipped: Sequence[SkippedItem],
    rows: Sequence[GroupRow],
) -> PlanTotals:
    # One pass over the orders, adding in order as ``sum`` would.
    sells = buys = fees = slippage = ZERO
    for o in orders:
        if o.side is Side.SELL and o.leg == o.legs:
            sells += o.notional_usd
        elif o.side is Side.BUY and o.leg == 1:
            buys += o.notional_usd
        fees += o.fee_usd
        slippage += o.slippage_usd
    flow = ZERO
    change = ZERO
    for asset in policy.cash_assets:
        r = rate(asset)
        if r is None:
            continue
        flow += ledger.dqty.get(asset, ZERO) * r
        state = alloc.assets.get(asset)
        if state is not None:
            change += state.target - state.value
    # Zero within fees, slippage and step rounding once the pieces the plan could not do are
    # counted (a buy not made keeps its cash, a sell not made raises none).
    undone = sum(
        (s.usd if s.side is Side.BUY else -s.usd for s in skipped if s.side is not None), ZERO
    )
    slack = fees + slippage + Decimal(len(orders)) + 1
    net = (flow - change).quantize(CENT)
    return PlanTotals(
        sells_usd=sells,
        buys_usd=buys,
        turnover_usd=sells + buys,
        fees_usd=fees,
        slippage_usd=slippage,
        net_cash_flow_usd=flow.quantize(CENT),
        cash_target_change_usd=change.quantize(CENT),
        net_usd=net,
        skipped_usd=sum((s.usd for s in skipped if s.reason is not SkipReason.FOLDED), ZERO),
        residual_drift_max_pp=max((abs(r.drift_pp) for r in rows), default=ZERO),
        undone_usd=undone,
        net_slack_usd=slack,
        net_within_fees=abs(net) <= slack,
        net_explained=abs(net - undone) <= slack,
    )
