"""Value holdings and break them down by group, location or asset, adding up exactly.

Sums are exact: values are computed and added in a wide :mod:`decimal` context that *traps*
inexact results, so a breakdown's rows always add up to its total to the last digit (a bug
would raise, never round silently). Display rounding is a separate, explicit step
(:func:`allocate_cents`) that keeps rounded rows summing to the rounded total.

Holdings worth less than the dust threshold (by absolute value, so negative dust too) are
hidden from the rows but never from the totals: ``visible + hidden == total``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Literal

from pydantic import Field

from core.config import GROUPS
from core.models import ZERO, Holding, Model, Price

By = Literal["group", "location", "asset"]
CENT = Decimal("0.01")
_EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])


def exact_value(holding: Holding) -> Decimal:
    """``qty × price`` without rounding (zero for an unpriced holding)."""
    if holding.price.value is None:
        return ZERO
    return _EXACT.multiply(holding.qty, holding.price.value)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values`` (raises rather than round)."""
    total = ZERO
    for value in values:
        total = _EXACT.add(total, value)
    return total


def reprice(holdings: Iterable[Holding], prices: Mapping[str, Price]) -> list[Holding]:
    """The holdings with prices from ``prices`` where it has one for their asset."""
    return [
        h.model_copy(update={"price": prices[h.asset]}) if h.asset in prices else h
        for h in holdings
    ]


class BreakdownRow(Model):
    """One line of a breakdown: a group, a location or an asset."""

    key: str
    value: Decimal
    weight: Decimal = Field(description="Share of the visible total, 0..1 (display only).")
    holdings: int
    qty: Decimal | None = Field(default=None, description="Total quantity (by asset only).")
    price: Price | None = Field(default=None, description="The asset's price (by asset only).")
    unpriced: int = 0
    stale: int = 0


class Breakdown(Model):
    """Rows plus totals, where ``sum(rows) == visible`` and ``visible + hidden == total``."""

    by: By
    rows: tuple[BreakdownRow, ...]
    visible: Decimal
    hidden: Decimal = Field(description="Value of holdings under the dust threshold.")
    hidden_count: int
    total: Decimal
    unpriced: tuple[str, ...] = Field(default=(), description="Assets without a price.")
    stale: tuple[str, ...] = Field(default=(), description="Assets valued at a stale price.")


def breakdown(holdings: Iterable[Holding], by: By, dust_usd: Decimal = ZERO) -> Breakdown:
    """Aggregate ``holdings`` by group, location or asset, hiding dust below ``dust_usd``.

    Rows come in the taxonomy's group order for ``group``, else by value, largest first.
    """
    items = [(h, exact_value(h)) for h in holdings]
    shown = [(h, v) for h, v in items if abs(v) >= dust_usd]
    hidden = [(h, v) for h, v in items if abs(v) < dust_usd]
    buckets: dict[str, list[tuple[Holding, Decimal]]] = {}
    for h, v in shown:
        key = {"group": h.group, "location": h.location_id, "asset": h.asset}[by]
        buckets.setdefault(key, []).append((h, v))
    visible = exact_sum(v for _, v in shown)
    hidden_value = exact_sum(v for _, v in hidden)
    rows = [_row(key, members, visible, by) for key, members in buckets.items()]
    if by == "group":
        order = {g: i for i, g in enumerate(GROUPS)}
        rows.sort(key=lambda r: (order.get(r.key, len(order)), r.key))
    else:
        rows.sort(key=lambda r: (-r.value, r.key))
    assert exact_sum(r.value for r in rows) == visible
    return Breakdown(
        by=by,
        rows=tuple(rows),
        visible=visible,
        hidden=hidden_value,
        hidden_count=len(hidden),
        total=exact_sum((visible, hidden_value)),
        unpriced=tuple(sorted({h.asset for h, _ in items if h.price.value is None})),
        stale=tuple(sorted({h.asset for h, _ in items if h.price.stale})),
    )


def _row(
    key: str, members: Sequence[tuple[Holding, Decimal]], visible: Decimal, by: By
) -> BreakdownRow:
    value = exact_sum(v for _, v in members)
    qty = exact_sum(h.qty for h, _ in members) if by == "asset" else None
    price = members[0][0].price if by == "asset" else None
    return BreakdownRow(
        key=key,
        value=value,
        weight=(value / visible) if visible else ZERO,
        holdings=len(members),
        qty=qty,
        price=price,
        unpriced=sum(1 for h, _ in members if h.price.value is None),
        stale=sum(1 for h, _ in members if h.price.stale),
    )


def allocate_cents(values: Sequence[Decimal]) -> list[Decimal]:
    """Round ``values`` to cents so that the rounded values sum to the rounded total.

    Largest-remainder rounding: each value is rounded toward zero, then the missing cents go
    to the values that lost the most. A pane showing these rows and their total never shows
    a column that does not add up.
    """
    if not values:
        return []
    total = exact_sum(values).quantize(CENT, rounding=decimal.ROUND_HALF_EVEN)
    floors = [v.quantize(CENT, rounding=decimal.ROUND_FLOOR) for v in values]
    missing = int((total - exact_sum(floors)) / CENT)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    out = list(floors)
    for i in order[: max(missing, 0)]:
        out[i] += CENT
    return out
