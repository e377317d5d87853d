"""The pre-trade gate: the one function every order passes before any venue sees it.

:func:`check` is pure: it takes the request, a :class:`GateContext` (what the market, the
account and the day look like right now) and the configured :class:`GateLimits`, and either
returns an :class:`Approval` or raises :class:`~core.errors.GateRefused` naming the rule.

The order manager sends only approved requests, and :class:`Approval` can only be made here,
so no code path reaches a venue's ``submit`` without this check (``tests/execution`` proves
it both at run time and by scanning the source for ``.submit(`` calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.errors import GateRefused
from core.execution.matching import walk
from core.execution.settings import GateConfig
from core.models import (
    ZERO,
    BookIntegrity,
    BookSnapshot,
    Instrument,
    OrderRequest,
    OrderType,
    Side,
)

GateLimits = GateConfig
"""The gate's thresholds are the ``execution.gate`` config section."""


@dataclass(frozen=True, slots=True)
class GateContext:
    """Everything the gate looks at, gathered by the caller at the moment of the check."""

    now: datetime
    instrument: Instrument | None
    book: BookSnapshot | None
    free: Mapping[str, Decimal]
    """Free balance per asset at the order's venue, less what in-flight orders reserved."""
    quote_usd: Decimal | None
    """USD value of one unit of the instrument's quote currency."""
    portfolio_usd: Decimal
    turnover_today_usd: Decimal
    disabled_reason: str | None = None
    """Why trading is off (kill switch, reconciling, breaker), or None."""


_APPROVAL_KEY = object()


class Approval:
    """Proof that :func:`check` passed a request. Only the gate can make one."""

    __slots__ = ("fee_usd", "notional_quote", "notional_usd", "request", "reserve")

    def __init__(
        self,
        request: OrderRequest,
        notional_quote: Decimal,
        notional_usd: Decimal,
        fee_usd: Decimal,
        reserve: tuple[str, Decimal],
        *,
        key: object,
    ) -> None:
        if key is not _APPROVAL_KEY:
            raise TypeError("only core.execution.gate.check may approve an order")
        self.request = request
        self.notional_quote = notional_quote
        self.notional_usd = notional_usd
        self.fee_usd = fee_usd
        self.reserve = reserve
        """(asset, amount) this order will lock until the venue confirms it."""


def _refuse(rule: str, message: str) -> GateRefused:
    return GateRefused(rule, message)


def check(request: OrderRequest, ctx: GateContext, limits: GateLimits) -> Approval:
    """Approve ``request`` or raise :class:`GateRefused` naming the first rule it breaks."""
    if request.indicative:
        raise _refuse(
            "indicative",
            f"{request.client_order_id}: an indicative order (priced without a live book on "
            f"{request.venue}) is never sent; connect the venue and build a new plan",
        )
    if ctx.disabled_reason:
        raise _refuse("trading_disabled", ctx.disabled_reason)
    inst, book = ctx.instrument, ctx.book
    if inst is None:
        raise _refuse("market", f"{request.venue} has no market {request.symbol}")
    if book is None or book.integrity is not BookIntegrity.VERIFIED:
        state = "no book" if book is None else f"book is {book.integrity.value}"
        raise _refuse("book", f"{inst.key}: {state}")
    age = (ctx.now - book.ts).total_seconds()
    if age > limits.book_stale_s:
        raise _refuse("book", f"{inst.key}: book is {age:.1f}s old (> {limits.book_stale_s}s)")
    mid = book.mid
    if mid is None or book.is_crossed:
        raise _refuse("book", f"{inst.key}: no two-sided book")
    if request.qty % inst.qty_step != 0:
        raise _refuse("step", f"quantity {request.qty} is not a multiple of {inst.qty_step}")
    if request.qty < inst.min_qty:
        raise _refuse("min_qty", f"quantity {request.qty} is below the minimum {inst.min_qty}")
    if request.type is OrderType.MARKET:
        if request.price is not None:
            raise _refuse("price", "a market order takes no price")
        levels = book.asks if request.side is Side.BUY else book.bids
        fills = walk(levels, request.qty, None, request.side)
        taken = sum((q for _, q in fills), ZERO)
        if taken < request.qty:
            raise _refuse("liquidity", f"the book holds {taken} of {request.qty} {inst.base}")
        notional = sum((p * q for p, q in fills), ZERO)
        worst = fills[-1][0]
    else:
        if request.price is None or request.price <= 0:
            raise _refuse("price", f"a {request.type.value} order needs a positive price")
        if request.price % inst.price_tick != 0:
            raise _refuse("tick", f"price {request.price} is not on the tick {inst.price_tick}")
        notional = request.qty * request.price
        worst = request.price
    if notional < inst.min_notional:
        raise _refuse("min_notional", f"notional {notional} is below {inst.min_notional}")
    away = abs(worst - mid) / mid * 100
    if away > limits.price_band_pct:
        raise _refuse(
            "price_band",
            f"price {worst} is {away:.2f}% from mid {mid} (band {limits.price_band_pct}%)",
        )
    if ctx.quote_usd is None:
        raise _refuse("valuation", f"no USD price for {inst.quote}")
    usd = notional * ctx.quote_usd
    if usd > limits.max_order_usd:
        raise _refuse("max_order", f"${usd:,.2f} exceeds the ${limits.max_order_usd:,} cap")
    if ctx.portfolio_usd > 0:
        pct = usd / ctx.portfolio_usd * 100
        if pct > limits.max_portfolio_pct:
            raise _refuse(
                "max_portfolio_pct",
                f"${usd:,.2f} is {pct:.1f}% of the portfolio (cap {limits.max_portfolio_pct}%)",
            )
    if ctx.turnover_today_usd + usd > limits.daily_turnover_usd:
        raise _refuse(
            "daily_turnover",
            f"${ctx.turnover_today_usd:,.2f} traded today + ${usd:,.2f} exceeds "
            f"${limits.daily_turnover_usd:,}",
        )
    fee_rate = inst.maker_fee if request.type is OrderType.POST_ONLY else inst.taker_fee
    fee = notional * fee_rate
    if request.side is Side.BUY:
        need, asset = notional + fee, inst.quote
    else:
        need, asset = request.qty, inst.base
    have = ctx.free.get(asset, ZERO)
    if have < need:
        raise _refuse("balance", f"needs {need} {asset}, {have} free on {request.venue}")
    return Approval(request, notional, usd, fee * ctx.quote_usd, (asset, need), key=_APPROVAL_KEY)
