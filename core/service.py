"""The core as a supervisor: it builds the services, runs and stops their tasks, publishes state.

:class:`Core` composes the services that do the work, each handed the narrow things it uses,
never the core: accounts' balances, books, market selection, public feeds, valuation and
risk (:mod:`core.analytics`), the plan (:mod:`core.plan_service`), execution, the event log
and the command table. It owns every long-running task (:mod:`core.tasks`) and publishes an
immutable :class:`~core.views.CockpitState` at the UI rate whenever something changed.
Clients (the in-process TUI, the daemon's control channel, tests) read states and send
commands; none of them owns the core.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from core import __version__, session
from core.account_balances import AccountBalances
from core.analytics import Analytics
from core.candles import LiveCandles
from core.command_dispatch import CommandDispatch, core_commands
from core.config import Settings
from core.event_log import EventLog
from core.execution.service import ExecutionService
from core.market_books import MarketBooks
from core.market_feed import MarketFeed
from core.market_selection import MarketSelection
from core.market_view import GateMarketView
from core.models import EventKind, EventLevel, FeedState, Instrument, LogEvent, utcnow
from core.plan_service import PlanService
from core.portfolio.stored import live_venues
from core.ports import AccountPort, Venue
from core.session import HistorySource
from core.state_builder import CockpitStateBuilder
from core.state_publisher import StateListener, StatePublisher
from core.store import Store
from core.store.retention import run_retention
from core.tasks import STOP_TASKS_S, TaskSupervisor, every
from core.venue_candles import VenueBars
from core.views import CockpitState, Command, CommandResult

log = logging.getLogger(__name__)


class Core:
    """The running cockpit core. ``await start()``, then ``await stop()``."""

    def __init__(
        self,
        settings: Settings,
        venues: Sequence[Venue],
        *,
        accounts: Sequence[AccountPort] = (),
        group_of: Callable[[str], str],
        history: HistorySource | None = None,
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        self.venues = {v.venue: v for v in venues}
        self.history = history
        self.store = store
        self.instruments: dict[str, Instrument] = {}
        self.tasks = TaskSupervisor(self._task_failed)
        self.event_log = EventLog(settings.ui.log_lines, self.mark_dirty)
        self.events = self.event_log.events
        self.balances = AccountBalances(
            [*venues, *accounts],
            self.venues,
            live=live_venues(settings),
            warn=lambda message: self.log_event(
                EventKind.SYSTEM, message, level=EventLevel.WARNING
            ),
            polled=lambda: self.analytics.revalue(),
        )
        self.books = MarketBooks(self.venues, self.instruments)
        self.selection = MarketSelection(self.instruments)
        self.analytics = Analytics(
            lambda: self.settings,
            group_of,
            sources=self.balances,
            books=self.books,
            instruments=self.instruments,
            venues=self.venues,
            events=self.event_log,
            changed=self.mark_dirty,
        )
        self.plans = PlanService(
            lambda: self.settings.targets,
            self.analytics,
            books=self.books,
            instruments=self.instruments,
            locations=self.balances,
            live_venues=self.venues,
            changed=self.mark_dirty,
        )
        self.candles = LiveCandles()  # the newest 1-minute candles: the chart's live end
        self.venue_bars = VenueBars(self.spawn, self.mark_dirty)  # the chart's venue candles
        self.feed = MarketFeed(
            self.instruments,
            self.selection,
            self.event_log,
            lambda: self.settings,
            on_trade=(self.analytics.portfolio.on_trade, self.candles.on_trade),
            holdings=lambda: self.analytics.holdings,
            book_changed=self._book_changed,
            changed=self.mark_dirty,
        )
        self.execution: ExecutionService | None = None
        self.commands = CommandDispatch(
            lambda: self.execution,
            core_commands(
                self.selection,
                self.books,
                self.analytics,
                self.plans,
                lambda: self.store,
                lambda: self.settings,
                self.venues,
                self.venue_bars,
            ),
            self._book_changed,
        )
        self.state_builder = CockpitStateBuilder(
            lambda: self.settings,
            self.venues,
            analytics=self.analytics,
            planner=self.plans.planner,
            selection=self.selection,
            books=self.books,
            candles=self.candles,
            venue_bars=self.venue_bars,
            events=self.event_log,
            execution=lambda: self.execution,
            store=lambda: self.store,
        )
        self.publisher = StatePublisher(self.state_builder, lambda: self.settings.ui.fps)
        self.started = asyncio.Event()
        self._stopped: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Open the store, load instruments and history, start every task.

        A start that fails (a venue that cannot load, an unreadable ``portfolio.imports``
        file) stops what it started, the store included, and raises: the process can exit.
        """
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        if self.store is None:
            self.store = await session.open_store(self.settings)
        store = self.store
        self.event_log.store = self.analytics.store = self.feed.store = self.balances.store = store
        await session.begin(store, self.settings, self.venues, self.instruments)
        self.balances.load_locations()
        self.selection.load(self.settings.ui.default_market)
        if self.history is not None:
            window = self.settings.risk.window_days
            self.analytics.closes = await session.record_history(store, self.history, window)
        analytics = self.analytics
        await analytics.load()
        await self.plans.load(store)
        await self.balances.poll()
        await self.balances.load_recorded(store)
        self.balances.record(store)  # the first snapshot at start: a short session records it
        self.log_event(
            EventKind.SYSTEM,
            f"cockpit {__version__} started in {self.settings.mode.value.upper()} mode on "
            f"{', '.join(self.venues)}",
        )
        self.execution = analytics.execution = self.plans.execution = self._execution()
        await self.execution.start(store)  # reconciles before anything may trade
        for name, venue in self.venues.items():
            self.spawn(f"feed:{name}", self.feed.run(venue))
        snapshot = self.balances.snapshot
        self.spawn("balances", every(self.settings.store.balance_interval_s, snapshot))
        self.spawn("valuation", every(0.25, analytics.revalue))
        self.spawn("risk", every(self.settings.risk.recompute_s, analytics.recompute_risk))
        interval = self.settings.portfolio.snapshot_interval_s
        self.spawn("snapshots", every(interval, analytics.save_snapshot))
        self.spawn("retention", run_retention(store, self.settings, clock=utcnow))
        self.spawn("plan", self.plans.first_plan())
        self.spawn("history", analytics.backfill_history())
        self.spawn("plan-staleness", every(1.0, self.plans.check_plan))
        self.spawn("publisher", self.publisher.run(analytics.first_risk))
        self.started.set()

    def _execution(self) -> ExecutionService:
        market = GateMarketView(
            self.books,
            self.instruments,
            self.analytics.portfolio,
            lambda: self.settings.portfolio,
            self.state_builder.total_usd,
        )
        return ExecutionService(
            self.settings,
            self.venues,
            self.instruments,
            market=market,
            accounts=self.balances,
            planner=self.plans,
            on_fill=self.analytics.portfolio.on_fill,
            emit=self.event_log.append,
            spawn=self.spawn,
        )

    async def stop(self, timeout_s: float = 6.0) -> None:
        """Cancel every task, close venues, end the session, flush and close the store.

        Bounded: a task that ignores its cancellation or a venue that hangs on close is
        logged and left behind (the process is exiting), so the session's end is still
        recorded within ``timeout_s``. Stopping runs once (a start that fails stops too); a
        second call waits for the first to finish.
        """
        if self._stopped is None:
            self._stopped = asyncio.ensure_future(self._stop(timeout_s))
        await asyncio.shield(self._stopped)

    async def _stop(self, timeout_s: float) -> None:
        await self.tasks.stop(min(STOP_TASKS_S, timeout_s / 3))
        await session.close_venues(self.venues, timeout_s / 6)
        if self.store is not None:
            await self._save_last_valuation(self.store)
            self.log_event(EventKind.SYSTEM, "cockpit stopped")
            await self.store.end_session()
            await self.store.close()

    async def _save_last_valuation(self, store: Store) -> None:
        """The balances, prices and snapshot of the last valuation, so a command reading the
        database after the session values the portfolio as the pane last did."""
        if not self.started.is_set():
            return
        try:
            self.balances.record(store)
            await self.analytics.save_snapshot()
        except Exception:  # the session still ends cleanly; the log says what was lost
            log.exception("could not save the last valuation")

    def spawn(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start a named, tracked task whose failure is logged and shown, never swallowed."""
        return self.tasks.spawn(name, coro)

    def _task_failed(self, name: str, exc: BaseException) -> None:
        self.log_event(EventKind.SYSTEM, f"task {name} failed: {exc}", level=EventLevel.ERROR)

    @property
    def task_names(self) -> list[str]:
        return self.tasks.names

    # ------------------------------------------------------------------ events and state

    def log_event(
        self, kind: EventKind, message: str, *, level: EventLevel = EventLevel.INFO, **fields: Any
    ) -> LogEvent:
        return self.event_log.log(kind, message, level=level, **fields)

    def mark_dirty(self) -> None:
        """Something shown changed: publish a new state at the next UI tick."""
        self.publisher.mark_dirty()

    def _book_changed(self) -> None:
        self.state_builder.book_changed()
        self.publisher.mark_dirty()

    def add_listener(self, listener: StateListener) -> None:
        self.publisher.add_listener(listener)

    def remove_listener(self, listener: StateListener) -> None:
        self.publisher.remove_listener(listener)

    @property
    def state(self) -> CockpitState | None:
        return self.publisher.state

    def publish(self) -> CockpitState:
        """Build the current state and hand it to every listener."""
        return self.publisher.publish()

    # ------------------------------------------------------------------ commands

    async def execute(self, command: Command, *, actor: str = "operator") -> CommandResult:
        """Carry out a client's command; ``actor`` names the client in the audit trail.

        In-process callers (the TUI, the CLI) are the generic ``operator``; the daemon passes
        each control-socket client's identity (``core.daemon.protocol.audit_actor``).
        """
        return await self.commands.dispatch(command, actor=actor)

    def feed_states(self) -> dict[str, FeedState]:
        return {name: v.health().state for name, v in self.venues.items()}
