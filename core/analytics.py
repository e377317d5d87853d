"""Valuation and risk of the live portfolio inside the core, and its price history.

The logic lives in :mod:`core.portfolio.live` (holdings, prices, P&L) and :mod:`core.risk`;
:class:`Analytics` is their I/O edge in a running core. It is handed the narrow things it
reads (the accounts' balances, the books, the instruments and venues, the event log, the
store and the execution service once they exist), keeps the daily closes and the views it
computes (holdings, risk) and calls ``changed`` when one changed, so the next published
state carries it. The plan is :mod:`core.plan_service`'s. The core schedules the jobs:
valuation 4 times a second, risk every ``risk.recompute_s``, snapshots every
``portfolio.snapshot_interval_s``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

from core.account_balances import AccountBalances
from core.config import Settings
from core.event_log import EventLog
from core.execution.service import ExecutionService
from core.market_books import MarketBooks
from core.models import Holding, Instrument, utcnow
from core.portfolio.live import LivePortfolio
from core.portfolio.merge import is_simulated
from core.portfolio.service import PortfolioService
from core.portfolio.stored import simulated_accounts
from core.ports import Venue
from core.risk import assess, breach_events
from core.risk.forecast.live import ForecastCache
from core.risk.inputs import history_coverage, risk_inputs, with_history
from core.store import Store
from core.views import HoldingsView, RiskView


class Analytics:
    """The live portfolio's holdings, risk figures and plan for one core."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        group_of: Callable[[str], str],
        *,
        sources: AccountBalances,
        books: MarketBooks,
        instruments: Mapping[str, Instrument],
        venues: Mapping[str, Venue],
        events: EventLog,
        changed: Callable[[], None],
    ) -> None:
        self._settings = settings
        self._sources = sources
        self._books = books
        self.instruments = instruments
        self._venues = venues
        self._events = events
        self._changed = changed
        self.store: Store | None = None
        """The session's store, once it is open."""
        self.execution: ExecutionService | None = None
        """The execution service, once it has started (open orders, paper venues, runs)."""
        self.closes: dict[str, list[tuple[date, float]]] = {}
        """Daily closes per asset (every stored source, and the simulator's history)."""
        self.portfolio = LivePortfolio(
            settings().portfolio, group_of, simulated=simulated_accounts(settings())
        )
        self.service = PortfolioService(
            self.portfolio,
            sources,
            books,
            changed=changed,
            clock=utcnow,
            change_24h=self._change_24h,
        )
        self.holdings: HoldingsView | None = None
        self.risk: RiskView | None = None
        self._forecasts = ForecastCache()
        self.taxonomy_version = "unknown"
        self._alerted: set[str] = set()
        self.close_sources: dict[str, str] = {}
        """Which stored source each asset's daily closes come from."""
        self.real_closes: dict[str, list[tuple[date, float]]] = {}
        self.sim_closes: dict[str, list[tuple[date, float]]] = {}
        self.closes_split = False
        """Whether real and simulated closes are read apart (after the first load_closes)."""

    def held(self) -> list[Holding]:
        """The merged, valued holdings (what a plan trades)."""
        return list(self.portfolio.holdings)

    def _change_24h(self, holdings: Sequence[Holding]) -> dict[tuple[str, str, str], float]:
        """Each holding's price against the last daily close of its own kind from a day ago:
        a simulated holding against the simulator's closes, a real one against real closes.
        A stale price (an import's, days old) or a close older than two days gives none: a
        real BTC priced from a 2025 export is not compared with the sim's close of yesterday."""
        yesterday = utcnow().date() - timedelta(days=1)
        oldest = yesterday - timedelta(days=1)
        simulated = self.portfolio.simulated
        out = {}
        for h in holdings:
            if h.price.value is None or h.price.stale:
                continue
            kind = self.sim_closes if is_simulated(h.source, simulated) else self.real_closes
            series = kind.get(h.asset) if self.closes_split else self.closes.get(h.asset)
            ref = next((c for d, c in reversed(series or ()) if d <= yesterday), None)
            day = next((d for d, _ in reversed(series or ()) if d <= yesterday), None)
            if ref and day is not None and day >= oldest:
                out[(h.asset, h.location_id, h.source)] = float(h.price.value) / ref - 1.0
        return out

    async def revalue(self) -> None:
        # Venues whose holdings are their paper account take the basis from paper fills.
        paper = frozenset(
            name
            for name, account in (self.execution.paper.items() if self.execution else ())
            if any(
                a is account or getattr(a, "paper", None) is account for a in self._sources.accounts
            )
        )
        if paper != self.portfolio.paper_venues:
            self.portfolio.set_paper_venues(paper)
        self.holdings = self.service.revalue()

    async def load(self) -> None:
        from core.store.portfolio import cached_prices, recorded_fills, snapshots

        await self.load_sources()
        await self.load_closes()
        if self.store is not None:
            self.portfolio.cached.update(await cached_prices(self.store))
            self.portfolio.load_fills(await recorded_fills(self.store))  # the cost basis
            # The sparkline starts from the last day's stored snapshots (issue 8, History).
            since = utcnow() - timedelta(days=1)
            stored = await snapshots(self.store, source="live", since=since)
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

        settings = self._settings()
        self.taxonomy_version = load_taxonomy(settings.portfolio.taxonomy.overrides).version
        last = await latest_import(self.store) if self.store is not None else None
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

        if self.store is None:
            return
        closes, sources = await stored_closes(self.store)
        closes.update({a: c for a, c in self.closes.items() if a not in closes})
        self.closes = closes
        self.close_sources = sources
        # Real holdings are valued from real closes only, simulated ones from the simulator's.
        real = {a: c for a, c in closes.items() if sources.get(a, SIM_SOURCE) != SIM_SOURCE}
        self.portfolio.close_prices = close_prices(real)
        simulated = await self.store.daily_closes(SIM_SOURCE)
        self.portfolio.simulated_close_prices = close_prices(simulated)
        self.real_closes, self.sim_closes, self.closes_split = real, simulated, True

    async def backfill_history(self) -> None:
        """Daily closes of the held assets from every live venue's public candles, then the
        closes, prices and risk are reloaded (:mod:`core.pricehistory`)."""
        from core.errors import ExchangeError
        from core.models import EventKind, EventLevel
        from core.pricehistory import PriceHistoryService, describe
        from core.venues.ohlcv import Backfill, CandleSource

        store = self.store
        sources: list[CandleSource] = [
            rest
            for venue in self._venues.values()
            if isinstance(rest := getattr(venue, "rest", None), CandleSource)
        ]
        if store is None or not sources:
            return

        async def done(result: Backfill | ExchangeError, venue: str) -> None:
            failed = not isinstance(result, Backfill)
            self._events.log(
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
            days=self._settings().risk.window_days + 1,
            on_done=done,
        )
        await service.run()

    async def save_snapshot(self) -> None:
        """Store the portfolio snapshot (totals by group/location) and the live prices."""
        from core.store.portfolio import save_prices, save_snapshot

        if self.store is None or not self.portfolio.holdings:
            return
        await save_snapshot(self.store, self.portfolio.snapshot(utcnow(), self.taxonomy_version))
        await save_prices(self.store, self.portfolio.prices_to_cache())

    async def first_risk(self) -> None:
        """The risk figures before the first state is published (unless already computed)."""
        if self.risk is None:
            await self.recompute_risk()

    async def recompute_risk(self) -> None:
        holdings = self.holdings
        if holdings is None or not holdings.total:
            return
        values: dict[str, float] = {}
        groups: dict[str, str] = {}
        for row in holdings.rows:
            values[row.asset] = values.get(row.asset, 0.0) + float(row.value)
            groups[row.asset] = row.group
        inputs = risk_inputs(values, groups, self.closes)
        assessment = await asyncio.to_thread(
            assess, inputs.closes, inputs.weights, inputs.groups, self._settings().risk
        )
        forecast = await asyncio.to_thread(
            self._forecasts.view, inputs.closes, inputs.weights, self._settings().risk
        )
        now = utcnow()
        history = history_coverage(inputs.weights, self.closes, self.close_sources)
        report = with_history(assessment.report, history)
        self.risk = RiskView(as_of=now, report=report, limits=assessment.limits, forecast=forecast)
        for event in breach_events(assessment.limits.breaches, now, already=self._alerted):
            self._events.append(event)
        self._alerted = {b.key for b in assessment.limits.breaches}
        self._changed()
