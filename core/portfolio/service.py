"""The portfolio service: one merged, valued portfolio for the running core, published as a view.

It receives the narrow things it uses, never the core: a :class:`HoldingsSources` (the venues'
balances as the portfolio shows them, the real ones beside paper accounts, the locations), a
:class:`QuoteSource` (the books prices come from), a ``changed`` callback (the core publishes the
next state), a clock; the imports and manual positions are set on its ``portfolio`` at
start. Each :meth:`PortfolioService.revalue` merges the sources (:mod:`core.portfolio.merge`),
values them by the one valuation and keeps the :class:`~core.views.HoldingsView` every pane
reads. The pure state between revaluations (last trades, price cache, fills, sparkline) is
:class:`~core.portfolio.live.LivePortfolio`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Protocol

from core.models import Balance, BookSnapshot, Holding, Location
from core.portfolio.live import ChangeOf, LivePortfolio
from core.views import HoldingsView


class HoldingsSources(Protocol):
    """Where the venues' side of the portfolio comes from."""

    def balances(self) -> Iterable[Balance]:
        """The balances the portfolio shows (in paper mode a simulated venue's paper account)."""
        ...

    def real_balances(self) -> Iterable[Balance]:
        """Paper mode: the real balances behind the paper accounts (shown, never traded)."""
        ...

    def locations(self) -> Mapping[str, Location]:
        """Every location an account reports on."""
        ...

    def live_locations(self) -> Iterable[str]:
        """Locations of real venues: their balances replace an import's there."""
        ...


class QuoteSource(Protocol):
    def books(self) -> list[BookSnapshot]:
        """The current top of every book (book mids price the holdings)."""
        ...


class PortfolioService:
    """Merges, values and publishes the portfolio (see the module docs)."""

    def __init__(
        self,
        portfolio: LivePortfolio,
        sources: HoldingsSources,
        quotes: QuoteSource,
        *,
        changed: Callable[[], None],
        clock: Callable[[], datetime],
        change_24h: ChangeOf | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.sources = sources
        self.quotes = quotes
        self.changed = changed
        self.clock = clock
        self.change_24h = change_24h
        self.view: HoldingsView | None = None

    def revalue(self) -> HoldingsView:
        """Merge and value every holding now, keep the view and say it changed."""
        self.view = self.portfolio.revalue(
            list(self.sources.balances()),
            self.quotes.books(),
            self.sources.locations(),
            self.clock(),
            self.change_24h,
            real=list(self.sources.real_balances()),
            live_locations=set(self.sources.live_locations()),
        )
        self.changed()
        return self.view

    @property
    def holdings(self) -> list[Holding]:
        """The merged, valued holdings of the last revaluation."""
        return self.portfolio.holdings
