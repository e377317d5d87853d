"""Checks every plan must pass, shared by the property tests and the real-portfolio test."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from core.models import Holding, Instrument, Side
from core.plan.models import Plan, SkipReason


def check_plan(
    plan: Plan,
    holdings: Sequence[Holding],
    instruments: Sequence[Instrument],
    min_trade_usd: Decimal,
) -> None:
    markets = {(i.venue, i.symbol): i for i in instruments}
    for order in plan.orders:
        inst = markets.get((order.venue, order.symbol))
        assert inst is not None, f"order on a market that does not exist: {order}"
        assert order.qty > 0 and order.qty % inst.qty_step == 0, order
        assert order.qty >= inst.min_qty, order
        assert order.limit_price % inst.price_tick == 0, order
        assert order.qty * order.est_avg_price >= inst.min_notional, order
    check_balance(plan, holdings, min_trade_usd)


def check_balance(plan: Plan, holdings: Sequence[Holding], min_trade_usd: Decimal) -> None:
    """The invariants that need no market list: sells per location within holdings, sells
    before buys, net within fees of zero once skipped pieces count, nothing dropped silently."""
    held = {(h.location_id, h.asset): h.qty for h in holdings}
    sold: dict[tuple[str, str], Decimal] = {}
    seen_buy = False
    for order in plan.orders:
        assert order.qty > 0, order
        assert order.notional_usd >= min_trade_usd - Decimal("0.01"), order
        if order.side is Side.BUY:
            seen_buy = True
            assert order.location_id is None
        else:
            assert not seen_buy, "sells must come before buys"
            if order.leg == 1:
                assert order.location_id is not None and order.symbol.startswith(order.asset + "/")
                key = (order.location_id, order.asset)
                sold[key] = sold.get(key, Decimal(0)) + order.qty
        if order.side is Side.SELL:
            assert order.limit_price <= order.mid
        else:
            assert order.limit_price >= order.mid
    for key, qty in sold.items():
        assert qty <= held.get(key, Decimal(0)), f"sold {qty} of {key}, holding {held.get(key)}"
    assert [o.seq for o in plan.orders] == list(range(1, len(plan.orders) + 1))
    totals = plan.totals
    assert totals.fees_usd == sum((o.fee_usd for o in plan.orders), Decimal(0))
    # Net cash flow against what the targets asked of cash: zero within fees, slippage and
    # step rounding, once the pieces the plan listed as not done are accounted for (a buy not
    # made leaves cash, a sell not made leaves none).
    undone = sum(
        (s.usd * (1 if s.side is Side.BUY else -1) for s in plan.skipped if s.side is not None),
        Decimal(0),
    )
    slack = totals.fees_usd + totals.slippage_usd + Decimal(len(plan.orders)) + 1
    assert abs(totals.net_usd - undone) <= slack, (totals, undone)
    # The plan says so itself (the pane and --json show these, computed, not labels).
    assert totals.undone_usd == undone and totals.net_slack_usd == slack
    assert totals.net_explained
    assert totals.net_within_fees is (abs(totals.net_usd) <= slack)
    assert all(s.reason and s.detail for s in plan.skipped)
    # Nothing silently dropped: a plan that leaves a group out of band says what it could not
    # do (weights are zero-sum, so the cause may sit in another group).
    explained = [s for s in plan.skipped if s.reason is not SkipReason.FOLDED]
    out = [row.group for row in plan.groups if not row.in_band]
    assert not out or explained or plan.transfers, f"{out} out of band without a reason"
