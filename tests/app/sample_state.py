"""A whole fixed ``CockpitState`` and the core's fixed answers, for screen snapshot tests.

Built from the pane samples in :mod:`tests.app.samples` plus what only the full app shows (the
risk report, feed health, open orders, the selected market's instrument) and what the core
answers when a screen asks (chart history, execution history, the plan preview). Every time
is derived from :data:`samples.AT`, never from the clock, so each render is the same.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import numpy as np

from core.answers import PlanPreview, PreviewOrder
from core.execution.history import ExecutionHistoryView, build_history
from core.models import (
    FeedHealth,
    FeedState,
    Fill,
    Instrument,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TradingMode,
)
from core.risk import assess
from core.risk.forecast.daily import daily_sample
from core.risk.forecast.engine import forecast_view
from core.risk.forecast.views import ForecastView
from core.risk.history import PriceHistory
from core.views import CockpitState, MarketRef, RiskView
from tests.app import samples

AT = samples.AT
VENUES = ("sim-a", "sim-b")
MARKETS = (
    MarketRef(venue="sim-a", symbol="BTC/USDT"),
    MarketRef(venue="sim-a", symbol="ETH/USDT"),
    MarketRef(venue="sim-b", symbol="ETH/USDT"),
)


def risk() -> RiskView:
    """The risk report of a BTC/ETH/DOGE portfolio over 120 days of seeded random closes."""
    rnd = random.Random(42)
    start = AT - timedelta(days=120)
    closes: dict[str, list[tuple[object, float]]] = {}
    for asset, price, vol in (
        ("BTC", 60_000.0, 0.03),
        ("ETH", 3_000.0, 0.04),
        ("DOGE", 0.12, 0.07),
    ):
        series = []
        for day in range(120):
            price *= 1 + rnd.gauss(0, vol)
            series.append((start + timedelta(days=day), round(price, 6)))
        closes[asset] = series
    weights = {"BTC": 0.62, "ETH": 0.30, "DOGE": 0.08}
    assessment = assess(closes, weights, {a: a for a in weights})
    return RiskView(
        as_of=AT, report=assessment.report, limits=assessment.limits, forecast=forecast()
    )


def forecast() -> ForecastView:
    """EWMA forecast VaR of a BTC/ETH portfolio over 320 days of seeded returns, backtested."""
    rng = np.random.default_rng(11)
    days = 320
    closes = np.round(100 * np.cumprod(1 + rng.normal(0, 0.03, (days, 2)), axis=0), 6)
    end = int(AT.timestamp()) // 86400 * 86400
    times = end - np.arange(days, dtype=np.int64)[::-1] * 86400
    history = PriceHistory(("BTC", "ETH"), times, closes)
    return forecast_view(daily_sample(history, {"BTC": 0.7, "ETH": 0.3}), "ewma")


def feeds() -> tuple[FeedHealth, ...]:
    """sim-a live and quiet; sim-b live with one resync behind it."""
    return (
        FeedHealth(
            venue="sim-a",
            state=FeedState.LIVE,
            last_message_ts=AT - timedelta(milliseconds=300),
            messages_per_s=42.0,
        ),
        FeedHealth(
            venue="sim-b",
            state=FeedState.LIVE,
            last_message_ts=AT - timedelta(seconds=1),
            messages_per_s=17.5,
            resyncs=1,
        ),
    )


def _order(
    coid: str, side: Side, kind: OrderType, qty: str, price: str | None, filled: str = "0"
) -> Order:
    return Order(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=side,
        type=kind,
        qty=Decimal(qty),
        price=Decimal(price) if price is not None else None,
        status=OrderStatus.PARTIALLY_FILLED if filled != "0" else OrderStatus.OPEN,
        filled_qty=Decimal(filled),
        created_ts=AT - timedelta(minutes=3),
        updated_ts=AT,
        arrival_mid=Decimal(60000),
    )


def open_orders() -> tuple[Order, ...]:
    """A resting limit buy, a partly filled post-only sell and a plan's limit buy."""
    plan_buy = _order("plan-0123456789abcdef-0002", Side.BUY, OrderType.LIMIT, "0.05", "59950")
    return (
        _order("tui-3f9a1c2b7d4e", Side.BUY, OrderType.LIMIT, "0.1", "59800"),
        _order("tui-8b2e6f0a9c13", Side.SELL, OrderType.POST_ONLY, "0.25", "60250", "0.1"),
        plan_buy.model_copy(update={"plan_id": "plan-0123456789abcdef"}),
    )


