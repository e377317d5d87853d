"""Execution history: fills with fees and slippage against the arrival mid, grouped per plan.

The core answers :class:`~core.views.ExecutionHistory` with an :class:`ExecutionHistoryView`
(built here from the stored orders and fills, off the UI loop); the history screen renders it.
Slippage is in basis points against the mid recorded when the order was sent, signed so that
positive is worse (paid above mid for a buy, sold below it for a sell).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from core.models import ZERO, Fill, Liquidity, Model, Order, Side, UtcDatetime

if TYPE_CHECKING:
    from core.store import Store

MANUAL = "manual"
"""The group of fills whose order belongs to no plan (placed by hand or by the CLI)."""


class HistoryFill(Model):
    ts: UtcDatetime
    client_order_id: str
    venue: str
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    fee_asset: str
    liquidity: Liquidity
    arrival_mid: Decimal | None = None
    slippage_bps: float | None = None
    """Against ``arrival_mid``; positive is worse."""

    @property
    def notional(self) -> Decimal:
        return self.qty * self.price


class PlanHistory(Model):
    """One plan's fills (or the manual ones) with totals."""

    plan_id: str
    orders: int
    fills: tuple[HistoryFill, ...]
    notional: Decimal
    """Sum of qty × price over the fills, in their quote currencies (see ``quotes``)."""
    fees: Decimal
    slippage_bps: float | None
    """Notional-weighted average over the fills that have an arrival mid."""
    slippage_cost: Decimal
    """What the slippage cost in quote currency (negative: price improvement)."""
    quotes: tuple[str, ...]
    last_ts: UtcDatetime


class ExecutionHistoryView(Model):
    """The answer to ``ExecutionHistory`` (see :mod:`core.answers`)."""

    kind: Literal["execution_history"] = "execution_history"
    as_of: UtcDatetime
    plans: tuple[PlanHistory, ...]
    """Most recent activity first."""
    fills: int = 0


def fill_slippage_bps(side: Side, price: Decimal, mid: Decimal | None) -> float | None:
    if not mid:
        return None
    return float((price / mid - 1) * 10_000 * side.sign)


def build_history(
    orders: Mapping[str, Order], fills: Sequence[Fill], now: datetime
) -> ExecutionHistoryView:
    """Group ``fills`` by their order's plan and total them (pure)."""
    groups: dict[str, list[HistoryFill]] = {}
    order_ids: dict[str, set[str]] = {}
    for fill in sorted(fills, key=lambda f: f.ts):
        order = orders.get(fill.client_order_id)
        mid = order.arrival_mid if order else None
        plan = (order.plan_id if order else None) or MANUAL
        groups.setdefault(plan, []).append(
            HistoryFill(
                ts=fill.ts,
                client_order_id=fill.client_order_id,
                venue=fill.venue,
                symbol=fill.symbol,
                side=fill.side,
                qty=fill.qty,
                price=fill.price,
                fee=fill.fee,
                fee_asset=fill.fee_asset,
                liquidity=fill.liquidity,
                arrival_mid=mid,
                slippage_bps=fill_slippage_bps(fill.side, fill.price, mid),
            )
        )
        order_ids.setdefault(plan, set()).add(fill.client_order_id)
    plans = []
    for plan_id, rows in groups.items():
        priced = [r for r in rows if r.arrival_mid]
        weight = sum((r.notional for r in priced), ZERO)
        slip = (
            float(sum((r.notional * Decimal(str(r.slippage_bps)) for r in priced), ZERO) / weight)
            if weight
            else None
        )
        cost = sum(
            (r.side.sign * (r.price - (r.arrival_mid or r.price)) * r.qty for r in priced), ZERO
        )
        plans.append(
            PlanHistory(
                plan_id=plan_id,
                orders=len(order_ids[plan_id]),
                fills=tuple(rows),
                notional=sum((r.notional for r in rows), ZERO),
                fees=sum((r.fee for r in rows), ZERO),
                slippage_bps=slip,
                slippage_cost=cost,
                quotes=tuple(sorted({r.symbol.rpartition("/")[2] for r in rows})),
                last_ts=rows[-1].ts,
            )
        )
    plans.sort(key=lambda p: p.last_ts, reverse=True)
    return ExecutionHistoryView(as_of=now, plans=tuple(plans), fills=len(fills))


async def load_history(store: Store, now: datetime, limit: int = 2000) -> ExecutionHistoryView:
    """The newest ``limit`` fills from ``store`` and their orders, as a history view."""
    rows = await store.fetch_all("SELECT payload FROM fills ORDER BY ts_ns DESC LIMIT ?", (limit,))
    fills = [Fill.model_validate_json(r[0]) for r in rows]
    ids = sorted({f.client_order_id for f in fills})
    orders: dict[str, Order] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for (payload,) in await store.fetch_all(
            f"SELECT payload FROM orders WHERE client_order_id IN ({marks})",
            chunk,
        ):
            order = Order.model_validate_json(payload)
            orders[order.client_order_id] = order
    return build_history(orders, fills, now)
