"""The running core's portfolio: live balances valued through the one price resolver.

The core keeps balances per location and verified books per market; this module turns them
into the :class:`~core.views.HoldingsView` the holdings pane renders, through the same engine
the CLI uses (:mod:`core.portfolio.pricing` for prices with provenance,
:mod:`core.portfolio.valuation` for exact totals). Nothing here does I/O: the core loads the
price cache from the store once, hands in books and trades, and writes the
:class:`~core.portfolio.holdings.PortfolioSnapshot` and prices this module produces.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.config import GROUPS, PortfolioConfig
from core.models import Balance, BookSnapshot, Holding, Location, Price, PriceSource, Trade
from core.portfolio.holdings import PortfolioSnapshot, snapshot
from core.portfolio.pricing import (
    PriceInputs,
    PricePolicy,
    PriceResolver,
    Quote,
    quote_from_book,
    quote_from_trade,
)
from core.portfolio.valuation import breakdown, exact_sum, exact_value
from core.views import GroupTotal, HoldingRow, HoldingsView

HISTORY_POINTS = 240
"""Session total-value samples kept for the sparkline."""
HISTORY_EVERY_S = 5.0
"""Seconds between two sparkline samples."""
HISTORY_STORED_POINTS = HISTORY_POINTS // 2
"""Stored snapshot totals the sparkline starts from (the rest is left to the session)."""


def live_inputs(
    books: Iterable[BookSnapshot],
    trades: Iterable[Trade],
    cached: Mapping[str, Price],
    config: PortfolioConfig,
) -> PriceInputs:
    """Everything the resolver may choose from in the running core: book mids, last trades,
    the store's price cache, configured prices and derivative rates."""
    quotes: list[Quote] = [q for b in books if (q := quote_from_book(b)) is not None]
    quotes += [quote_from_trade(t) for t in trades if t.price > 0]
    return PriceInputs(
        quotes=tuple(quotes),
        cached=dict(cached),
        configured=dict(config.prices),
        rates=dict(config.rates),
    )


def policy_of(config: PortfolioConfig) -> PricePolicy:
    return PricePolicy(live_stale_s=config.stale_after_s, cache_stale_s=config.cache_stale_after_s)


def value_balances(
    balances: Iterable[Balance],
    inputs: PriceInputs,
    group_of: Callable[[str], str],
    now: datetime,
    policy: PricePolicy | None = None,
) -> list[Holding]:
    """Non-zero balances as holdings priced with provenance (unpriced ones kept, at zero)."""
    resolver = PriceResolver(inputs, now, policy)
    return [
        Holding(
            asset=b.asset,
            location_id=b.location_id,
            qty=b.total,
            price=resolver.price(b.asset),
            group=group_of(b.asset),
            source=b.source,
            as_of=b.ts,
        )
        for b in balances
        if b.total
    ]


def holdings_view(
    holdings: Sequence[Holding],
    locations: Mapping[str, Location],
    now: datetime,
    change_24h: Mapping[str, float] | None = None,
    history: Sequence[float] = (),
) -> HoldingsView:
    """Rows per (asset, location) and totals per group and location that add up exactly."""
    change_24h = change_24h or {}
    by_group = breakdown(holdings, "group")
    by_location = breakdown(holdings, "location")
    total = by_group.total
    order = {g: i for i, g in enumerate(GROUPS)}
    rows = [
        HoldingRow(
            asset=h.asset,
            group=h.group,
            location_id=h.location_id,
            tradable=(loc.tradable if (loc := locations.get(h.location_id)) else False),
            qty=h.qty,
            price=h.price,
            value=(value := exact_value(h)),
            weight=float(value / total) if total else 0.0,
            change_24h=change_24h.get(h.asset),
            source=h.source,
            as_of=h.as_of,
        )
        for h in holdings
    ]
    rows.sort(key=lambda r: (order.get(r.group, len(order)), -r.value, r.asset, r.location_id))

    def totals(rows: Iterable[tuple[str, Decimal]]) -> tuple[GroupTotal, ...]:
        return tuple(
            GroupTotal(group=k, value=v, weight=float(v / total) if total else 0.0) for k, v in rows
        )

    return HoldingsView(
        as_of=now,
        total=total,
        rows=tuple(rows),
        groups=totals((r.key, r.value) for r in by_group.rows),
        locations=totals(sorted((r.key, r.value) for r in by_location.rows)),
        stale_prices=sum(1 for h in holdings if h.price.stale or h.price.value is None),
        history=tuple(history),
    )


def price_table(holdings: Iterable[Holding]) -> dict[str, Price]:
    """One price per asset (what the store's price cache remembers)."""
    return {h.asset: h.price for h in holdings if h.price.value is not None}


@dataclass
class LivePortfolio:
    """State the core keeps between revaluations: last trades, the cache, the session history.

    ``revalue`` is called at the core's valuation rate; everything it needs is passed in, so
    it is tested without a running core.
    """

    config: PortfolioConfig
    group_of: Callable[[str], str]
    cached: dict[str, Price] = field(default_factory=dict)
    last_trades: dict[tuple[str, str], Trade] = field(default_factory=dict)
    history: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY_POINTS))
    holdings: list[Holding] = field(default_factory=list)
    _last_sample: datetime | None = None

    def on_trade(self, trade: Trade) -> None:
        """Remember the newest print per market (the resolver's last-trade source)."""
        self.last_trades[(trade.venue, trade.symbol)] = trade

    def seed_history(self, totals: Iterable[float]) -> None:
        """Start the sparkline from stored snapshot totals (oldest first), so the total-value
        history spans restarts instead of beginning empty with every session."""
        kept = list(totals)[-HISTORY_STORED_POINTS:]
        self.history = deque([*kept, *self.history][-HISTORY_POINTS:], maxlen=HISTORY_POINTS)

    def revalue(
        self,
        balances: Iterable[Balance],
        books: Iterable[BookSnapshot],
        locations: Mapping[str, Location],
        now: datetime,
        change_24h: Callable[[Mapping[str, Price]], Mapping[str, float]] | None = None,
    ) -> HoldingsView:
        """Price every balance and build the holdings view; samples the sparkline."""
        inputs = live_inputs(books, self.last_trades.values(), self.cached, self.config)
        self.holdings = value_balances(balances, inputs, self.group_of, now, policy_of(self.config))
        total = exact_sum(exact_value(h) for h in self.holdings)
        if self._last_sample is None or (now - self._last_sample).total_seconds() >= (
            HISTORY_EVERY_S
        ):
            self.history.append(float(total))
            self._last_sample = now
        prices = price_table(self.holdings)
        changes = change_24h(prices) if change_24h is not None else {}
        return holdings_view(self.holdings, locations, now, changes, list(self.history))

    def snapshot(self, now: datetime, taxonomy_version: str) -> PortfolioSnapshot:
        """The current portfolio as a snapshot for the store (totals by group and location)."""
        return snapshot(self.holdings, now, taxonomy_version)

    def prices_to_cache(self) -> list[Price]:
        """Live prices worth remembering: fresh, from a market (not the cache itself)."""
        keep = (PriceSource.BOOK_MID, PriceSource.LAST_TRADE, PriceSource.TICKER)
        out = [p for p in price_table(self.holdings).values() if p.source in keep and not p.stale]
        for price in out:
            self.cached[price.asset] = price
        return out
