"""What goes into each published :class:`~core.views.CockpitState`, read from the services.

:class:`CockpitStateBuilder` assembles a state from the services' latest values (holdings,
risk, the plan's view, the selected market's book and candles, events, feeds, execution's status and
open orders), reusing the previous state's parts that did not change so clients compare
them cheaply. The book is read again only after it changed or the selection moved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from core.analytics import Analytics
from core.candles import LiveCandles
from core.config import Settings
from core.event_log import EventLog
from core.execution.service import ExecutionService
from core.market_books import MarketBooks
from core.market_selection import MarketSelection
from core.models import ZERO, Order, utcnow
from core.plan.live import LivePlanner
from core.ports import Venue
from core.store import Store
from core.venue_candles import VenueBars
from core.views import CockpitState


class CockpitStateBuilder:
    """Builds the core's next state (the publisher's ``build``)."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        venues: Mapping[str, Venue],
        *,
        analytics: Analytics,
        planner: LivePlanner,
        selection: MarketSelection,
        books: MarketBooks,
        candles: LiveCandles,
        venue_bars: VenueBars,
        events: EventLog,
        execution: Callable[[], ExecutionService | None],
        store: Callable[[], Store | None],
    ) -> None:
        self._settings = settings
        self._venues = venues
        self._analytics = analytics
        self._planner = planner
        self._selection = selection
        self._books = books
        self._candles = candles
        self._venue_bars = venue_bars
        self._events = events
        self._execution = execution
        self._store = store
        self._book_dirty = True
        self.latest: CockpitState | None = None

    def book_changed(self) -> None:
        """The selected market's book changed: read it again for the next state."""
        self._book_dirty = True

    def total_usd(self) -> Decimal:
        """The last published holdings' total (what the gate and the breakers compare with)."""
        state = self.latest
        return state.holdings.total if state is not None and state.holdings else ZERO

    def __call__(self, version: int, previous: CockpitState | None) -> CockpitState:
        settings = self._settings()
        market = self._selection.market
        book = previous.book if previous is not None else None
        if self._book_dirty or (previous is not None and previous.market != market):
            book = (
                self._books.book(market.venue, market.symbol, settings.ui.book_depth)
                if market is not None
                else None
            )
            self._book_dirty = False
        events = tuple(self._events.events)
        if previous is not None and previous.events == events:
            events = previous.events
        execution = self._execution()
        store = self._store()
        analytics = self._analytics
        state = CockpitState(
            version=version,
            ts=utcnow(),
            mode=settings.mode,
            venues=tuple(self._venues),
            session_id=store.session_id if store else None,
            holdings=analytics.holdings,
            risk=analytics.risk,
            plan=self._planner.view,
            book=book,
            market=market,
            markets=self._selection.markets,
            events=events,
            feeds=tuple(v.health() for v in self._venues.values()),
            trading_enabled=execution is not None and execution.trading_enabled,
            trading_reason=execution.disabled_reason if execution else None,
            kill_level=int(execution.kill.level) if execution else 0,
            chart=self._candles.tail(market.venue, market.symbol) if market else None,
            orders=self._open_orders(execution, previous),
            instrument=self._selection.instrument(),
            armed=execution.armed_orders(previous.armed if previous else ()) if execution else (),
            candle_fetches=self._venue_bars.fetched,
        )
        self.latest = state
        return state

    @staticmethod
    def _open_orders(
        execution: ExecutionService | None, previous: CockpitState | None
    ) -> tuple[Order, ...]:
        """Open orders, oldest first; the previous tuple while unchanged (cheap to compare)."""
        manager = execution.manager if execution else None
        orders = tuple(sorted(manager.open_orders(), key=lambda o: o.created_ts)) if manager else ()
        return previous.orders if previous is not None and previous.orders == orders else orders
