"""The planner's state: allocation, markets, the ledger of orders, and shared helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from core.models import BookSnapshot, Custody, Holding, Instrument, Location, Side
from core.plan.allocate import Allocation, allocate
from core.plan.legs import Ledger, Leg, commit
from core.plan.markets import MarketIndex
from core.plan.models import PlanPolicy, SkippedItem, SkipReason, TransferHint
from core.plan.targets import Targets

ZERO = Decimal(0)
CENT = Decimal("0.01")
DUST_USD = Decimal(1)
"""Remainders smaller than this after rounding to the step are rounding, not skipped pieces."""


class PlannerBase:
    """State shared by the sell and buy passes of one plan."""

    def __init__(
        self,
        holdings: Sequence[Holding],
        locations: Sequence[Location],
        targets: Targets,
        instruments: Iterable[Instrument],
        books: Iterable[BookSnapshot],
        policy: PlanPolicy,
        fees: Mapping[str, Decimal] | None,
        group_of: Callable[[str], str] | None,
        *,
        indicative: Iterable[tuple[Instrument, BookSnapshot]] = (),
        live: bool = True,
        mix: Mapping[str, Decimal] | None = None,
    ) -> None:
        self.policy = policy
        self.targets = targets
        self.cash = frozenset(policy.cash_assets)
        self.index = MarketIndex(
            instruments,
            books,
            cash_assets=policy.cash_assets,
            route_via=policy.route_via,
            fees=fees,
            indicative=indicative,
            live=live,
        )
        self.locations = {loc.id: loc for loc in locations}
        self._blocked = {loc_id: self._why_blocked(loc) for loc_id, loc in self.locations.items()}
        self.alloc: Allocation = allocate(
            holdings,
            targets,
            group_of=group_of,
            cash_assets=policy.cash_assets,
            sellable=self.sellable,
            mix=mix,
        )
        self.group_of_fn = group_of
        self.prices: dict[str, Decimal] = {
            a: s.price_usd for a, s in self.alloc.assets.items() if s.price_usd is not None
        }
        self.ledger = Ledger(cash_assets=self.cash)
        self.cash_location: dict[tuple[str, str], str] = {}
        self.transfers: list[TransferHint] = []
        self.skipped: list[SkippedItem] = []
        self.notes: list[str] = []
        ro = policy.read_only_venues
        tradable = sorted((v for v in self.index.venues if v not in ro), key=policy.venue_rank)
        self._venue_order = {v: n for n, v in enumerate(tradable)}
        """Venues the plan may trade on -> their place in the preference order."""
        self.by_asset: dict[str, list[Holding]] = {}
        for h in self.alloc.holdings:
            self.by_asset.setdefault(h.asset, []).append(h)
            if h.asset in self.cash and self.blocked(h.location_id) is None:
                venue = self.locations[h.location_id].venue
                key = (venue, h.asset)
                self.ledger.cash[key] = self.ledger.cash.get(key, ZERO) + h.qty
                self.cash_location.setdefault(key, h.location_id)

    # ------------------------------------------------------------------ helpers

    def rate(self, asset: str) -> Decimal | None:
        known = self.prices.get(asset)
        if known is not None:
            return known
        rate = self.index.usd_rate(asset, self.prices)
        if rate is None and asset in self.cash:
            # A cash currency nobody prices (none held, no book against USD): take it at par,
            # and say so, rather than refuse every market quoted in it.
            self.prices[asset] = rate = Decimal(1)
            self.notes.append(f"{asset}: no price or USD book; assumed 1 USD")
        return rate

    def group_for(self, asset: str) -> str:
        state = self.alloc.assets.get(asset)
        if state is not None:
            return state.group
        if self.group_of_fn is not None:
            return self.group_of_fn(asset)
        return asset if asset in self.targets.groups else "Others"

    def blocked(self, location_id: str) -> str | None:
        """Why nothing can be traded at a location, or ``None`` if it is tradable."""
        if location_id in self._blocked:
            return self._blocked[location_id]
        return f"unknown location {location_id!r}"

    def _why_blocked(self, loc: Location) -> str | None:
        """Worked out once per location when the plan starts: the answer cannot change."""
        if loc.venue in self.policy.read_only_venues:
            return f"{loc.venue} is read-only"
        if not loc.tradable or loc.custody is not Custody.EXCHANGE:
            return f"{loc.id} is {loc.custody.value}/{loc.sub_account.value}, not tradable"
        return None

    def sellable(self, h: Holding) -> bool:
        """Whether the plan can sell this holding where it sits, right now."""
        if h.asset in self.policy.do_not_sell or self.blocked(h.location_id) is not None:
            return False
        return self.index.trades(self.locations[h.location_id].venue, h.asset)

    def venues(self) -> list[str]:
        """Venues the plan may trade on, preferred first."""
        return list(self._venue_order)

    def venues_trading(self, asset: str) -> list[str]:
        """Venues with a route for ``asset``, preferred first."""
        listed = self.index.listed.get(asset)
        if not listed:
            return []
        order = self._venue_order
        found = [v for v in listed if v in order and self.index.routes(v, asset)]
        return sorted(found, key=order.__getitem__)

    def skip(
        self,
        asset: str,
        usd: Decimal,
        reason: SkipReason | str,
        detail: str,
        side: Side,
        venue: str | None = None,
        location_id: str | None = None,
    ) -> None:
        self.skipped.append(
            SkippedItem(
                asset=asset,
                group=self.group_for(asset),
                usd=abs(usd).quantize(CENT),
                reason=SkipReason(reason),
                detail=detail,
                side=side,
                venue=venue,
                location_id=location_id,
            )
        )

    def _commit(self, asset: str, typed: list[Leg], location_id: str | None) -> None:
        path = None
        if len(typed) == 2:
            bases = [typed[0].market.instrument, typed[1].market.instrument]
            path = ">".join(dict.fromkeys([bases[0].base, bases[0].quote, bases[1].quote]))
            if typed[0].side is Side.BUY:
                path = ">".join(dict.fromkeys([bases[0].quote, bases[0].base, bases[1].base]))
        group = self.group_for(asset)
        for n, leg in enumerate(typed, 1):
            commit(
                self.ledger,
                leg,
                asset=asset,
                group=group,
                location_id=location_id if leg.side is Side.SELL else None,
                route=path,
                leg_no=n,
                legs=len(typed),
            )
