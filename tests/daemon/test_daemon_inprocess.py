"""The daemon object in process: open orders at shutdown, journal retention, replay --from."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import build_core
from core.daemon.protocol import Role
from core.daemon.remote import RemoteCore
from core.daemon.runner import Daemon
from core.journal import list_sessions, load_frames
from core.models import OrderRequest, OrderStatus, OrderType, Side
from core.replay import ReplayClient
from core.sim.venue import SimVenue
from core.store.db import from_ns
from tests.app.conftest import WAIT_S
from tests.daemon.recorded import record_session, sim_settings


@pytest.mark.parametrize("on_stop", ["cancel", "leave"])
async def test_open_orders_are_cancelled_or_left_at_shutdown(tmp_path: Path, on_stop: str) -> None:
    base = sim_settings(tmp_path / "c.db")
    settings = base.model_copy(
        update={
            "daemon": base.daemon.model_copy(
                update={"on_stop": on_stop, "socket": tmp_path / "d.sock"}
            )
        }
    )
    core = build_core(settings)
    daemon = Daemon(settings, None, core)
    run = asyncio.create_task(daemon.run())

    async def connect() -> RemoteCore:
        while True:
            client = RemoteCore(tmp_path / "d.sock", role=Role.OBSERVER)  # a fresh one per try
            try:
                await client.start()
                return client
            except Exception:
                await client.stop()
                await asyncio.sleep(0.05)

    client = await asyncio.wait_for(connect(), WAIT_S)
    await client.stop()
    venue = core.venues["sim-a"]
    assert isinstance(venue, SimVenue)
    book = venue.book("BTC/USDT", 1)
    assert book is not None and book.bids
    far_below = (book.bids[0].price / 2).quantize(Decimal("0.1"))
    order = await venue.submit(
        OrderRequest(
            client_order_id="resting-1",
            venue="sim-a",
            symbol="BTC/USDT",
            side=Side.BUY,
            type=OrderType.LIMIT,
            qty=Decimal("0.01"),
            price=far_below,
        )
    )
    assert not order.status.is_final
    daemon.request_stop("test")
    assert await asyncio.wait_for(run, WAIT_S) == 0
    if on_stop == "cancel":
        assert daemon.cancelled_at_stop == ["resting-1"]
        assert venue._orders["resting-1"].status is OrderStatus.CANCELLED
    else:
        assert daemon.cancelled_at_stop == []
        assert not venue._orders["resting-1"].status.is_final


async def test_retention_deletes_old_journals_and_replay_starts_from_a_time(
    tmp_path: Path,
) -> None:
    db = tmp_path / "c.db"
    await record_session(db, states=20)
    _, frames = load_frames(db)
    middle = frames[len(frames) // 2]
    replay = ReplayClient(db, start_at=from_ns(middle.ts_ns), paused=True)
    await replay.start()
    try:
        assert replay.index == len(frames) // 2
        state = replay.latest()
        assert state is not None and state.version == middle.version
    finally:
        await replay.stop()

    with sqlite3.connect(db) as conn:  # make the first session 30 days old
        month = 30 * 86_400 * 10**9
        conn.execute("UPDATE sessions SET started_ns = started_ns - ?", (month,))
        conn.execute("UPDATE journal SET ts_ns = ts_ns - ?", (month,))
    await record_session(db, states=5)  # the next core's start prunes (core.store.retention)
    old, new = sorted(list_sessions(db), key=lambda s: s.id)
    assert old.frames == 0 and new.frames > 0


async def test_a_flush_cancelled_mid_write_leaves_no_open_transaction(tmp_path: Path) -> None:
    """What a SIGTERM does to a task recording an order: the store must stay writable."""
    from core.models import EventKind, LogEvent, utcnow
    from core.store import Store

    db = tmp_path / "c.db"
    store = await Store.open(db, flush_ms=10_000, batch_rows=1_000_000)
    try:
        for i in range(2_000):
            store.record_event(LogEvent(ts=utcnow(), kind=EventKind.SYSTEM, message=f"e{i}"))
        caller = asyncio.create_task(store.flush())
        await asyncio.sleep(0)  # the write has begun
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        store.record_event(LogEvent(ts=utcnow(), kind=EventKind.SYSTEM, message="after"))
        await store.flush()  # would fail with "cannot start a transaction within a transaction"
    finally:
        await store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (2_001,)
