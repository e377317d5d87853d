"""Valuation, risk and the rebalancing plan of the live portfolio, inside the core.

The logic lives in :mod:`core.portfolio.live` (holdings, prices, P&L), :mod:`core.risk` and
:mod:`core.plan.live`; :class:`Analytics` is their I/O edge in a running
:class:`~core.service.Core`: it reads the core's balances, books, daily closes and store,
keeps the views it computes (holdings, risk, plan) and marks the core dirty when one changed,
so the next published state carries it. The core schedules the jobs: valuation 4 times a
second, risk every ``risk.recompute_s``, plan staleness every second, snapshots every
``portfolio.snapshot_interval_s``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.models import Balance, BookSnapshot, Holding, Instrument, Location, Order, utcnow
from core.plan.indicative import IndicativeMarkets, indicative_markets
from core.plan.live import PLAN_BOOK_DEPTH, LivePlanner
from core.plan.outcome import PlanOutcome, group_weights, plan_outcome
from core.portfolio.live import LivePortfolio
from core.portfolio.service import PortfolioService
from core.portfolio.stored import live_venues, simulated_accounts
from core.risk import assess, breach_events
from core.risk.forecast.live import ForecastCache
from core.risk.inputs import history_coverage, risk_inputs, with_history
from core.views import CommandResult, HoldingsView, RiskView

if TYPE_CHECKING:
    from core.service import Core


class Analytics:
    """The live portfolio's holdings, risk figures and plan for one core."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.portfolio = LivePortfolio(
            core.settings.portfolio, core.group_of, simulated=simulated_accounts(core.settings)
        )
        self.service = PortfolioService(
            self.portfolio,
            _CoreHoldings(core),
            _CoreBooks(self),
            changed=core.mark_dirty,
            clock=utcnow,
            change_24h=self._change_24h,
        )
        self.planner = LivePlanner(core.settings.targets)
        self.holdings: HoldingsView | None = None
        self.risk: RiskView | None = None
        self._forecasts = ForecastCache()
        self.taxonomy_version = "unknown"
        self._plan_lock = asyncio.Lock()
        self._snapshot_after: str | None = None
        """The executed plan whose end the last snapshot recorded."""
        self.stored_markets: dict[str, tuple[datetime, tuple[Instrument, ...]]] = {}
        """Venue -> its last stored markets (for venues the core does not reach)."""
        self._alerted: set[str] = set()
        self.close_sources: dict[str, str] = {}
        """Which stored source each asset's daily closes come from."""

    def books_for_pricing(self, depth: int = 1) -> list[BookSnapshot]:
        books = []
        for inst in self.core.instruments.values():
            venue = self.core.venues.get(inst.venue)
            book = venue.book(inst.symbol, depth) if venue else None
            if book is not None:
                books.append(book)
        return books

    def _change_24h(self, prices: Mapping[str, Any]) -> dict[str, float]:
        out = {}
        yesterday = utcnow().date() - timedelta(days=1)
        for asset, price in prices.items():
            series = self.core.closes.get(asset)
            if not series or price.value is None:
                continue
            ref = next((c for d, c in reversed(series) if d <= yesterday), None)
            if ref:
                out[asset] = float(price.value) / ref - 1.0
        return out

    async def revalue(self) -> None:
        # Venues whose holdings are their paper account take the basis from paper fills.
        paper = frozenset(
            name
            for name, account in (self.core.execution.paper.items() if self.core.execution else ())
            if any(a is account or getattr(a, "paper", None) is account for a in self.core.accounts)
        )
        if paper != self.portfolio.paper_venues:
            self.portfolio.set_paper_venues(paper)
        self.holdings = self.service.revalue()

    async def load(self) -> None:
        from core.store.markets import stored_markets
        from core.store.portfolio import cached_prices, recorded_fills, snapshots

        await self.load_sources()
        await self.load_closes()
        if self.core.store is not None:
            self.stored_markets = await stored_markets(self.core.store)
            self.portfolio.cached.update(await cached_prices(self.core.store))
            self.portfolio.load_fills(await recorded_fills(self.core.store))  # the cost basis
            # The sparkline starts from the last day's stored snapshots (issue 8, History).
            since = utcnow() - timedelta(days=1)
            stored = await snapshots(self.core.store, source="live", since=since)
            self.portfolio.seed_history(float(s.total_usd) for s in stored)

    async def reload_inputs(self) -> None:
        """After an import committed through the core: the imported holdings and the daily
        closes are read again, then the portfolio is revalued and the risk recomputed, so the
        next published state shows the import."""
        await self.load_sources()
        await self.load_closes()
        await self.revalue()
        await self.recompute_risk()

    async def load_sources(self) -> None:
        """The imported holdings and manual positions, beside the venues' balances."""
        from core.portfolio.stored import load_imported, manual
        from core.portfolio.taxonomy import load_taxonomy
        from core.store.portfolio import latest_import

        settings = self.core.settings
        self.taxonomy_version = load_taxonomy(settings.portfolio.taxonomy.overrides).version
        last = await latest_import(self.core.store) if self.core.store is not None else None
        # The import is a holdings source like the venues (portfolio.imports files or the
        # database's latest `cockpit import`); reading files is blocking, so off the loop.
        imported = await asyncio.to_thread(load_imported, settings, last.holdings if last else ())
        self.portfolio.set_sources(
            imported,
            manual(settings, utcnow()),
            settings.portfolio.location_registry().locations,
        )

    async def load_closes(self) -> None:
        """Daily closes of every held asset from every stored source (the simulator's,
        ``cockpit import prices``, venue OHLCV): risk, the 24 h change and the last-close
        prices read them."""
        from core.portfolio.pricing import close_prices
        from core.store.closes import SIM_SOURCE, stored_closes

        if self.core.store is None:
            return
        closes, sources = await stored_closes(self.core.store)
        closes.update({a: c for a, c in self.core.closes.items() if a not in closes})
        self.core.closes = closes
        self.close_sources = sources
        # Real holdings are valued from real closes only, simulated ones from the simulator's.
        real = {a: c for a, c in closes.items() if sources.get(a, SIM_SOURCE) != SIM_SOURCE}
        self.portfolio.close_prices = close_prices(real)
        simulated = await self.core.store.daily_closes(SIM_SOURCE)
        self.portfolio.simulated_close_prices = close_prices(simulated)

    async def backfill_history(self) -> None:
        """Daily closes of the held assets from every live venue's public candles, then the
        closes, prices and risk are reloaded (:mod:`core.pricehistory`)."""
        from core.errors import ExchangeError
        from core.models import EventKind, EventLevel
        from core.pricehistory import PriceHistoryService, describe
        from core.venues.ohlcv import Backfill, CandleSource

        store = self.core.store
        sources: list[CandleSource] = [
            rest
            for venue in self.core.venues.values()
            if isinstance(rest := getattr(venue, "rest", None), CandleSource)
        ]
        if store is None or not sources:
            return

        async def done(result: Backfill | ExchangeError, venue: str) -> None:
            failed = not isinstance(result, Backfill)
            self.core.log_event(
                EventKind.SYSTEM,
                describe(result, venue),
                level=EventLevel.WARNING if failed else EventLevel.INFO,
            )
            if not failed:
                await self.load_closes()
                await self.recompute_risk()

        service = PriceHistoryService(
            sources,
            store,
            lambda: {h.asset for h in self.portfolio.holdings},
            utcnow,
            days=self.core.settings.risk.window_days + 1,
            on_done=done,
        )
        await service.run()

    async def save_snapshot(self) -> None:
        """Store the portfolio snapshot (totals by group/location) and the live prices."""
        from core.store.portfolio import save_prices, save_snapshot

        if self.core.store is None or not self.portfolio.holdings:
            return
        await save_snapshot(
            self.core.store, self.portfolio.snapshot(utcnow(), self.taxonomy_version)
        )
        await save_prices(self.core.store, self.portfolio.prices_to_cache())

    async def first_plan(self) -> None:
        # The first plan waits (briefly) for every market's book: orders are priced from them.
        for _ in range(100):
            books = self.books_for_pricing()
            if len(books) >= len(self.core.instruments) and all(b.mid for b in books):
                break
            await asyncio.sleep(0.05)
        await self.regenerate_plan()
        # The first portfolio snapshot and price cache at start: a short session records them.
        await self.save_snapshot()

    async def regenerate_plan(self, preset: str | None = None) -> CommandResult:
        """Build a plan on the live books for the preset, save it, publish its view."""
        from core.store.plans import save_plan

        async with self._plan_lock:
            self.planner.select(preset)
            await self.revalue()
            now = utcnow()
            books = self.books_for_pricing(PLAN_BOOK_DEPTH)
            holdings = list(self.portfolio.holdings)
            locations = list(self.core.locations.values())
            built = await asyncio.to_thread(
                self.planner.build,
                holdings,
                locations,
                list(self.core.instruments.values()),
                books,
                dict(self.core.closes),
                now,
                indicative=self._indicative(holdings, locations, now),
                pending=self._pending(),
            )
            if not isinstance(built, str) and self.core.store is not None:
                await save_plan(self.core.store, built.plan, built.inputs, now)
            self.planner.adopt(built, books, now)
            self.core.mark_dirty()
            if isinstance(built, str):
                return CommandResult(ok=False, message=built)
            return CommandResult(ok=True, message=f"plan {built.plan.id}")

    def _pending(self) -> list[Order]:
        """Open orders: a new plan nets them out instead of proposing them again."""
        execution = self.core.execution
        manager = execution.manager if execution is not None else None
        return manager.open_orders() if manager is not None else []

    def _indicative(
        self, holdings: list[Holding], locations: list[Location], now: datetime
    ) -> IndicativeMarkets | None:
        """Markets for tradable venues the core is not connected to (an import's exchanges)."""
        prices = {
            a: Decimal(str(series[-1][1])) for a, series in self.core.closes.items() if series
        }
        prices.update({h.asset: h.price.value for h in holdings if h.price.value is not None})
        config = self.core.settings.targets
        return indicative_markets(
            config.indicative,
            locations,
            live_venues=self.core.venues,
            stored=self.stored_markets,
            prices=prices,
            as_of=now,
            read_only=config.read_only_venues,
        )

    async def check_plan(self) -> None:
        changed = self.planner.check(self.books_for_pricing(), utcnow())
        outcome = self._outcome()
        if outcome is not None:
            changed = self.planner.record_outcome(outcome) or changed
            if self._finished(outcome.plan_id) and self._snapshot_after != outcome.plan_id:
                # What the run reached, on record: ``cockpit plan --show`` reads it back.
                self._snapshot_after = outcome.plan_id
                await self.save_snapshot()
        if changed:
            self.core.mark_dirty()

    def _finished(self, plan_id: str) -> bool:
        execution = self.core.execution
        run = execution.plan_executor.plan_runs.get(plan_id) if execution else None
        return run is not None and run.progress("").finished

    def _outcome(self) -> PlanOutcome | None:
        """The last executed plan's promise against what its run and the market did."""
        from core.execution.ids import venue_id

        execution = self.core.execution
        if execution is None or execution.manager is None:
            return None
        runs = execution.plan_executor.plan_runs
        plan_id = next(reversed(runs), None) if runs else None
        plan = execution.plan_executor.plans.get(plan_id) if plan_id else None
        if plan is None or plan_id is None:
            return None
        refused = {c: r for c, r in runs[plan_id].results.items() if isinstance(r, str)}
        orders = [o for o in execution.manager.orders.values() if o.plan_id == plan_id]
        view = self.holdings
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

    async def recompute_risk(self) -> None:
        holdings = self.holdings
        if holdings is None or not holdings.total:
            return
        values: dict[str, float] = {}
        groups: dict[str, str] = {}
        for row in holdings.rows:
            values[row.asset] = values.get(row.asset, 0.0) + float(row.value)
            groups[row.asset] = row.group
        inputs = risk_inputs(values, groups, self.core.closes)
        assessment = await asyncio.to_thread(
            assess, inputs.closes, inputs.weights, inputs.groups, self.core.settings.risk
        )
        forecast = await asyncio.to_thread(
            self._forecasts.view, inputs.closes, inputs.weights, self.core.settings.risk
        )
        now = utcnow()
        history = history_coverage(inputs.weights, self.core.closes, self.close_sources)
        report = with_history(assessment.report, history)
        self.risk = RiskView(as_of=now, report=report, limits=assessment.limits, forecast=forecast)
        for event in breach_events(assessment.limits.breaches, now, already=self._alerted):
            self.core.events.append(event)
            if self.core.store is not None:
                self.core.store.record_event(event)
        self._alerted = {b.key for b in assessment.limits.breaches}
        self.core.mark_dirty()


class _CoreHoldings:
    """The core's accounts as the portfolio service's holdings sources."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._live = live_venues(core.settings)

    def balances(self) -> Iterable[Balance]:
        return self._core.balances.values()

    def real_balances(self) -> Iterable[Balance]:
        return self._core.real_balances.values()

    def locations(self) -> Mapping[str, Location]:
        return self._core.locations

    def live_locations(self) -> Iterable[str]:
        return {
            loc.id
            for account in self._core.accounts
            if account.venue in self._live
            for loc in account.locations()
        }


class _CoreBooks:
    def __init__(self, analytics: Analytics) -> None:
        self._analytics = analytics

    def books(self) -> list[BookSnapshot]:
        return self._analytics.books_for_pricing()
