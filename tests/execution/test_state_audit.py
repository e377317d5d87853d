"""The order state machine and the hash-chained audit trail."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import AuditBroken, IllegalTransition
from core.execution.audit import AuditLog, AuditRow, verify_rows
from core.execution.retry import RateLimiter, RetryPolicy
from core.execution.state import TRANSITIONS, Outcome, apply_update, move
from core.models import Order, OrderStatus, OrderType, Side, utcnow
from core.store import Store
from tests.execution.helpers import FakeSleep

S = OrderStatus


def order(status: S = S.SUBMITTED, filled: str = "0") -> Order:
    now = utcnow()
    return Order(
        client_order_id="o1",
        venue="v",
        symbol="BTC/USD",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal(2),
        price=Decimal(100),
        status=status,
        filled_qty=Decimal(filled),
        created_ts=now,
        updated_ts=now,
        plan_id="p1",
    )


def test_final_states_have_no_way_out() -> None:
    for status in S:
        assert (TRANSITIONS[status] == frozenset()) is status.is_final


def test_lifecycle_applies_and_keeps_local_fields() -> None:
    o = move(order(S.NEW), S.SUBMITTED)
    step = apply_update(
        o, order(S.OPEN).model_copy(update={"exchange_order_id": "x9", "plan_id": None})
    )
    assert step.outcome is Outcome.APPLIED and step.order.exchange_order_id == "x9"
    assert step.order.plan_id == "p1"  # the venue cannot rewrite our own fields
    part = apply_update(step.order, order(S.PARTIALLY_FILLED, "1"))
    more = apply_update(part.order, order(S.PARTIALLY_FILLED, "1.5"))
    assert more.outcome is Outcome.APPLIED and more.order.filled_qty == Decimal("1.5")
    done = apply_update(more.order, order(S.FILLED, "2"))
    assert done.order.status is S.FILLED


def test_stale_reports_are_ignored_and_contradictions_refused() -> None:
    filled = order(S.FILLED, "2")
    assert apply_update(filled, order(S.OPEN)).outcome is Outcome.STALE
    assert apply_update(filled, order(S.FILLED, "2")).outcome is Outcome.UNCHANGED
    with pytest.raises(IllegalTransition):
        apply_update(order(S.CANCELLED, "1"), order(S.OPEN, "1.5"))
    with pytest.raises(IllegalTransition):
        move(order(S.FILLED), S.OPEN)
    with pytest.raises(IllegalTransition):
        move(order(S.OPEN), S.UNKNOWN)


def test_unknown_resolves_to_whatever_the_venue_reports() -> None:
    unknown = move(order(S.SUBMITTED), S.UNKNOWN)
    assert apply_update(unknown, order(S.FILLED, "2")).order.status is S.FILLED
    assert move(unknown, S.SUBMITTED).status is S.SUBMITTED  # resend after "venue never saw it"


def test_backoff_is_capped_jittered_and_bounded() -> None:
    import random

    policy = RetryPolicy(attempts=6, base_s=0.5, cap_s=2.0)
    delays = list(policy.delays(random.Random(3)))
    assert len(delays) == 5
    caps = [0.5, 1.0, 2.0, 2.0, 2.0]
    assert all(0 <= d <= c for d, c in zip(delays, caps, strict=True))
    assert len(set(delays)) == 5


async def test_a_429_waits_its_retry_after_but_never_more_than_the_cap() -> None:
    import random

    from core.errors import RateLimitError
    from core.execution.retry import VenueCalls

    sleep = FakeSleep()
    calls = VenueCalls(
        ["v"],
        policy=RetryPolicy(rate_limit_floor_s=1.0, retry_after_cap_s=10.0),
        rate_per_s=100.0,
        timeout_s=1.0,
        rng=random.Random(1),
        sleep=sleep,
        clock=sleep.clock,
        on_error=lambda exc: None,
    )
    await calls.back_off(0.2, RateLimitError("slow down", retry_after=3.5))
    await calls.back_off(0.2, RateLimitError("banned", retry_after=600))
    await calls.back_off(0.2, RateLimitError("no header"))
    assert sleep.delays == [3.5, 10.0, 1.0]  # as asked; capped; the floor


async def test_rate_limiter_paces_calls_beyond_the_burst() -> None:
    sleep = FakeSleep()
    limiter = RateLimiter(rate=4.0, burst=2, clock=sleep.clock, sleep=sleep)
    for _ in range(6):
        await limiter.acquire()
    # 2 free, then 4 more at 4/s: a quarter second each.
    assert sleep.now == pytest.approx(1.0)


async def test_audit_chain_verifies_and_names_the_first_tampered_row(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = await Store.open(path)
    try:
        audit = AuditLog(store)
        for i in range(5):
            await audit.append("order.submit", "operator", {"n": i, "qty": str(Decimal("0.1") * i)})
        assert verify_rows(await audit.rows()) == 5
    finally:
        await store.close()
    # A second writer after a restart continues the same chain.
    store = await Store.open(path)
    try:
        await AuditLog(store).append("kill_switch", "operator", {"level": 1})
        rows = await AuditLog(store).rows()
        assert verify_rows(rows) == 6
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE audit SET payload = ? WHERE id = 3", ('{"n":3,"qty":"9"}',))
    rows = [AuditRow(*r) for r in sqlite3.connect(path).execute("SELECT * FROM audit ORDER BY id")]
    with pytest.raises(AuditBroken) as info:
        verify_rows(rows)
    assert info.value.row_id == 3
    with pytest.raises(AuditBroken) as info:
        verify_rows([r for r in rows if r.id != 2])
    assert info.value.row_id == 3 and "removed" in str(info.value)
