"""Saved plans (migration 3): each generated plan next to the inputs it is a function of.

A plan is stored as its model's JSON with its :class:`~core.plan.models.PlanInputs`, so any
saved plan can be rebuilt with :func:`core.plan.build.build_plan_from` and compared with what
was shown. Plan ids are content hashes: saving the same plan twice keeps one row. A plan's
orders and the gate's refusals of them (the promise-vs-outcome view, ``cockpit plan --show``)
are read here from the orders table and the audit trail.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from core.models import Model, Order, UtcDatetime
from core.plan.models import Plan, PlanInputs
from core.plan.outcome import PlanOutcome, group_weights, plan_outcome
from core.store.db import Store, from_ns, to_ns


class PlanSummary(Model):
    """One line of ``cockpit plan --db PATH``."""

    id: str
    created_at: UtcDatetime
    as_of: UtcDatetime
    expires_at: UtcDatetime
    strategy: str
    total_usd: Decimal
    orders: int


async def save_plan(store: Store, plan: Plan, inputs: PlanInputs, created_at: datetime) -> None:
    """Store a plan and its inputs in one transaction (idempotent by plan id)."""
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO plans (id, created_ns, as_of_ns, expires_ns, strategy,"
            " total_usd, orders, plan, inputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                plan.id,
                to_ns(created_at),
                to_ns(plan.as_of),
                to_ns(plan.expires_at),
                plan.strategy,
                str(plan.total_usd),
                len(plan.orders),
                plan.model_dump_json(),
                inputs.model_dump_json(),
            ),
        )


async def list_plans(store: Store, limit: int = 50) -> list[PlanSummary]:
    """The newest saved plans, newest first."""
    rows = await store.fetch_all(
        "SELECT id, created_ns, as_of_ns, expires_ns, strategy, total_usd, orders FROM plans"
        " ORDER BY created_ns DESC, id LIMIT ?",
        (limit,),
    )
    return [
        PlanSummary(
            id=pid,
            created_at=from_ns(created),
            as_of=from_ns(as_of),
            expires_at=from_ns(expires),
            strategy=strategy,
            total_usd=Decimal(total),
            orders=orders,
        )
        for pid, created, as_of, expires, strategy, total, orders in rows
    ]


async def load_plan(store: Store, plan_id: str) -> tuple[Plan, PlanInputs] | None:
    """A saved plan and its inputs by id (``latest`` for the newest), or None."""
    if plan_id == "latest":
        rows = await store.fetch_all(
            "SELECT plan, inputs FROM plans ORDER BY created_ns DESC LIMIT 1"
        )
    else:
        rows = await store.fetch_all("SELECT plan, inputs FROM plans WHERE id = ?", (plan_id,))
    if not rows:
        return None
    plan, inputs = rows[0]
    return Plan.model_validate_json(plan), PlanInputs.model_validate_json(inputs)


async def plan_orders(store: Store, plan_id: str) -> list[Order]:
    """Every order placed for ``plan_id``, as last recorded."""
    rows = await store.fetch_all(
        "SELECT payload FROM orders WHERE json_extract(payload, '$.plan_id') = ?"
        " ORDER BY created_ns, client_order_id",
        (plan_id,),
    )
    return [Order.model_validate_json(r[0]) for r in rows]


async def plan_refusals(store: Store, plan_id: str) -> dict[str, str]:
    """Client id -> why, for the orders of ``plan_id`` the gate refused (from the audit)."""
    rows = await store.fetch_all(
        "SELECT payload FROM audit WHERE kind = 'order.refused'"
        " AND json_extract(payload, '$.plan_id') = ? ORDER BY id",
        (plan_id,),
    )
    out: dict[str, str] = {}
    for (payload,) in rows:
        data = json.loads(payload)
        out[str(data["client_order_id"])] = f"refused by the gate ({data.get('refused_by')})"
    return out


async def recorded_outcome(store: Store, plan: Plan, now: datetime) -> PlanOutcome | None:
    """The promise-vs-outcome of a saved plan from what the store recorded, or None if the
    plan never ran (no order placed or refused). Reached weights are those of the newest live
    portfolio snapshot taken after the plan (none yet: reached is not known)."""
    from core.execution.ids import venue_id
    from core.store.portfolio import snapshots

    orders = await plan_orders(store, plan.id)
    refused = await plan_refusals(store, plan.id)
    if not orders and not refused:
        return None
    after = await snapshots(store, source="live", since=plan.as_of)
    last = after[-1] if after else None
    return plan_outcome(
        plan,
        orders,
        refused,
        group_weights(last.by_group) if last is not None else None,
        now=now,
        valued_at=last.ts if last is not None else None,
        venue_id=venue_id,
    )
