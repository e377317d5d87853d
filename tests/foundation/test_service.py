"""The core service end to end on the simulator: start, publish, record, command, stop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import build_core
from core.config import Settings, SimConfig, StoreConfig
from core.errors import ConfigError
from core.models import EventKind
from core.service import Core
from core.sim.venue import SimVenue
from core.views import CockpitState, CycleMarket, SelectMarket

TIMEOUT_S = 30


def settings(db: Path) -> Settings:
    return Settings(
        sim=SimConfig(tick_hz=100, history_days=400),
        store=StoreConfig(path=db),
    )


async def wait_for_state(core: Core, predicate: Callable[[CockpitState], bool]) -> CockpitState:
    """The first published state that satisfies ``predicate``."""
    found: asyncio.Future[CockpitState] = asyncio.get_running_loop().create_future()

    def listener(state: CockpitState) -> None:
        if not found.done() and predicate(state):
            found.set_result(state)

    core.add_listener(listener)
    try:
        return await asyncio.wait_for(found, TIMEOUT_S)
    finally:
        core.remove_listener(listener)


def complete(state: CockpitState) -> bool:
    return bool(
        state.holdings is not None
        and state.holdings.rows
        and state.risk is not None
        and state.plan is not None
        and state.book is not None
        and state.book.bids
        and state.events
    )


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def test_core_runs_publishes_records_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "cockpit.db"
    core = build_core(settings(db))
    sim = core.venues["sim-a"]
    assert isinstance(sim, SimVenue)
    world = sim.world
    await core.start()
    try:
        assert core.started.is_set()
        assert {"feed:sim-a", "feed:sim-b", "exec:user:sim-a", "publisher", "risk"} <= set(
            core.task_names
        )
        state = await wait_for_state(core, complete)
        holdings = state.holdings
        assert holdings is not None and state.plan is not None and state.book is not None
        assert holdings.total == sum((r.value for r in holdings.rows), Decimal(0))
        assert holdings.total == sum((g.value for g in holdings.groups), Decimal(0))
        # The demo portfolio: about $250k on two venues and a cold wallet.
        assert 200_000 < holdings.total < 300_000
        assert {loc.group for loc in holdings.locations} == {
            "sim-a:spot",
            "sim-b:spot",
            "ledger:cold",
        }
        # The plan was built from a valuation an instant earlier: prices have moved a little.
        assert state.plan.plan_id is not None and state.plan.orders
        assert abs(state.plan.total - holdings.total) < holdings.total / 100
        assert state.market is not None and state.book.symbol == state.market.symbol
        assert state.market.symbol.startswith("BTC/")
        assert not state.book.is_crossed
        assert state.events[0].kind is EventKind.SYSTEM
        assert state.session_id is not None

        # The market moves: a later state carries a newer book.
        first_seq = state.book.sequence
        assert first_seq is not None
        later = await wait_for_state(
            core, lambda s: s.book is not None and (s.book.sequence or 0) > first_seq + 5
        )
        assert later.version > state.version

        # Cycling the market switches the book pane to the next market.
        before = later.market
        assert before is not None
        result = await core.execute(CycleMarket())
        assert result.ok
        index = core.selection.markets.index(before)
        expected = core.selection.markets[(index + 1) % len(core.selection.markets)]
        moved = await wait_for_state(core, lambda s: s.market == expected and s.book is not None)
        assert moved.book is not None and moved.book.symbol == expected.symbol
        assert moved.book.venue == expected.venue

        bad = await core.execute(SelectMarket(venue="sim-a", symbol="NOPE/USDT"))
        assert not bad.ok and "unknown market" in bad.message

        # Let enough of the market pass for trades to print on both venues.
        steps = world.steps
        await wait_for_state(core, lambda s: world.steps >= steps + 50)
    finally:
        await core.stop()
    assert core.task_names == []

    trades = rows(db, "SELECT venue, COUNT(*) FROM trades GROUP BY venue")
    assert {venue for venue, _ in trades} == {"sim-a", "sim-b"}
    assert all(isinstance(n, int) and n > 0 for _, n in trades)
    balances = rows(db, "SELECT location_id, COUNT(*) FROM balances GROUP BY location_id")
    assert {loc for loc, _ in balances} == {"sim-a:spot", "sim-b:spot", "ledger:cold"}
    sessions = rows(db, "SELECT clean_exit, ended_ns IS NOT NULL FROM sessions")
    assert sessions == [(1, 1)]
    events = rows(db, "SELECT message FROM events ORDER BY id")
    assert str(events[0][0]).startswith("cockpit ") and events[-1] == ("cockpit stopped",)
    closes = rows(db, "SELECT COUNT(DISTINCT asset), COUNT(*) FROM daily_closes")
    assert closes == [(len(world.assets), len(world.assets) * 400)]


async def test_live_venue_kinds_build_without_keys(tmp_path: Path) -> None:
    config = Settings.model_validate(
        {
            "venues": [{"name": "sim-a", "kind": "sim"}, {"name": "k", "kind": "kraken"}],
            "store": {"path": str(tmp_path / "c.db")},
        }
    )
    core = build_core(config)
    assert list(core.venues) == ["sim-a", "k"]
    assert type(core.venues["k"]).__name__ == "LiveVenue"
    assert await core.venues["k"].fetch_balances() == []
    await core.venues["k"].close()
    none_enabled = Settings.model_validate(
        {"venues": [{"name": "sim-a", "kind": "sim", "enabled": False}]}
    )
    with pytest.raises(ConfigError):
        build_core(none_enabled)
