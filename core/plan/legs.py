"""Sizing one order against a live book: step rounding, minimums, fees and slippage.

The :class:`Ledger` keeps what the plan has done so far (quantities moved per asset, cash per
venue, book depth already taken), so a second order on the same market walks the depth left
by the first instead of counting the same liquidity twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from core.models import Side
from core.plan.markets import Fill, Market, limit_price, qty_for_spend, walk

ZERO = Decimal(0)
CENT = Decimal("0.01")
ONE = Decimal(1)
HUNDRED = Decimal(100)


class Leg(NamedTuple):
    """A sized order on one market, not yet committed to the ledger."""

    market: Market
    side: Side
    qty: Decimal
    fill: Fill
    quote_usd: Decimal
    thin: bool
    net_quote: Decimal
    """Quote received after fees (sells) or paid including fees (buys)."""


@dataclass(slots=True)
class Ledger:
    """Running effects of the orders committed so far."""

    cash_assets: frozenset[str] = frozenset()
    dqty: dict[str, Decimal] = field(default_factory=dict)
    cash: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    used: dict[tuple[str, str, Side], Decimal] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    """The fields of each :class:`~core.plan.models.PlanOrder`, validated into orders all at
    once when the plan is assembled (one validation call instead of one model per order)."""
    mids: dict[str, Decimal] = field(default_factory=dict)


class LegError(Exception):
    """A leg cannot be placed; ``reason`` is the :class:`SkipReason` value."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def size_leg(
    ledger: Ledger,
    market: Market,
    side: Side,
    qty: Decimal,
    *,
    quote_usd: Decimal,
    min_trade_usd: Decimal,
) -> Leg:
    """Round ``qty`` to the step, walk the remaining book, enforce every minimum."""
    inst = market.instrument
    levels = market.book.bids if side is Side.SELL else market.book.asks
    used = ledger.used.get((inst.venue, inst.symbol, side), ZERO)
    qty = inst.round_qty(qty)
    fill = walk(levels, qty, used)
    thin = fill.qty < qty
    if thin:
        qty = inst.round_qty(fill.qty)
        fill = walk(levels, qty, used)
    if qty <= ZERO or qty < inst.min_qty:
        reason = "thin_book" if thin else "below_minimum"
        raise LegError(reason, f"{inst.symbol} on {inst.venue}: {qty} under the minimum size")
    if fill.cost < inst.min_notional:
        raise LegError(
            "below_minimum",
            f"{inst.symbol} on {inst.venue}: {fill.cost:.2f} {inst.quote} under the market's "
            f"{inst.min_notional} minimum",
        )
    if fill.cost * quote_usd < min_trade_usd:
        raise LegError(
            "below_minimum",
            f"{inst.symbol} on {inst.venue}: {fill.cost * quote_usd:.2f} USD under the "
            f"{min_trade_usd} USD minimum trade",
        )
    fee = fill.cost * market.fee
    net = fill.cost - fee if side is Side.SELL else fill.cost + fee
    return Leg(market, side, qty, fill, quote_usd, thin, net)


def buy_qty(ledger: Ledger, market: Market, spend_quote: Decimal) -> Decimal:
    """Base quantity that ``spend_quote`` (fees included) buys on the remaining asks."""
    inst = market.instrument
    used = ledger.used.get((inst.venue, inst.symbol, Side.BUY), ZERO)
    return qty_for_spend(market.book.asks, spend_quote / (ONE + market.fee), used)


def commit(
    ledger: Ledger,
    leg: Leg,
    *,
    asset: str,
    group: str,
    location_id: str | None,
    route: str | None,
    leg_no: int,
    legs: int,
) -> None:
    """Record ``leg`` as an order and apply its effects on quantities and cash."""
    market, side, qty, fill, rate = leg.market, leg.side, leg.qty, leg.fill, leg.quote_usd
    inst = market.instrument
    venue, quote, fee, mid = inst.venue, inst.quote, market.fee, market.mid
    key = (venue, inst.symbol, side)
    ledger.used[key] = ledger.used.get(key, ZERO) + qty
    cost = fill.cost
    net = leg.net_quote
    base_change, quote_change = (-qty, net) if side is Side.SELL else (qty, -net)
    dqty = ledger.dqty
    dqty[inst.base] = dqty.get(inst.base, ZERO) + base_change
    if quote in ledger.cash_assets:
        cash_key = (venue, quote)
        ledger.cash[cash_key] = ledger.cash.get(cash_key, ZERO) + quote_change
    dqty[quote] = dqty.get(quote, ZERO) + quote_change
    if not market.indicative:
        ledger.mids[market.key] = mid  # staleness is checked against live books only
    avg = fill.avg
    ledger.orders.append(
        {
            "seq": len(ledger.orders) + 1,
            "venue": venue,
            "symbol": inst.symbol,
            "side": side,
            "qty": qty,
            "limit_price": limit_price(inst, fill.worst, side),
            "est_avg_price": avg.quantize(inst.price_tick / HUNDRED),
            "mid": mid,
            "quote": quote,
            "asset": asset,
            "group": group,
            "location_id": location_id,
            "notional_usd": (cost * rate).quantize(CENT),
            "fee_usd": (cost * fee * rate).quantize(CENT),
            "slippage_usd": (abs(avg - mid) * qty * rate).quantize(CENT),
            "route": route,
            "leg": leg_no,
            "legs": legs,
            "indicative": market.indicative,
        }
    )
