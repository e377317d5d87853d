"""The live rebalancing plan inside a running core: build, save, check, and promise vs outcome.

The logic lives in :mod:`core.plan.live` (:class:`~core.plan.live.LivePlanner`: the preset,
the current plan, its view) and :mod:`core.plan.outcome`; :class:`PlanService` is their
I/O edge. It is handed the narrow things it reads (the valuation, the books, the
instruments, the accounts' locations, the store and the execution service once they exist)
and calls ``changed`` when the plan's view changed. It is the execution service's
:class:`~core.execution.ports.CurrentPlan`: the plan the pane shows is the only one that may
be executed, and there is no second copy of it anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from core.config import TargetsConfig
from core.execution.ids import venue_id
from core.execution.service import ExecutionService
from core.market_books import MarketBooks
from core.models import Holding, Instrument, Location, Order, utcnow
from core.plan.indicative import IndicativeMarkets, indicative_markets
from core.plan.live import PLAN_BOOK_DEPTH, LivePlanner
from core.plan.models import Plan
from core.plan.outcome import PlanOutcome, group_weights, plan_outcome
from core.store import Store
from core.store.markets import stored_markets
from core.store.plans import save_plan
from core.views import CommandResult, HoldingsView

FIRST_PLAN_WAIT_S = 5.0
"""How long the first plan waits for every market's book (orders are priced from them)."""


class Valuation(Protocol):
    """What the planner reads of the valued portfolio (:class:`~core.analytics.Analytics`)."""

    holdings: HoldingsView | None
    closes: dict[str, list[tuple[date, float]]]

    def held(self) -> Sequence[Holding]:
        """The merged, valued holdings a plan trades."""
        ...

    async def revalue(self) -> None: ...

    async def save_snapshot(self) -> None: ...


class Locations(Protocol):
    def locations(self) -> Mapping[str, Location]: ...


class PlanService:
    """The current preset and plan of one core, and the last executed plan's outcome."""

    def __init__(
        self,
        targets: Callable[[], TargetsConfig],
        valuation: Valuation,
        *,
        books: MarketBooks,
        instruments: Mapping[str, Instrument],
        locations: Locations,
        live_venues: Iterable[str],
        changed: Callable[[], None],
    ) -> None:
        self._targets = targets
        self._valuation = valuation
        self._books = books
        self._instruments = instruments
        self._locations = locations
        self._live_venues = live_venues
        self._changed = changed
        self.planner = LivePlanner(targets())
        self.store: Store | None = None
        """The session's store, once it is open (plans are saved as they are shown)."""
        self.execution: ExecutionService | None = None
        """The execution service, once it has started (open orders, plan runs)."""
        self.stored_markets: dict[str, tuple[datetime, tuple[Instrument, ...]]] = {}
        """Venue -> its last stored markets (for venues the core does not reach)."""
        self._lock = asyncio.Lock()
        self._snapshot_after: str | None = None
        """The executed plan whose end the last snapshot recorded."""

    async def load(self, store: Store) -> None:
        """Read the markets the store cached for every venue it ever reached."""
        self.store = store
        self.stored_markets = await stored_markets(store)

    def current_plan(self) -> Plan | None:
        """The plan the pane shows (the only one execution may run)."""
        return self.planner.current.plan if self.planner.current is not None else None

    async def first_plan(self) -> None:
        """The plan at start, once every market has a book (or after a short wait)."""
        for _ in range(100):
            books = self._books.for_pricing()
            if len(books) >= len(self._instruments) and all(b.mid for b in books):
                break
            await asyncio.sleep(FIRST_PLAN_WAIT_S / 100)
        await self.regenerate_plan()
        # The first portfolio snapshot and price cache at start: a short session records them.
        await self._valuation.save_snapshot()

    async def regenerate_plan(self, preset: str | None = None) -> CommandResult:
        """Build a plan on the live books for the preset, save it, publish its view."""
        async with self._lock:
            self.planner.select(preset)
            await self._valuation.revalue()
            now = utcnow()
            books = self._books.for_pricing(PLAN_BOOK_DEPTH)
            holdings = list(self._valuation.held())
            locations = list(self._locations.locations().values())
            built = await asyncio.to_thread(
                self.planner.build,
                holdings,
                locations,
                list(self._instruments.values()),
                books,
                dict(self._valuation.closes),
                now,
                indicative=self._indicative(holdings, locations, now),
                pending=self._pending(),
            )
            if not isinstance(built, str) and self.store is not None:
                await save_plan(self.store, built.plan, built.inputs, now)
            self.planner.adopt(built, books, now)
            self._changed()
            if isinstance(built, str):
                return CommandResult(ok=False, message=built)
            return CommandResult(ok=True, message=f"plan {built.plan.id}")

    def _pending(self) -> list[Order]:
        """Open orders: a new plan nets them out instead of proposing them again."""
        execution = self.execution
        manager = execution.manager if execution is not None else None
        return manager.open_orders() if manager is not None else []

    def _indicative(
        self, holdings: list[Holding], locations: list[Location], now: datetime
    ) -> IndicativeMarkets | None:
        """Markets for tradable venues the core is not connected to (an import's exchanges)."""
        closes = self._valuation.closes
        prices = {a: Decimal(str(series[-1][1])) for a, series in closes.items() if series}
        prices.update({h.asset: h.price.value for h in holdings if h.price.value is not None})
        config = self._targets()
        return indicative_markets(
            config.indicative,
            locations,
            live_venues=self._live_venues,
            stored=self.stored_markets,
            prices=prices,
            as_of=now,
            read_only=config.read_only_venues,
        )

    async def check_plan(self) -> None:
        """Re-check the plan against the books and follow the last executed plan's outcome."""
        changed = self.planner.check(self._books.for_pricing(), utcnow())
        outcome = self._outcome()
        if outcome is not None:
            changed = self.planner.record_outcome(outcome) or changed
            if self._finished(outcome.plan_id) and self._snapshot_after != outcome.plan_id:
                # What the run reached, on record: ``cockpit plan --show`` reads it back.
                self._snapshot_after = outcome.plan_id
                await self._valuation.save_snapshot()
        if changed:
            self._changed()

    def _finished(self, plan_id: str) -> bool:
        execution = self.execution
        run = execution.plan_executor.plan_runs.get(plan_id) if execution else None
        return run is not None and run.progress("").finished

    def _outcome(self) -> PlanOutcome | None:
        """The last executed plan's promise against what its run and the market did."""
        execution = self.execution
        if execution is None or execution.manager is None:
            return None
        runs = execution.plan_executor.plan_runs
        plan_id = next(reversed(runs), None) if runs else None
        plan = execution.plan_executor.executed.get(plan_id) if plan_id else None
        if plan is None or plan_id is None:
            return None
        refused = {c: r for c, r in runs[plan_id].results.items() if isinstance(r, str)}
        orders = [o for o in execution.manager.orders.values() if o.plan_id == plan_id]
        view = self._valuation.holdings
        weights = group_weights({g.group: g.value for g in view.groups}) if view else None
        return plan_outcome(
            plan,
            orders,
            refused,
            weights,
            now=utcnow(),
            valued_at=view.as_of if view is not None else None,
            venue_id=venue_id,
        )
