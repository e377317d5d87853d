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
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.config import GROUPS, PortfolioConfig
from core.models import (
    ZERO,
    Balance,
    BookSnapshot,
    Fill,
    Holding,
    Location,
    Price,
    PriceSource,
    SubAccount,
    Trade,
)
from core.portfolio.costbasis import CostBasis, UnrealisedPnl, average_cost, unrealised_pnl
from core.portfolio.holdings import PortfolioSnapshot, snapshot
from core.portfolio.merge import (
    balance_holdings,
    imported_prices,
    is_simulated,
    merge_sources,
    valued,
    with_imported,
)
from core.portfolio.pricing import (
    PriceInputs,
    PricePolicy,
    PriceResolver,
    Quote,
    quote_from_book,
    quote_from_trade,
)
from core.portfolio.valuation import exact_sum, exact_value
from core.views import GroupTotal, HoldingRow, HoldingsView, SourceTotal

HISTORY_POINTS = 240
"""Session total-value samples kept for the sparkline."""
HISTORY_EVERY_S = 5.0
"""Seconds between two sparkline samples."""
HISTORY_STORED_POINTS = HISTORY_POINTS // 2
"""Stored snapshot totals the sparkline starts from (the rest is left to the session)."""

ChangeOf = Callable[[Sequence[Holding]], Mapping[tuple[str, str, str], float]]
"""The 24 h change of each valued holding, keyed by (asset, location, source); rows it leaves
out show none (a stale price, or no close of the holding's own kind from a day ago)."""


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


PAPER_TRADE_PREFIX = "paper-"
"""Trade ids the paper venue gives its fills (``paper-<venue>-f<n>``)."""


def is_paper_fill(fill: Fill) -> bool:
    """Whether ``fill`` was simulated by a paper account rather than executed on the venue."""
    return fill.trade_id.startswith(PAPER_TRADE_PREFIX)


def venue_bases(
    fills: Iterable[Fill], paper_venues: Iterable[str] = ()
) -> dict[str, dict[tuple[str, str], CostBasis]]:
    """Average-cost bases per venue, from the fills of the account the holdings show.

    A venue whose holdings come from its paper account (``paper_venues``) counts its paper
    fills only; every other venue counts its real fills only. Paper fills never give a cost
    basis to real balances, nor real fills to a paper account.
    """
    paper = set(paper_venues)
    per_venue: dict[str, list[Fill]] = {}
    for fill in fills:
        if is_paper_fill(fill) == (fill.venue in paper):
            per_venue.setdefault(fill.venue, []).append(fill)
    return {venue: average_cost(members) for venue, members in per_venue.items()}


def holdings_pnl(
    holdings: Iterable[Holding],
    locations: Mapping[str, Location],
    bases: Mapping[str, Mapping[tuple[str, str], CostBasis]],
    quote_price: Callable[[str], Price],
) -> dict[tuple[str, str], UnrealisedPnl]:
    """Unrealised P&L per (asset, location id), where the fills give a cost basis.

    The rule: fills trade a venue's spot account, so a venue's fills cover only the holding
    at that venue's spot location; earn, staked, wallets and imports have no basis (``—``).
    Where the fills bought less than is held (the position predates them), the P&L is on the
    covered quantity only and marked partial (``complete=False``), never extrapolated.
    """
    out: dict[tuple[str, str], UnrealisedPnl] = {}
    for h in holdings:
        loc = locations.get(h.location_id)
        if loc is None or loc.sub_account is not SubAccount.SPOT or loc.venue not in bases:
            continue
        venue = bases[loc.venue]
        quotes = {q: quote_price(q) for (b, q) in venue if b == h.asset.upper() and q != "USD"}
        pnl = unrealised_pnl(h.asset, h.qty, h.price, venue, quotes)
        if pnl is not None:
            out[(h.asset, h.location_id)] = pnl
    return out


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
    return valued(balance_holdings(balances, group_of), inputs, now, policy)


def source_totals(holdings: Iterable[Holding], imported: Iterable[str] = ()) -> list[SourceTotal]:
    """Value per source (largest first), each with its oldest as-of time; ``imported`` names
    the sources that are imports."""
    imports = set(imported)
    members: dict[str, list[Holding]] = {}
    for h in holdings:
        members.setdefault(h.source, []).append(h)
    out = [
        SourceTotal(
            source=source,
            value=exact_sum(exact_value(h) for h in rows),
            rows=len(rows),
            as_of=min((h.as_of for h in rows if h.as_of is not None), default=None),
            imported=source in imports,
        )
        for source, rows in members.items()
    ]
    out.sort(key=lambda t: (-t.value, t.source))
    return out


