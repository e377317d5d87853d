"""The core as one object: venues, feeds, balances, valuation, risk, the store, the event log.

:class:`Core` owns every long-running task (named, tracked, supervised) and publishes an
immutable :class:`~core.views.CockpitState` at the UI rate whenever something changed. Clients
(the in-process TUI, the daemon's control channel, tests) read states and send commands; none
of them owns the core.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core import __version__
from core.analytics import Analytics
from core.answers import BookAnswer
from core.candles import LiveCandles
from core.config import Settings
from core.errors import CockpitError, ExchangeError
from core.execution.service import ExecutionService
from core.models import (
    ZERO,
    Balance,
    BookSnapshot,
    EventKind,
    EventLevel,
    FeedHealth,
    FeedState,
    Fill,
    Instrument,
    Location,
    LogEvent,
    Order,
    OrderStatus,
    Trade,
    utcnow,
)
from core.ports import AccountPort, BookChanged, Venue
from core.store import Store
from core.store.db import to_ns
from core.store.markets import save_markets
from core.store.prints import PrintSampler
from core.venue_candles import VenueBars
from core.views import (
    ChartHistory,
    CockpitState,
    Command,
    CommandResult,
    CycleMarket,
    GetBook,
    ImportHoldings,
    ImportPrices,
    MarketRef,
    PerformanceReport,
    RefreshRisk,
    RegeneratePlan,
    SelectMarket,
)

log = logging.getLogger(__name__)

StateListener = Callable[[CockpitState], None]


@dataclass(frozen=True, slots=True)
class HistorySource:
    """Daily closes the core should record at start (the simulator's generated history)."""

    name: str
    series: Callable[[], dict[str, list[tuple[datetime, float]]]]


STOP_TASKS_S = 5.0
"""How long stop() waits for its cancelled tasks before it goes on without them."""


async def cancel_all(tasks: Sequence[asyncio.Task[Any]], deadline_s: float = STOP_TASKS_S) -> None:
    """Cancel ``tasks`` and wait for them, never for ever.

    A task that swallows its cancel (on 3.11, ``asyncio.wait_for`` does when the awaited thing
    finishes as the cancel lands) is cancelled again each round; one still running at the
    deadline is named in the log and left behind, so a stop always ends.
    """
    pending = {t for t in tasks if not t.done()}
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while pending:
        for task in pending:
            task.cancel()
        left = end - loop.time()
        if left <= 0:
            log.error(
                "stop: tasks still running after %.1f s: %s",
                deadline_s,
                ", ".join(sorted(t.get_name() for t in pending)),
            )
            break
        _, pending = await asyncio.wait(pending, timeout=min(left, 0.5))
    for task in tasks:  # a failure while stopping is not news; retrieve it so none is reported
        if task.done() and not task.cancelled():
            task.exception()


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
        self.accounts: list[AccountPort] = [*venues, *accounts]
        self.group_of = group_of
        self.history = history
        self.store = store
        self.instruments: dict[str, Instrument] = {}
        self.locations: dict[str, Location] = {}
        self.balances: dict[tuple[str, str], Balance] = {}
        self._recorded: dict[tuple[str, str], str] = {}
        """(location, asset) -> source of the last recorded balance snapshot."""
        self.real_balances: dict[tuple[str, str], Balance] = {}
        """Paper mode: the real balances of venues whose paper account the portfolio shows."""
        self.orders: dict[str, Order] = {}
        self.events: deque[LogEvent] = deque(maxlen=settings.ui.log_lines)
        self.closes: dict[str, list[tuple[date, float]]] = {}
        self.market: MarketRef | None = None
        self.markets: tuple[MarketRef, ...] = ()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listeners: list[StateListener] = []
        self._dirty = asyncio.Event()
        self._version = 0
        self.analytics = Analytics(self)
        self._state: CockpitState | None = None
        self._book_dirty = True
        self._prints = PrintSampler(
            {v.name for v in settings.venues if v.kind == "sim"},
            settings.store.sim_print_interval_s,
        )
        self._stopping = False
        self._stopped: asyncio.Future[None] | None = None
        self.started = asyncio.Event()
        self.execution: ExecutionService | None = None
        self.candles = LiveCandles()
        self.venue_bars = VenueBars(self.spawn, self._dirty.set)
        """The chart's venue candles (``core.venue_candles``), fetched off the command path."""
        """The newest 1-minute candles of every streamed market (the chart's live end)."""
        self.watched_markets: frozenset[str] = frozenset()
        """Markets (``venue:symbol``) attached clients chose besides the selected one: a
        change of their books publishes too (``core.daemon.market_choice``)."""

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
            s = self.settings.store
            self.store = await Store.open(
                self.settings.db_path(), flush_ms=s.flush_ms, batch_rows=s.batch_rows
            )
        await self.store.begin_session(self.settings.mode.value, list(self.venues), __version__)
        for venue in self.venues.values():
            loaded = await venue.load_instruments()
            for inst in loaded:
                self.instruments[inst.key] = inst
            # Plans made later without reaching the venue know its markets (issue 11).
            await save_markets(self.store, venue.venue, loaded, utcnow())
        for account in self.accounts:
            for loc in account.locations():
                self.locations[loc.id] = loc
        self.markets = tuple(
            MarketRef(venue=i.venue, symbol=i.symbol)
            for i in sorted(self.instruments.values(), key=lambda i: (i.venue, i.symbol))
        )
        self.market = self._default_market()
        if self.history is not None:
            await self.store.save_daily_closes(self.history.name, self.history.series())
            since = utcnow().date() - timedelta(days=self.settings.risk.window_days + 2)
            self.closes = await self.store.daily_closes(self.history.name, since=since)
        await self.analytics.load()
        await self._poll_balances()
        from core.store.portfolio import latest_balances

        self._recorded = {
            (b.location_id, b.asset): b.source
            for b in await latest_balances(self.store)
            if b.location_id in self.locations
        }
        # The first snapshot at start: a short session still records its balances.
        self._record_balances()
        self.log_event(
            EventKind.SYSTEM,
            f"cockpit {__version__} started in {self.settings.mode.value.upper()} mode on "
            f"{', '.join(self.venues)}",
        )
        self.execution = ExecutionService(self)
        await self.execution.start()  # reconciles before anything may trade
        for name, venue in self.venues.items():
            self.spawn(f"feed:{name}", self._run_feed(venue))
            self.spawn(f"user:{name}", self._run_user_stream(venue))
        self.spawn(
            "balances", self._every(self.settings.store.balance_interval_s, self._snapshot_balances)
        )
        analytics = self.analytics
        self.spawn("valuation", self._every(0.25, analytics.revalue))
        self.spawn("risk", self._every(self.settings.risk.recompute_s, analytics.recompute_risk))
        self.spawn(
            "snapshots",
            self._every(self.settings.portfolio.snapshot_interval_s, analytics.save_snapshot),
        )
        self.spawn("retention", self._retention())
        self.spawn("plan", analytics.first_plan())
        self.spawn("history", analytics.backfill_history())
        self.spawn("plan-staleness", self._every(1.0, analytics.check_plan))
        self.spawn("publisher", self._publish_loop())
        self.started.set()

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
        self._stopping = True
        await cancel_all(list(self._tasks), deadline_s=min(STOP_TASKS_S, timeout_s / 3))
        for venue in self.venues.values():
            with contextlib.suppress(Exception):
                async with asyncio.timeout(timeout_s / 6):
                    await venue.close()
        if self.store is not None:
            await self._save_last_valuation()
            self.log_event(EventKind.SYSTEM, "cockpit stopped")
            await self.store.end_session()
            await self.store.close()

    async def _save_last_valuation(self) -> None:
        """The balances, prices and snapshot of the last valuation, so a command reading the
        database after the session values the portfolio as the pane last did."""
        if self.store is None or not self.started.is_set():
            return
        try:
            self._record_balances()
            await self.analytics.save_snapshot()
        except Exception:  # the session still ends cleanly; the log says what was lost
            log.exception("could not save the last valuation")

    def spawn(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start a named, tracked task whose failure is logged and shown, never swallowed."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or self._stopping:
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s failed", task.get_name(), exc_info=exc)
            self.log_event(
                EventKind.SYSTEM,
                f"task {task.get_name()} failed: {exc}",
                level=EventLevel.ERROR,
            )

    @property
    def task_names(self) -> list[str]:
        return sorted(t.get_name() for t in self._tasks)

    async def _every(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            await job()

    async def _retention(self) -> None:
        """Forget old journal frames and trades now, then every hour (core.store.retention)."""
        from core.store.retention import BARS_KEEP_DAYS, RETENTION_EVERY_S, prune

        while True:
            if self.store is not None:
                now = to_ns(utcnow())
                day = 86_400 * 10**9
                await prune(
                    self.store,
                    journal_before_ns=now - int(self.settings.journal.retention_days * day),
                    trades_before_ns=now - int(self.settings.store.trade_retention_days * day),
                    bars_before_ns=now - BARS_KEEP_DAYS * day,
                )
            await asyncio.sleep(RETENTION_EVERY_S)

    # ------------------------------------------------------------------ feeds

    async def _run_feed(self, venue: Venue) -> None:
        symbols = list(self._venue_symbols(venue.venue))
        batch: list[Trade] = []
        async for event in venue.stream(symbols):
            if isinstance(event, BookChanged):
                if (
                    self.market
                    and event.venue == self.market.venue
                    and event.symbol == self.market.symbol
                ):
                    self._book_dirty = True
                    self._dirty.set()
                elif f"{event.venue}:{event.symbol}" in self.watched_markets:
                    self._dirty.set()
            elif isinstance(event, Trade):
                batch.append(event)
                self._on_print(event)
                if len(batch) >= 256:
                    self._flush_trades(batch)
                    batch = []
            elif isinstance(event, FeedHealth):
                self._dirty.set()
            if batch and not isinstance(event, Trade):
                self._flush_trades(batch)
                batch = []

    def _venue_symbols(self, venue: str) -> list[str]:
        configured = next((v.symbols for v in self.settings.venues if v.name == venue), ())
        if configured:
            return list(configured)
        return [i.symbol for i in self.instruments.values() if i.venue == venue]

    def _flush_trades(self, trades: list[Trade]) -> None:
        if self.store is not None:
            self.store.record_trades(self._prints.keep(trades))

    def _on_print(self, trade: Trade) -> None:
        self.analytics.portfolio.on_trade(trade)
        self.candles.on_trade(trade)
        inst = self.instruments.get(f"{trade.venue}:{trade.symbol}")
        holdings = self.analytics.holdings
        if inst is None or holdings is None:
            return
        quote_price = next(
            (r.price.value for r in holdings.rows if r.asset == inst.quote and r.price.value),
            Decimal(1) if inst.quote == "USD" else None,
        )
        if quote_price is None:
            return
        notional = trade.qty * trade.price * quote_price
        if notional >= self.settings.ui.print_log_usd:
            arrow = "▲" if trade.side.value == "buy" else "▼"
            self.log_event(
                EventKind.MARKET,
                f"{arrow} print {trade.side.value} {trade.qty} {inst.base} @ {trade.price} "
                f"(${notional:,.0f})",
                level=EventLevel.DEBUG,
                venue=trade.venue,
                symbol=trade.symbol,
                side=trade.side,
                qty=trade.qty,
                price=trade.price,
            )

    # ------------------------------------------------------------------ account

    async def _run_user_stream(self, venue: Venue) -> None:
        if self.execution is not None:
            return  # the execution service is the one consumer of the venues' private streams
        async for event in venue.user_stream():
            if isinstance(event, Order):
                await self._on_order(event)
            elif isinstance(event, Fill):
                await self._on_fill(event)
            elif isinstance(event, Balance):
                self.balances[(event.location_id, event.asset)] = event

    async def _on_order(self, order: Order) -> None:
        previous = self.orders.get(order.client_order_id)
        self.orders[order.client_order_id] = order
        if self.store is not None:
            await self.store.record_order(order)
        if previous is not None and previous.status == order.status:
            return
        kind, level = {
            OrderStatus.FILLED: (EventKind.ORDER_FILLED, EventLevel.INFO),
            OrderStatus.PARTIALLY_FILLED: (EventKind.ORDER_PARTIAL, EventLevel.INFO),
            OrderStatus.CANCELLED: (EventKind.ORDER_CANCELLED, EventLevel.INFO),
            OrderStatus.REJECTED: (EventKind.ORDER_REJECTED, EventLevel.WARNING),
        }.get(order.status, (EventKind.ORDER_ACKED, EventLevel.INFO))
        detail = (
            f" ({order.reason})" if order.reason and order.status is OrderStatus.REJECTED else ""
        )
        self.log_event(
            kind,
            f"{order.status.value} {order.side.value} {order.qty} {order.symbol}"
            + (f" @ {order.avg_price:.6g}" if order.avg_price else "")
            + detail,
            level=level,
            venue=order.venue,
            symbol=order.symbol,
            client_order_id=order.client_order_id,
            side=order.side,
            qty=order.filled_qty or order.qty,
            price=order.avg_price or order.price,
            fee=order.fee_paid or None,
        )
        await self._poll_balances()

    async def _on_fill(self, fill: Fill) -> None:
        self.analytics.portfolio.on_fill(fill)
        if self.store is not None:
            await self.store.record_fill(fill)

    async def _poll_balances(self) -> None:
        fresh: dict[tuple[str, str], Balance] = {}
        for account in self.accounts:
            try:
                balances = await account.fetch_balances()
            except ExchangeError as exc:
                # A venue that cannot answer now keeps its last known balances (their as-of
                # time shows their age); one unreachable venue never stops the others.
                self.log_event(EventKind.SYSTEM, str(exc), level=EventLevel.WARNING)
                balances = [b for b in self.balances.values() if b.source == account.venue]
            for b in balances:
                fresh[(b.location_id, b.asset)] = b
        real = await self._poll_real()
        # No await from here on: whoever polled (an order's fill) sees balances and holdings
        # change together, before it logs what happened.
        self.balances = fresh
        self.real_balances = real
        await self.analytics.revalue()

    async def _poll_real(self) -> dict[tuple[str, str], Balance]:
        """The real balances of venues a paper account stands in for (shown, never traded)."""
        real: dict[tuple[str, str], Balance] = {}
        for venue in self.venues.values():
            if any(a is venue for a in self.accounts):
                continue
            try:
                balances: Sequence[Balance] = await venue.fetch_balances()
            except ExchangeError:
                balances = [b for b in self.real_balances.values() if b.source == venue.venue]
            real.update(((b.location_id, b.asset), b) for b in balances)
        return real

    async def _snapshot_balances(self) -> None:
        await self._poll_balances()
        self._record_balances()

    def _record_balances(self) -> None:
        """Store the balances as one snapshot: an asset gone from a location since the last
        one is recorded at zero, so the newest stored balances are what the pane shows."""
        if self.store is None:
            return
        now = utcnow()
        gone = [
            Balance(location_id=loc, asset=asset, total=ZERO, free=ZERO, ts=now, source=source)
            for (loc, asset), source in self._recorded.items()
            if (loc, asset) not in self.balances
        ]
        self.store.record_balances([*self.balances.values(), *gone])
        self._recorded = {key: b.source for key, b in self.balances.items()}

    def mark_dirty(self) -> None:
        """Something shown changed: publish a new state at the next UI tick."""
        self._dirty.set()

    # ------------------------------------------------------------------ events

    def log_event(
        self, kind: EventKind, message: str, *, level: EventLevel = EventLevel.INFO, **fields: Any
    ) -> LogEvent:
        event = LogEvent(ts=utcnow(), kind=kind, level=level, message=message, **fields)
        self.events.append(event)
        # A market print's event re-words a row of the trades table (and the journal keeps it
        # for replay): not stored twice, at the tape's rate.
        if self.store is not None and kind is not EventKind.MARKET:
            self.store.record_event(event)
        self._dirty.set()
        return event

    # ------------------------------------------------------------------ publishing

    def add_listener(self, listener: StateListener) -> None:
        self._listeners.append(listener)
        if self._state is not None:
            listener(self._state)

    def remove_listener(self, listener: StateListener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @property
    def state(self) -> CockpitState | None:
        return self._state

    async def _publish_loop(self) -> None:
        interval = 1.0 / self.settings.ui.fps
        if self.analytics.risk is None:
            await self.analytics.recompute_risk()
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            self.publish()
            await asyncio.sleep(interval)

    def publish(self) -> CockpitState:
        """Build the current state and hand it to every listener."""
        self._version += 1
        previous = self._state
        book = previous.book if previous is not None else None
        if self._book_dirty or (previous is not None and previous.market != self.market):
            book = self._selected_book()
            self._book_dirty = False
        holdings = self.analytics.holdings
        plan = self.analytics.planner.view
        events = tuple(self.events)
        if previous is not None and previous.events == events:
            events = previous.events
        state = CockpitState(
            version=self._version,
            ts=utcnow(),
            mode=self.settings.mode,
            venues=tuple(self.venues),
            session_id=self.store.session_id if self.store else None,
            holdings=holdings,
            risk=self.analytics.risk,
            plan=plan,
            book=book,
            market=self.market,
            markets=self.markets,
            events=events,
            feeds=tuple(v.health() for v in self.venues.values()),
            trading_enabled=self.execution is not None and self.execution.trading_enabled,
            trading_reason=self.execution.disabled_reason if self.execution else None,
            kill_level=int(self.execution.kill.level) if self.execution else 0,
            chart=self.candles.tail(self.market.venue, self.market.symbol) if self.market else None,
            orders=self._open_orders(previous),
            instrument=self.instruments.get(self.market.key) if self.market else None,
            armed=self.execution.armed_orders(previous.armed if previous else ())
            if self.execution
            else (),
            candle_fetches=self.venue_bars.fetched,
        )
        self._state = state
        for listener in list(self._listeners):
            listener(state)
        return state

    def _open_orders(self, previous: CockpitState | None) -> tuple[Order, ...]:
        """Open orders, oldest first; the previous tuple while unchanged (cheap to compare)."""
        manager = self.execution.manager if self.execution else None
        orders = tuple(sorted(manager.open_orders(), key=lambda o: o.created_ts)) if manager else ()
        return previous.orders if previous is not None and previous.orders == orders else orders

    def _selected_book(self) -> BookSnapshot | None:
        if self.market is None:
            return None
        venue = self.venues.get(self.market.venue)
        if venue is None:
            return None
        return venue.book(self.market.symbol, self.settings.ui.book_depth)

    def _default_market(self) -> MarketRef | None:
        wanted = self.settings.ui.default_market
        if wanted:
            venue, _, symbol = wanted.partition(":")
            if f"{venue}:{symbol}" in self.instruments:
                return MarketRef(venue=venue, symbol=symbol)
        for ref in self.markets:
            if ref.symbol.startswith("BTC/"):
                return ref
        return self.markets[0] if self.markets else None

    # ------------------------------------------------------------------ commands

    async def execute(self, command: Command, *, actor: str = "operator") -> CommandResult:
        """Carry out a client's command; ``actor`` names the client in the audit trail.

        In-process callers (the TUI, the CLI) are the generic ``operator``; the daemon passes
        each control-socket client's identity (``core.daemon.protocol.audit_actor``).
        """
        handled = await self.execution.handle(command, actor=actor) if self.execution else None
        if handled is not None:
            return handled
        if isinstance(command, SelectMarket):
            key = f"{command.venue}:{command.symbol}"
            if key not in self.instruments:
                return CommandResult(ok=False, message=f"unknown market {key}")
            self.market = MarketRef(venue=command.venue, symbol=command.symbol)
        elif isinstance(command, CycleMarket):
            if not self.markets:
                return CommandResult(ok=False, message="no markets")
            index = self.markets.index(self.market) if self.market in self.markets else -1
            self.market = self.markets[(index + command.step) % len(self.markets)]
        elif isinstance(command, GetBook):
            venue = self.venues.get(command.venue)
            if venue is None:
                return CommandResult(ok=False, message=f"unknown venue {command.venue}")
            book = venue.book(command.symbol, command.depth)
            answer = BookAnswer(venue=command.venue, symbol=command.symbol, book=book)
            return CommandResult(ok=True, data=answer)
        elif isinstance(command, RefreshRisk):
            await self.analytics.recompute_risk()
        elif isinstance(command, ChartHistory):
            from core.chart_history import answer as chart_answer

            return await chart_answer(
                command, self.store, self.instruments, self.closes, self.venues, self.venue_bars
            )
        elif isinstance(command, PerformanceReport):
            from core.pnl.performance import answer as performance_answer

            holdings = self.analytics.service.holdings  # the pane's valuation
            return await performance_answer(self.store, self.settings, holdings)
        elif isinstance(command, ImportHoldings | ImportPrices):
            from core.imports import run_import

            return await run_import(
                command, self.store, self.settings, self.analytics.reload_inputs
            )
        elif isinstance(command, RegeneratePlan):
            try:
                return await self.analytics.regenerate_plan(command.preset)
            except CockpitError as exc:
                return CommandResult.failure(exc)
        else:
            return CommandResult(ok=False, message=f"{command.kind}: not available yet")
        self._book_dirty = True
        self._dirty.set()
        return CommandResult(ok=True)

    def feed_states(self) -> dict[str, FeedState]:
        return {name: v.health().state for name, v in self.venues.items()}
