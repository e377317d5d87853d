"""Average-cost basis from recorded fills, and the unrealised P&L it implies.

The average-cost method: a buy adds its quantity and its cost (price x qty, plus a fee paid in
the quote asset); a sell removes quantity at the current average cost and books the
difference to its proceeds as realised P&L. A fee paid in the base asset changes the quantity
instead; a fee paid in a third asset (BNB discounts) is listed, not converted.

Fills for the same base asset in different quote assets (BTC/USDT and BTC/USD) keep separate
bases: their costs are in different units. Converting a basis to USD uses the quote asset's
*current* price, an approximation stated in :class:`UnrealisedPnl`.

A sell of more than the fills ever bought means the fills do not cover the whole history (the
position predates them): the basis is marked ``incomplete`` and P&L is shown as partial.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from pydantic import Field

from core.models import ZERO, Fill, Model, Price, PriceSource, Side


class CostBasis(Model):
    """The open position of one base asset bought in one quote asset."""

    base: str
    quote: str
    qty: Decimal = ZERO
    cost: Decimal = Field(default=ZERO, description="Total cost of the open qty, in quote.")
    realised: Decimal = Field(default=ZERO, description="Realised P&L so far, in quote.")
    fees_quote: Decimal = ZERO
    other_fees: tuple[tuple[str, Decimal], ...] = Field(
        default=(), description="Fees paid in neither base nor quote: (asset, amount)."
    )
    fills: int = 0
    incomplete: bool = Field(default=False, description="Sold more than the fills bought.")

    @property
    def avg_cost(self) -> Decimal | None:
        """Average cost per unit in the quote asset (None when flat)."""
        return self.cost / self.qty if self.qty > 0 else None


def average_cost(fills: Iterable[Fill]) -> dict[tuple[str, str], CostBasis]:
    """Average-cost bases per (base, quote), from fills in time order."""
    bases: dict[tuple[str, str], CostBasis] = {}
    for fill in sorted(fills, key=lambda f: (f.ts, f.trade_id)):
        base, _, quote = fill.symbol.upper().partition("/")
        quote = quote.split(":")[0]
        key = (base, quote)
        basis = bases.get(key) or CostBasis(base=base, quote=quote)
        bases[key] = _apply(basis, fill)
    return bases


def _apply(basis: CostBasis, fill: Fill) -> CostBasis:
    fee_asset = fill.fee_asset.upper()
    fee_base = fill.fee if fee_asset == basis.base else ZERO
    fee_quote = fill.fee if fee_asset == basis.quote else ZERO
    other = basis.other_fees
    if fill.fee and fee_asset not in (basis.base, basis.quote):
        other = (*other, (fee_asset, fill.fee))
    qty, cost, realised, incomplete = basis.qty, basis.cost, basis.realised, basis.incomplete
    if fill.side is Side.BUY:
        qty += fill.qty - fee_base
        cost += fill.qty * fill.price + fee_quote
    else:
        out = fill.qty + fee_base
        matched = min(out, max(qty, ZERO))
        if out > matched:
            incomplete = True
        removed = cost * matched / qty if qty > 0 else ZERO
        proceeds = fill.qty * fill.price - fee_quote
        realised += (proceeds * matched / out if out else ZERO) - removed
        qty -= matched
        cost = cost - removed if qty > 0 else ZERO
    return basis.model_copy(
        update={
            "qty": qty,
            "cost": cost,
            "realised": realised,
            "fees_quote": basis.fees_quote + fee_quote,
            "other_fees": other,
            "fills": basis.fills + 1,
            "incomplete": incomplete,
        }
    )


class UnrealisedPnl(Model):
    """Unrealised P&L of a holding against its average cost, in USD."""

    asset: str
    qty: Decimal = Field(description="The part of the holding the cost basis covers.")
    avg_cost_usd: Decimal
    pnl_usd: Decimal
    complete: bool = Field(
        description="False if the basis covers only part of the holding or of its history."
    )
    note: str = ""


def unrealised_pnl(
    asset: str,
    holding_qty: Decimal,
    price: Price,
    bases: Mapping[tuple[str, str], CostBasis],
    quote_prices: Mapping[str, Price],
) -> UnrealisedPnl | None:
    """Unrealised P&L of ``holding_qty`` of ``asset`` at ``price`` (None without a basis).

    Several quote assets combine: each basis's average cost is converted to USD at its quote
    asset's current price (``quote_prices``; USD itself needs no entry). A basis whose quote
    has no price is left out and the result marked incomplete.
    """
    if price.value is None or holding_qty <= 0:
        return None
    open_bases = [b for (base, _), b in bases.items() if base == asset.upper() and b.qty > 0]
    if not open_bases:
        return None
    covered_qty = ZERO
    cost_usd = ZERO
    complete = True
    notes: list[str] = []
    for basis in open_bases:
        rate = Decimal(1) if basis.quote == "USD" else quote_prices.get(basis.quote, _NO).value
        if rate is None:
            complete = False
            notes.append(f"no price for {basis.quote}")
            continue
        if basis.quote != "USD":
            notes.append(f"{basis.quote} cost at today's {basis.quote} price")
        covered_qty += basis.qty
        cost_usd += basis.cost * rate
        complete = complete and not basis.incomplete
    if covered_qty <= 0:
        return None
    avg = cost_usd / covered_qty
    qty = min(holding_qty, covered_qty)
    if holding_qty > covered_qty:
        complete = False
        notes.append(f"fills cover {covered_qty} of {holding_qty}")
    return UnrealisedPnl(
        asset=asset,
        qty=qty,
        avg_cost_usd=avg,
        pnl_usd=(price.value - avg) * qty,
        complete=complete,
        note="; ".join(notes),
    )


_NO = Price(asset="", value=None, source=PriceSource.NONE)