def holdings_view(
    holdings: Sequence[Holding],
    locations: Mapping[str, Location],
    now: datetime,
    change_24h: Mapping[tuple[str, str, str], float] | None = None,
    history: Sequence[float] = (),
    pnl: Mapping[tuple[str, str], UnrealisedPnl] | None = None,
    *,
    imported_sources: Iterable[str] = (),
    real: Sequence[SourceTotal] = (),
) -> HoldingsView:
    """Rows per (asset, location) and totals per group and location that add up exactly;
    rows with a cost basis (``pnl``, from :func:`holdings_pnl`) carry their unrealised P&L;
    ``change_24h`` is per (asset, location, source): each row's own price against its own
    history.
    ``imported_sources`` names the sources that are imports (their rows carry the badge)."""
    change_24h = change_24h or {}
    pnl = pnl or {}
    imports = frozenset(imported_sources)
    values = [exact_value(h) for h in holdings]
    total = exact_sum(values)
    by_group: dict[str, Decimal] = {}
    by_location: dict[str, Decimal] = {}
    for h, v in zip(holdings, values, strict=True):
        by_group[h.group] = exact_sum((by_group.get(h.group, ZERO), v))
        by_location[h.location_id] = exact_sum((by_location.get(h.location_id, ZERO), v))
    order = {g: i for i, g in enumerate(GROUPS)}
    rows = [
        HoldingRow(
            asset=h.asset,
            group=h.group,
            location_id=h.location_id,
            tradable=loc.tradable if loc else False,
            qty=h.qty,
            price=h.price,
            value=value,
            weight=float(value / total) if total else 0.0,
            change_24h=change_24h.get((h.asset, h.location_id, h.source)),
            source=h.source,
            as_of=h.as_of,
            custody=loc.custody.value if loc else None,
            imported=h.source in imports,
            **_pnl_fields(pnl.get((h.asset, h.location_id))),
        )
        for h, value in zip(holdings, values, strict=True)
        for loc in (locations.get(h.location_id),)
    ]
    rows.sort(key=lambda r: (order.get(r.group, len(order)), -r.value, r.asset, r.location_id))

    def totals(rows: Iterable[tuple[str, Decimal]]) -> tuple[GroupTotal, ...]:
        return tuple(
            GroupTotal(group=k, value=v, weight=float(v / total) if total else 0.0) for k, v in rows
        )

    groups = sorted(by_group.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    return HoldingsView(
        as_of=now,
        total=total,
        rows=tuple(rows),
        groups=totals(groups),
        locations=totals(sorted(by_location.items())),
        stale_prices=sum(1 for h in holdings if h.price.stale or h.price.value is None),
        history=tuple(history),
        sources=tuple(source_totals(holdings, imports)),
        real=tuple(real),
    )


def _pnl_fields(pnl: UnrealisedPnl | None) -> dict[str, Any]:
    if pnl is None:
        return {}
    return {
        "cost_basis": pnl.avg_cost_usd,
        "unrealised_pnl": pnl.pnl_usd,
        "pnl_qty": pnl.qty,
        "pnl_complete": pnl.complete,
    }


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
    fills: dict[tuple[str, str], Fill] = field(default_factory=dict)
    """Recorded fills by (venue, trade id): loaded from the store at start, then each new one."""
    paper_venues: frozenset[str] = frozenset()
    """Venues whose holdings come from their paper account (their paper fills give the basis)."""
    imported: list[Holding] = field(default_factory=list)
    """The latest import's holdings (priced by the import), merged with the venues' balances."""
    manual: list[Holding] = field(default_factory=list)
    """Manual positions from config."""
    known_locations: dict[str, Location] = field(default_factory=dict)
    """The location registry's entries (custody, tradable) for locations no venue reports."""
    close_prices: dict[str, Price] = field(default_factory=dict)
    """The last stored real daily close per asset (a price source when nothing fresher has one)."""
    simulated: frozenset[str] = frozenset()
    """Simulated venues and wallets: their books price their own holdings only, never a real
    one, and never enter the price cache (:mod:`core.portfolio.merge`)."""
    simulated_close_prices: dict[str, Price] = field(default_factory=dict)
    """The simulator's last daily close per asset (for simulated holdings only)."""
    _last_sample: datetime | None = None
    _bases: dict[str, dict[tuple[str, str], CostBasis]] | None = None

    def on_fill(self, fill: Fill) -> None:
        """Take a fill into the cost basis (a fill seen twice counts once)."""
        key = (fill.venue, fill.trade_id)
        if key not in self.fills:
            self.fills[key] = fill
            self._bases = None

    def load_fills(self, fills: Iterable[Fill]) -> None:
        for fill in fills:
            self.on_fill(fill)

    def set_paper_venues(self, venues: Iterable[str]) -> None:
        self.paper_venues = frozenset(venues)
        self._bases = None

    @property
    def bases(self) -> dict[str, dict[tuple[str, str], CostBasis]]:
        """Average-cost bases per venue, recomputed only after a new fill."""
        if self._bases is None:
            self._bases = venue_bases(self.fills.values(), self.paper_venues)
        return self._bases

    def on_trade(self, trade: Trade) -> None:
        """Remember the newest print per market (the resolver's last-trade source)."""
        self.last_trades[(trade.venue, trade.symbol)] = trade

    def seed_history(self, totals: Iterable[float]) -> None:
        """Start the sparkline from stored snapshot totals (oldest first), so the total-value
        history spans restarts instead of beginning empty with every session."""
        kept = list(totals)[-HISTORY_STORED_POINTS:]
        self.history = deque([*kept, *self.history][-HISTORY_POINTS:], maxlen=HISTORY_POINTS)

    def set_sources(
        self,
        imported: Iterable[Holding],
        manual: Iterable[Holding],
        known_locations: Iterable[Location] = (),
    ) -> None:
        """The holdings sources besides the venues: the latest import and manual positions."""
        self.imported = list(imported)
        self.manual = list(manual)
        self.known_locations = {loc.id: loc for loc in known_locations}

    def merged(self, balances: Iterable[Balance], venue_locations: Iterable[str]) -> list[Holding]:
        """The merged, not yet valued portfolio (:func:`core.portfolio.merge.merge_sources`)."""
        venue = balance_holdings(balances, self.group_of)
        return merge_sources(self.imported, venue, self.manual, venue_locations=venue_locations)

    def inputs(self, books: Iterable[BookSnapshot]) -> PriceInputs:
        """The resolver's inputs now: live quotes, the cache, the import's prices, config."""
        inputs = live_inputs(books, self.last_trades.values(), self.cached, self.config)
        inputs = replace(
            inputs,
            closes=self.close_prices,
            simulated=self.simulated,
            simulated_closes=self.simulated_close_prices,
        )
        return with_imported(inputs, imported_prices(self.imported))

    def revalue(
        self,
        balances: Iterable[Balance],
        books: Iterable[BookSnapshot],
        locations: Mapping[str, Location],
        now: datetime,
        change_24h: ChangeOf | None = None,
        real: Iterable[Balance] = (),
        live_locations: Iterable[str] | None = None,
    ) -> HoldingsView:
        """Merge and price every holding and build the holdings view; samples the sparkline.

        ``locations`` are the accounts' own; ``live_locations`` those of real venues, whose
        balances replace an import's there (all of ``locations`` when None; a simulated
        demo wallet never replaces a real import). ``real`` are the real balances beside a
        paper account (paper mode), valued by the same prices and kept out of the total.
        """
        inputs = self.inputs(books)
        policy = policy_of(self.config)
        merged = self.merged(balances, locations if live_locations is None else live_locations)
        self.holdings = valued(merged, inputs, now, policy)
        locations = {**self.known_locations, **locations}
        total = exact_sum(exact_value(h) for h in self.holdings)
        if self._last_sample is None or (now - self._last_sample).total_seconds() >= (
            HISTORY_EVERY_S
        ):
            self.history.append(float(total))
            self._last_sample = now
        changes = change_24h(self.holdings) if change_24h is not None else {}
        pnl: dict[tuple[str, str], UnrealisedPnl] = {}
        if self.fills:
            resolver = PriceResolver(inputs, now, policy_of(self.config))
            pnl = holdings_pnl(self.holdings, locations, self.bases, resolver.price)
        real_rows = valued(balance_holdings(real, self.group_of), inputs, now, policy)
        return holdings_view(
            self.holdings,
            locations,
            now,
            changes,
            list(self.history),
            pnl,
            imported_sources={h.source for h in self.imported},
            real=source_totals(real_rows),
        )

    def snapshot(self, now: datetime, taxonomy_version: str) -> PortfolioSnapshot:
        """The current portfolio as a snapshot for the store (totals by group and location)."""
        return snapshot(self.holdings, now, taxonomy_version)

    def prices_to_cache(self) -> list[Price]:
        """Live prices worth remembering: fresh, from a real market (not the cache itself).

        Only real holdings' prices: a simulated venue's synthetic prices never enter a
        database's price cache, so a later read of that database values nothing with them."""
        keep = (PriceSource.BOOK_MID, PriceSource.LAST_TRADE, PriceSource.TICKER)
        real = [h for h in self.holdings if not is_simulated(h.source, self.simulated)]
        out = [p for p in price_table(real).values() if p.source in keep and not p.stale]
        for price in out:
            self.cached[price.asset] = price
        return out
