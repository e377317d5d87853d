"""Orders already working count as pending: a new plan nets them out, never proposes them again.

After a crash (or while a plan's limit orders rest) the venues hold open orders the holdings
do not show yet. Planning on the bare holdings would buy the same coins a second time. So the
plan starts from the portfolio *as if every open order had filled*: the remaining quantity of
an open buy is added to its venue's location and its cost taken from the quote currency
there; an open sell the other way round. The orders themselves are listed on the plan as
:class:`~core.plan.models.PendingOrder`. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from core.models import (
    ZERO,
    Custody,
    Holding,
    Location,
    Order,
    Price,
    Side,
    SubAccount,
)
from core.plan.models import PendingOrder

CENT = Decimal("0.01")


def trading_location(venue: str, locations: Iterable[Location]) -> Location | None:
    """The location an order at ``venue`` fills into: its tradable exchange account, spot first."""
    found = [
        loc
        for loc in locations
        if loc.venue == venue and loc.tradable and loc.custody is Custody.EXCHANGE
    ]
    found.sort(key=lambda loc: (loc.sub_account is not SubAccount.SPOT, loc.id))
    return found[0] if found else None


def net_pending(
    holdings: Sequence[Holding],
    locations: Sequence[Location],
    pending: Iterable[Order],
    group_of: Callable[[str], str],
) -> tuple[list[Holding], tuple[PendingOrder, ...], list[str]]:
    """Holdings as if every open order filled, the pending orders, and notes on any not netted."""
    book: dict[tuple[str, str], Holding] = {(h.asset, h.location_id): h for h in holdings}
    qty: dict[tuple[str, str], Decimal] = {k: h.qty for k, h in book.items()}
    prices: dict[str, Price] = {}
    for h in holdings:
        if h.price.value is not None:
            prices.setdefault(h.asset, h.price)
    out: list[PendingOrder] = []
    notes: list[str] = []
    for order in sorted(pending, key=lambda o: o.client_order_id):
        remaining = order.qty - order.filled_qty
        if order.status.is_final or remaining <= ZERO:
            continue
        base, _, quote = order.symbol.partition("/")
        loc = trading_location(order.venue, locations)
        base_usd = _usd(prices.get(base))
        limit = order.price if order.price is not None else _cross(prices, base, quote)
        out.append(
            PendingOrder(
                client_order_id=order.client_order_id,
                venue=order.venue,
                symbol=order.symbol,
                side=order.side,
                remaining_qty=remaining,
                price=order.price,
                usd=(remaining * base_usd).quantize(CENT) if base_usd is not None else ZERO,
                plan_id=order.plan_id,
                location_id=loc.id if loc is not None else None,
            )
        )
        if loc is None or limit is None or not quote:
            notes.append(
                f"pending {order.client_order_id} on {order.venue}: no tradable location or "
                "price to net it against; listed, not netted"
            )
            continue
        sign = Decimal(1) if order.side is Side.BUY else Decimal(-1)
        for asset, change in ((base, sign * remaining), (quote, -sign * remaining * limit)):
            key = (asset, loc.id)
            qty[key] = qty.get(key, ZERO) + change
    netted: list[Holding] = []
    for key, amount in qty.items():
        asset, location_id = key
        amount = max(amount, ZERO)
        held = book.get(key)
        if held is not None:
            netted.append(held if held.qty == amount else held.model_copy(update={"qty": amount}))
        elif amount > ZERO and asset in prices:
            netted.append(
                Holding(
                    asset=asset,
                    location_id=location_id,
                    qty=amount,
                    price=prices[asset],
                    group=group_of(asset),
                    source="pending",
                )
            )
        elif amount > ZERO:
            notes.append(f"pending {asset} at {location_id}: unpriced, left out")
    if out:
        worth = sum((p.usd for p in out), ZERO)
        notes.append(
            f"{len(out)} open order(s) worth ${worth:,.2f} counted as pending: netted out, "
            "not proposed again"
        )
    return netted, tuple(out), notes


def _usd(price: Price | None) -> Decimal | None:
    return price.value if price is not None else None


def _cross(prices: Mapping[str, Price], base: str, quote: str) -> Decimal | None:
    """A market order's expected price: base over quote in USD (USD itself is 1)."""
    b = _usd(prices.get(base))
    q = Decimal(1) if quote == "USD" else _usd(prices.get(quote))
    return b / q if b is not None and q is not None and q > 0 else None


def group_values(holdings: Iterable[Holding], group_of: Callable[[str], str]) -> dict[str, Decimal]:
    """USD per group of the priced holdings (the "now" a plan with pending orders shows)."""
    out: dict[str, Decimal] = {}
    for h in holdings:
        if h.price.value is not None and h.price.value > ZERO and h.qty > ZERO:
            group = group_of(h.asset)
            out[group] = out.get(group, ZERO) + h.qty * h.price.value
    return out


def asset_values(holdings: Iterable[Holding]) -> dict[str, Decimal]:
    """USD per asset of the priced holdings (the mix a group keeps while orders are pending)."""
    out: dict[str, Decimal] = {}
    for h in holdings:
        if h.price.value is not None and h.price.value > ZERO and h.qty > ZERO:
            out[h.asset] = out.get(h.asset, ZERO) + h.qty * h.price.value
    return out
