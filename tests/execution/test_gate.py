"""The pre-trade gate: each rule refuses by name, on the real Kraken book."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import GateRefused
from core.execution.gate import Approval, GateContext, GateLimits, check
from core.models import BookIntegrity, BookSnapshot, OrderRequest, OrderType, Side, utcnow
from tests.execution.helpers import BTC_USD, SYMBOL, VENUE, kraken_book


@pytest.fixture
def book(shared_data: Path) -> BookSnapshot:
    return kraken_book(shared_data)


def ctx(book: BookSnapshot | None, **kw: object) -> GateContext:
    base: dict[str, object] = {
        "now": utcnow(),
        "instrument": BTC_USD,
        "book": book,
        "free": {"USD": Decimal(1_000_000), "BTC": Decimal(10)},
        "quote_usd": Decimal(1),
        "portfolio_usd": Decimal(2_000_000),
        "turnover_today_usd": Decimal(0),
    }
    base.update(kw)
    return GateContext(**base)  # type: ignore[arg-type]


def order(
    side: Side = Side.BUY, qty: str = "1", price: str | None = "29430.3", **kw: object
) -> OrderRequest:
    return OrderRequest(
        client_order_id="g1",
        venue=VENUE,
        symbol=SYMBOL,
        side=side,
        type=kw.pop("type", OrderType.LIMIT if price else OrderType.MARKET),  # type: ignore[arg-type]
        qty=Decimal(qty),
        price=Decimal(price) if price else None,
    )


def refused(request: OrderRequest, context: GateContext, limits: GateLimits | None = None) -> str:
    with pytest.raises(GateRefused) as info:
        check(request, context, limits or GateLimits())
    return info.value.rule


def test_a_sound_order_is_approved_with_its_notional(book: BookSnapshot) -> None:
    approval = check(order(), ctx(book), GateLimits())
    assert approval.notional_quote == Decimal("29430.3")
    assert approval.reserve == ("USD", Decimal("29430.3") * (1 + BTC_USD.taker_fee))


def test_market_order_notional_walks_the_book(book: BookSnapshot) -> None:
    wide = GateLimits(
        max_order_usd=Decimal(10**6),
        max_portfolio_pct=Decimal(100),
        daily_turnover_usd=Decimal(10**9),
    )
    approval = check(order(qty="9", price=None), ctx(book), wide)
    expected = Decimal("8.25215653") * Decimal("29430.3") + Decimal("0.74784347") * Decimal(
        "29430.4"
    )
    assert approval.notional_quote == expected


@pytest.mark.parametrize(
    ("request_", "context_kw", "limits_kw", "rule"),
    [
        (order(), {"disabled_reason": "kill switch engaged"}, {}, "trading_disabled"),
        (order(), {"instrument": None}, {}, "market"),
        (order(), {"book": None}, {}, "book"),
        (order(qty="0.000000015"), {}, {}, "step"),
        (order(qty="0.00005"), {}, {}, "min_qty"),
        (order(price="29430.25"), {}, {}, "tick"),
        (order(price="31000.0"), {}, {}, "price_band"),
        (order(qty="2"), {}, {"max_order_usd": Decimal(50_000)}, "max_order"),
        (order(qty="1"), {"portfolio_usd": Decimal(100_000)}, {}, "max_portfolio_pct"),
        (order(), {"turnover_today_usd": Decimal(249_000)}, {}, "daily_turnover"),
        (order(), {"free": {"USD": Decimal(29_000)}}, {}, "balance"),
        (
            order(Side.SELL, qty="11", price="29430.2"),
            {},
            {
                "max_order_usd": Decimal(10**7),
                "max_portfolio_pct": Decimal(100),
                "daily_turnover_usd": Decimal(10**9),
            },
            "balance",
        ),
        (order(qty="100", price=None), {}, {"max_order_usd": Decimal(10**9)}, "liquidity"),
        (order(), {"quote_usd": None}, {}, "valuation"),
    ],
)
def test_each_rule_refuses_by_name(
    book: BookSnapshot,
    request_: OrderRequest,
    context_kw: dict[str, object],
    limits_kw: dict[str, object],
    rule: str,
) -> None:
    context = ctx(context_kw.pop("book", book) if "book" in context_kw else book, **context_kw)
    assert refused(request_, context, GateLimits(**limits_kw)) == rule  # type: ignore[arg-type]


def test_stale_or_unverified_book_is_refused(book: BookSnapshot) -> None:
    old = book.model_copy(update={"ts": utcnow() - timedelta(seconds=120)})
    assert refused(order(), ctx(old)) == "book"
    unverified = book.model_copy(update={"integrity": BookIntegrity.RESYNCING})
    assert refused(order(), ctx(unverified)) == "book"


def test_min_notional(book: BookSnapshot) -> None:
    inst = BTC_USD.model_copy(update={"min_notional": Decimal(10)})
    assert refused(order(qty="0.0003"), ctx(book, instrument=inst)) == "min_notional"


def test_only_the_gate_can_make_an_approval() -> None:
    with pytest.raises(TypeError):
        Approval(order(), Decimal(1), Decimal(1), Decimal(0), ("USD", Decimal(1)), key=object())
