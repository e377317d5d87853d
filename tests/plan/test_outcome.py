"""Promise against outcome, as a pure function: every order accounted for, drift reached."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.config import GROUPS
from core.execution.ids import venue_id
from core.models import Location, Order, OrderStatus
from core.plan.build import build_plan
from core.plan.models import Plan, PlanPolicy
from core.plan.outcome import OrderOutcome, group_weights, plan_outcome
from core.plan.targets import resolve_targets
from tests.plan.synth import NOW
from tests.plan.test_plan_by_hand import _book, _holding, _inst

D = Decimal


def _plan() -> Plan:
    """Five orders on kraken: sell BTC, buy ETH, SOL, ADA, DOT (each ~$20 of a $200 book)."""
    holdings = [
        _holding("BTC", "1.0", "100", "BTC", "kraken:spot"),
        _holding("USDT", "100", "1", "Stablecoins", "kraken:spot"),
        *(
            _holding(a, "0.1", "100", g, "kraken:spot")
            for a, g in (("ETH", "ETH"), ("SOL", "SOL"), ("ADA", "L1/L0 majors"))
        ),
        _holding("DOT", "0.1", "100", "L2/Scaling", "kraken:spot"),
    ]
    weights = {g: D(0) for g in GROUPS} | {
        "BTC": D(20), "ETH": D(15), "SOL": D(15), "L1/L0 majors": D(15), "L2/Scaling": D(15),
        "Stablecoins": D(20),
    }  # fmt: skip
    insts = [_inst(a) for a in ("BTC", "ETH", "SOL", "ADA", "DOT")]
    books = [_book(i, bids=[("99.9", "100")], asks=[("100.1", "100")]) for i in insts]
    plan = build_plan(
        holdings,
        [Location(id="kraken:spot", venue="kraken")],
        resolve_targets(weights, min_trade_usd=D(5)),
        insts,
        books,
        as_of=NOW,
        policy=PlanPolicy(cash_assets=("USDT",)),
    )
    assert [o.asset for o in plan.orders] == ["BTC", "ADA", "DOT", "ETH", "SOL"]
    return plan


def _placed(plan: Plan, seq: int, status: OrderStatus, filled: str, **kw: object) -> Order:
    o = plan.orders[seq - 1]
    order = Order.from_request(o.to_request(plan.id), status)
    cid = venue_id(order.client_order_id)  # as the venue was sent it
    return order.model_copy(
        update={"client_order_id": cid, "filled_qty": D(filled), "updated_ts": NOW, **kw}
    )


def test_every_order_is_accounted_for_with_why() -> None:
    plan = _plan()
    btc_sell, ada, dot, eth, sol = plan.orders
    sol = sol.model_copy(update={"indicative": True})
    plan = plan.model_copy(update={"orders": (btc_sell, ada, dot, eth, sol)})
    placed = [
        _placed(plan, 1, OrderStatus.FILLED, str(btc_sell.qty), avg_price=D("99.9")),
        _placed(plan, 2, OrderStatus.PARTIALLY_FILLED, "0.05"),
        _placed(plan, 3, OrderStatus.CANCELLED, "0", reason="kill switch"),
        # A TWAP slice of the ETH buy under the venue's id: matched by market and side.
        _placed(plan, 4, OrderStatus.REJECTED, "0", reason="insufficient funds").model_copy(
            update={"client_order_id": venue_id(f"{plan.id}-0004-t2"), "qty": D("0.05")}
        ),
        # Another plan's order is not this plan's business.
        _placed(plan, 2, OrderStatus.FILLED, "1").model_copy(
            update={"client_order_id": "other-1", "plan_id": "plan-other"}
        ),
    ]
    valued = NOW + timedelta(minutes=3)
    now_pct = {g: D(0) for g in GROUPS} | {
        "BTC": D(25), "ETH": D(10), "SOL": D(5), "L1/L0 majors": D(12), "L2/Scaling": D(8),
        "Stablecoins": D(40),
    }  # fmt: skip
    outcome = plan_outcome(
        plan,
        placed,
        {f"{plan.id}-0005": "never reached"},
        now_pct,
        now=valued,
        valued_at=valued,
        venue_id=venue_id,
    )
    got = {o.seq: (o.outcome, o.why) for o in outcome.orders}
    assert got[1] == (OrderOutcome.FILLED, "filled at 99.9")
    assert got[2][0] is OrderOutcome.OPEN
    assert got[2][1] == f"unfilled limit at {ada.limit_price:f} (0.05 of {ada.qty:f} filled)"
    assert got[3] == (OrderOutcome.CANCELLED, f"cancelled (0 of {dot.qty:f} filled): kill switch")
    assert got[4] == (OrderOutcome.REFUSED, "refused by kraken: insufficient funds")
    # Indicative: never sent, whatever else is said about it.
    assert got[5] == (OrderOutcome.NOT_SENT, "never reached")
    assert len(outcome.orders) == 5 and "other-1" not in {o.client_order_id for o in outcome.orders}
    assert [o.seq for o in outcome.not_done] == [2, 3, 4, 5] and len(outcome.still_open) == 1
    # Drift: promised from the plan, reached from the weights given.
    for g in outcome.groups:
        row = next(r for r in plan.groups if r.group == g.group)
        assert g.promised_drift_pp == row.drift_pp
        assert g.reached_drift_pp == now_pct[g.group] - row.target_pct
    assert outcome.reached_max_pp == D(20)  # Stablecoins 40 % against 20 %
    assert outcome.promised_max_pp == plan.totals.residual_drift_max_pp


def test_nothing_known_yet_and_group_weights() -> None:
    plan = _plan()
    outcome = plan_outcome(plan, [], {}, None, now=NOW, valued_at=None)
    assert all(o.outcome is OrderOutcome.NOT_SENT for o in outcome.orders)
    assert all(o.why == "not placed (the run stopped first)" for o in outcome.orders)
    assert outcome.reached_max_pp is None and all(g.gap_pp is None for g in outcome.groups)
    assert group_weights({"BTC": D(30), "ETH": D(10)}) == {"BTC": D(75), "ETH": D(25)}
    assert group_weights({"BTC": D(0)}) == {}
    assert [o.side for o in outcome.orders] == [o.side for o in plan.orders]