def instrument() -> Instrument:
    return Instrument(
        venue="sim-a",
        symbol="BTC/USDT",
        base="BTC",
        quote="USDT",
        price_tick=Decimal("0.5"),
        qty_step=Decimal("0.0001"),
        min_notional=Decimal(10),
    )


def state() -> CockpitState:
    """What the core would publish: every pane's view, trading active, BTC/USDT selected."""
    return CockpitState(
        version=1,
        ts=AT,
        mode=TradingMode.PAPER,
        venues=VENUES,
        session_id=7,
        holdings=samples.holdings(),
        risk=risk(),
        plan=samples.plan(),
        book=samples.book(),
        market=MARKETS[0],
        markets=MARKETS,
        events=samples.events(),
        feeds=feeds(),
        orders=open_orders(),
        instrument=instrument(),
    )


def _fill(coid: str, side: Side, qty: str, price: str, seconds: int) -> Fill:
    q, p = Decimal(qty), Decimal(price)
    return Fill(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=side,
        qty=q,
        price=p,
        fee=q * p * Decimal("0.001"),
        fee_asset="USDT",
        liquidity=Liquidity.TAKER,
        ts=AT + timedelta(seconds=seconds),
        trade_id=f"t{seconds}",
    )


def execution_history() -> ExecutionHistoryView:
    """One plan (a sell in two fills, a buy) and one manual order."""
    orders = {
        coid: _order(coid, side, OrderType.MARKET, "0.2", None).model_copy(
            update={"status": OrderStatus.FILLED, "plan_id": plan}
        )
        for coid, side, plan in (
            ("plan-0123456789abcdef-0001", Side.SELL, "plan-0123456789abcdef"),
            ("plan-0123456789abcdef-0002", Side.BUY, "plan-0123456789abcdef"),
            ("tui-3f9a1c2b7d4e", Side.BUY, None),
        )
    }
    fills = [
        _fill("plan-0123456789abcdef-0001", Side.SELL, "0.1", "59994", 1),
        _fill("plan-0123456789abcdef-0001", Side.SELL, "0.1", "59988", 2),
        _fill("plan-0123456789abcdef-0002", Side.BUY, "0.2", "60012", 4),
        _fill("tui-3f9a1c2b7d4e", Side.BUY, "0.2", "59997", 9),
    ]
    return build_history(orders, fills, AT)


def plan_preview() -> PlanPreview:
    """What executing :func:`samples.plan` would do: a sell, then a buy."""
    plan = samples.plan()
    orders = tuple(
        PreviewOrder(
            seq=o.seq,
            venue=o.venue,
            symbol=o.symbol,
            side=o.side,
            qty=o.qty,
            limit=o.limit_price,
            usd=o.notional_usd,
        )
        for o in plan.orders
    )
    return PlanPreview(
        plan_id=plan.plan_id or "",
        mode=TradingMode.PAPER,
        orders=orders,
        sells=sum(o.side is Side.SELL for o in orders),
        buys=sum(o.side is Side.BUY for o in orders),
        notional_usd=Decimal("11970.99"),
        portfolio_pct=Decimal("11.97"),
        fees_usd=Decimal("11.97"),
        slippage_usd=Decimal(0),
        expires_at=AT.replace(year=2999),
    )
