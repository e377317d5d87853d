"""Saved plans (migration 3): each generated plan next to the inputs it is a function of.

A plan is stored as its model's JSON with its :class:`~core.plan.models.PlanInputs`, so any
saved plan can be rebuilt with :func:`core.plan.build.build_plan_from` and compared with what
was shown. Plan ids are content hashes: saving the same plan twice keeps one row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from core.models import Model, UtcDatetime
from core.plan.models import Plan, PlanInputs
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
