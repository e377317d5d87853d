"""Open orders count as pending: a new plan nets them out, lists them, never proposes them again.

Small enough to work out by hand (figures in the comments come from the holdings and books).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.config import GROUPS
from core.models import Location, Order, OrderStatus, OrderType, Side
from core.plan.build import build_plan
from core.plan.models import PlanPolicy
from core.plan.targets import resolve_targets
from tests.plan.synth import NOW
from tests.plan.test_plan_by_hand import _book, _holding, _inst

D = Decimal
SPOT = [Location(id="kraken:spot", venue="kraken")]
POLICY = PlanPolicy(cash_assets=("USDT",))


def _order(symbol: str, side: Side, qty: str, price: str, *, filled: str = "0") -> Order:
    return Order(
        client_order_id=f"plan-earlier-{symbol[:3]}",
        venue="kraken",
        symbol=symbol,
        side=side,
        type=OrderType.LIMIT,
        qty=D(qty),
        price=D(price),
        status=OrderStatus.OPEN if filled == "0" else OrderStatus.PARTIALLY_FILLED,
        filled_qty=D(filled),
        created_ts=NOW - timedelta(minutes=5),
        updated_ts=NOW - timedelta(minutes=5),
        plan_id="plan-earlier",
    )


def _market() -> tuple[list, list]:  # type: ignore[type-arg]
    btc, eth = _inst("BTC"), _inst("ETH")
    books = [
        _book(btc, bids=[("99.9", "10")], asks=[("100.1", "10")]),  # mid 100
        _book(eth, bids=[("99.9", "10")], asks=[("100.1", "10")]),  # mid 100
    ]
    return [btc, eth], books


def _plan(pending: list[Order]):  # type: ignore[no-untyped-def]
    # $200: BTC 1.0 x 100, ETH 0.5 x 100, 50 USDT. Targets BTC 25 %, ETH 50 %, cash 25 %:
    # sell 0.5 BTC, buy 0.5 ETH.
    holdings = [
        _holding("BTC", "1.0", "100", "BTC", "kraken:spot"),
        _holding("ETH", "0.5", "100", "ETH", "kraken:spot"),
        _holding("USDT", "50", "1", "Stablecoins", "kraken:spot"),
    ]
    weights = {g: D(0) for g in GROUPS} | {"BTC": D(25), "ETH": D(50), "Stablecoins": D(25)}
    instruments, books = _market()
    return build_plan(
        holdings,
        SPOT,
        resolve_targets(weights, min_trade_usd=D(5)),
        instruments,
        books,
        as_of=NOW,
        policy=POLICY,
        pending=pending,
    )


def _qty(plan, side: Side, asset: str) -> Decimal:  # type: ignore[no-untyped-def]
    return sum((o.qty for o in plan.orders if o.side is side and o.asset == asset), D(0))


def test_a_resting_buy_is_netted_out_and_listed() -> None:
    blind = _plan([])
    assert _qty(blind, Side.BUY, "ETH") > D("0.49")  # the whole need: ~0.5 ETH
    # An earlier plan's 0.5 ETH buy rests with 0.2 filled (that part is in the holdings):
    # the 0.3 remaining counts as pending.
    resting = _order("ETH/USDT", Side.BUY, "0.5", "100", filled="0.2")
    plan = _plan([resting])
    assert [p.client_order_id for p in plan.pending] == [resting.client_order_id]
    pending = plan.pending[0]
    assert pending.remaining_qty == D("0.3") and pending.usd == D("30.00")
    assert pending.location_id == "kraken:spot" and pending.plan_id == "plan-earlier"
    # ETH: 0.5 held + 0.3 pending = 0.8; 1.0 wanted: buy about 0.2 more, not 0.5 again.
    assert _qty(plan, Side.BUY, "ETH") + pending.remaining_qty <= _qty(blind, Side.BUY, "ETH")
    assert D("0.19") <= _qty(plan, Side.BUY, "ETH") <= D("0.2")
    assert _qty(plan, Side.SELL, "BTC") == _qty(blind, Side.SELL, "BTC")
    # "Now" is the portfolio now (ETH 25 %), not as if the order had filled (40 %).
    eth = next(r for r in plan.groups if r.group == "ETH")
    assert eth.current_pct == D(25) and eth.current_usd == D("50.00")
    assert any("1 open order(s) worth $30.00 counted as pending" in n for n in plan.notes)


def test_a_resting_sell_is_not_sold_again() -> None:
    resting = _order("BTC/USDT", Side.SELL, "0.5", "100")
    plan = _plan([resting])
    # BTC: 1.0 held, 0.5 already on offer: nothing more to sell (sells never exceed what is
    # held less what rests); the cash it will bring pays for the ETH.
    assert _qty(plan, Side.SELL, "BTC") == 0
    assert _qty(plan, Side.BUY, "ETH") > D("0.49")
    assert plan.pending[0].side is Side.SELL


def test_a_final_or_unplaceable_order_is_not_netted() -> None:
    done = _order("ETH/USDT", Side.BUY, "0.5", "100").model_copy(
        update={"status": OrderStatus.FILLED, "filled_qty": D("0.5")}
    )
    elsewhere = _order("ETH/USDT", Side.BUY, "0.3", "100").model_copy(
        update={"venue": "bitstamp", "client_order_id": "x-1"}
    )
    plan = _plan([done, elsewhere])
    assert [p.client_order_id for p in plan.pending] == ["x-1"]  # listed, filled one not
    assert plan.pending[0].location_id is None
    assert any("pending x-1 on bitstamp" in n and "not netted" in n for n in plan.notes)
    assert _qty(plan, Side.BUY, "ETH") == _qty(_plan([]), Side.BUY, "ETH")


def test_a_growing_group_keeps_its_mix_so_the_resting_buy_is_not_bought_again() -> None:
    # $100: AAVE $10, UNI $10 (DeFi), 80 USDT. DeFi 40 %, cash 60 %: blind, +$10 each.
    holdings = [
        _holding("AAVE", "0.1", "100", "DeFi", "kraken:spot"),
        _holding("UNI", "1", "10", "DeFi", "kraken:spot"),
        _holding("USDT", "80", "1", "Stablecoins", "kraken:spot"),
    ]
    aave, uni = _inst("AAVE"), _inst("UNI")
    books = [
        _book(aave, bids=[("99.9", "10")], asks=[("100.1", "10")]),
        _book(uni, bids=[("9.9", "100")], asks=[("10.1", "100")]),
    ]
    weights = {g: D(0) for g in GROUPS} | {"DeFi": D(40), "Stablecoins": D(60)}
    targets = resolve_targets(weights, min_trade_usd=D(1))
    resting = _order("AAVE/USDT", Side.BUY, "0.1", "100")

    def plan(pending: list[Order]):  # type: ignore[no-untyped-def]
        return build_plan(
            holdings, SPOT, targets, [aave, uni], books, as_of=NOW, policy=POLICY, pending=pending
        )

    assert _qty(plan([]), Side.BUY, "AAVE") > D("0.09")
    # With the $10 AAVE buy pending, AAVE has its $20; the mix is the holdings' (1:1), not
    # the netted one (2:1, which would buy AAVE again).
    netted = plan([resting])
    assert _qty(netted, Side.BUY, "AAVE") == 0
    assert D("0.9") <= _qty(netted, Side.BUY, "UNI") <= D("1")
