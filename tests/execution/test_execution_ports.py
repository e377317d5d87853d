"""Execution composed from narrow ports, without a core (issue 11, "Core as a supervisor").

The execution service is handed the venues and instruments, the gate's market view, the
accounts the portfolio shows, the current plan, an event sink and a task spawner; here each
is a small stand-in over the simulator, and no :class:`~core.service.Core` exists. An order
passes the gate, fills on the paper account and reaches the fill sink and the accounts; a
plan the planner does not show is refused and the refusal audited (the executor keeps no
copy of the current plan).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import build_venues
from core.config import Settings
from core.execution.service import ExecutionService
from core.models import BookSnapshot, Fill, Instrument, LogEvent, OrderRequest, OrderType, Side
from core.plan.models import Plan
from core.ports import AccountPort, Venue
from core.store import Store
from core.tasks import TaskSupervisor
from core.views import CommandResult, ExecutePlan, PlaceOrder, PreviewPlan

WAIT_S = 60.0
"""A generous bound on waiting for an event (a busy CI machine), never a speed target."""


class SimMarket:
    """The gate's market view over the simulator's books (what the core's view reads)."""

    def __init__(self, venues: dict[str, Venue], instruments: dict[str, Instrument]) -> None:
        self._venues, self._instruments = venues, instruments

    def instrument(self, venue: str, symbol: str) -> Instrument | None:
        return self._instruments.get(f"{venue}:{symbol}")

    def book(self, venue: str, symbol: str) -> BookSnapshot | None:
        return self._venues[venue].book(symbol, 50) if venue in self._venues else None

    def usd_price(self, asset: str) -> Decimal | None:
        if asset in ("USDT", "USD"):
            return Decimal(1)
        book = self.book("sim-a", f"{asset}/USDT")
        return book.mid if book is not None else None

    def portfolio_usd(self) -> Decimal:
        return Decimal(1_000_000)


@dataclass
class Accounts:
    """The accounts the portfolio would show; counts the polls a fill causes."""

    accounts: list[AccountPort]
    polls: int = 0

    async def poll(self) -> None:
        self.polls += 1


@dataclass
class NoPlan:
    """A planner that shows no plan and cannot build one."""

    asked: list[str | None] = field(default_factory=list)

    def current_plan(self) -> Plan | None:
        return None

    async def regenerate_plan(self, preset: str | None = None) -> CommandResult:
        self.asked.append(preset)
        return CommandResult(ok=False, message="no plan here")


@dataclass
class Rig:
    """The service and the stand-ins it was handed."""

    service: ExecutionService
    accounts: Accounts
    planner: NoPlan
    events: list[LogEvent]
    fills: list[Fill]
    filled: asyncio.Event


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    settings = Settings.model_validate(
        {"store": {"path": str(tmp_path / "ports.db")}, "sim": {"history_days": 60}}
    )
    built = build_venues(settings)
    venues = {v.venue: v for v in built.venues}
    instruments: dict[str, Instrument] = {}
    for venue in venues.values():
        instruments.update((i.key, i) for i in await venue.load_instruments())
    store = await Store.open(settings.db_path())
    await store.begin_session("paper", list(venues), "test")
    failures: list[str] = []
    tasks = TaskSupervisor(lambda name, exc: failures.append(f"{name}: {exc}"))
    events: list[LogEvent] = []
    fills: list[Fill] = []
    filled = asyncio.Event()

    def on_fill(fill: Fill) -> None:
        fills.append(fill)
        filled.set()

    accounts, planner = Accounts([*built.venues, *built.accounts]), NoPlan()
    service = ExecutionService(
        settings,
        venues,
        instruments,
        market=SimMarket(venues, instruments),
        accounts=accounts,
        planner=planner,
        on_fill=on_fill,
        emit=events.append,
        spawn=tasks.spawn,
    )
    await service.start(store)
    try:
        yield Rig(service, accounts, planner, events, fills, filled)
    finally:
        await tasks.stop(5.0)
        for venue in venues.values():
            await venue.close()
        await store.close()
    assert failures == []


async def test_an_order_passes_the_gate_and_fills_without_a_core(rig: Rig) -> None:
    service, accounts = rig.service, rig.accounts
    # Paper mode: the simulated venues' accounts the portfolio shows are now paper accounts.
    assert service.paper and all(
        a is service.paper[a.venue] for a in accounts.accounts if a.venue in service.paper
    )
    assert service.manager is not None
    book = service.manager.market.book("sim-a", "BTC/USDT")
    assert book is not None and book.best_ask is not None
    request = OrderRequest(
        client_order_id="ports-1",
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal("0.01"),
        price=book.best_ask,
    )
    result = await service.handle(PlaceOrder(request=request), actor="test")
    assert result.ok, result.message
    async with asyncio.timeout(WAIT_S):
        await rig.filled.wait()
    assert sum(f.qty for f in rig.fills if f.client_order_id == "ports-1") == Decimal("0.01")
    assert accounts.polls >= 1  # the holdings follow the fill
    assert any(e.client_order_id == "ports-1" for e in rig.events)  # through the event sink
    far = request.model_copy(update={"client_order_id": "ports-2", "price": book.best_ask * 2})
    refused = await service.handle(PlaceOrder(request=far), actor="test")
    assert not refused.ok and "[price_band]" in refused.message  # the one pre-trade gate


async def test_only_the_planners_current_plan_may_run(rig: Rig) -> None:
    service = rig.service
    refused = await service.handle(ExecutePlan(plan_id="plan-elsewhere"), actor="test")
    assert not refused.ok and "not the current plan" in refused.message
    assert service.manager is not None
    rows = [r for r in await service.manager.audit.rows() if r.kind == "plan.refused"]
    assert len(rows) == 1 and "plan-elsewhere" in rows[0].payload
    preview = await service.handle(PreviewPlan(), actor="test")
    assert (
        not preview.ok and preview.message == "[plan] no plan here" and rig.planner.asked == [None]
    )
    assert service.plan_runs == {}
