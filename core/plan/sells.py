"""Sells: drawn from tradable locations in venue-preference order; the rest become hints."""

from __future__ import annotations

from decimal import Decimal

from core.models import Holding, Side
from core.plan.base import CENT, DUST_USD, ZERO, PlannerBase
from core.plan.legs import LegError, size_leg
from core.plan.markets import Route
from core.plan.models import SkipReason, TransferHint


class SellingPlanner(PlannerBase):
    """The sell pass."""

    # ------------------------------------------------------------------ sells

    def sell_all(self) -> None:
        for asset, state in sorted(self.alloc.assets.items()):
            if asset in self.cash or state.delta >= ZERO or state.price_usd is None:
                continue
            need_usd = -state.delta
            if asset in self.policy.do_not_sell:
                self.skip(
                    asset, need_usd, SkipReason.DO_NOT_SELL, "listed in do_not_sell", Side.SELL
                )
                continue
            self._sell_asset(asset, need_usd, state.price_usd)

    def _sell_asset(self, asset: str, need_usd: Decimal, price: Decimal) -> None:
        """Sell ``need_usd`` of ``asset``, each holding counted at its own price (a simulated
        venue's rows at the sim's, real rows at real prices: the values the pane shows)."""
        rank = self.policy.venue_rank
        holdings = self.by_asset.get(asset, [])
        free = [h for h in holdings if self.blocked(h.location_id) is None]
        free.sort(key=lambda h: (rank(self.locations[h.location_id].venue), h.location_id))
        stuck: list[tuple[Holding, str]] = [
            (h, self.blocked(h.location_id) or "") for h in holdings if h not in free
        ]

        def own(h: Holding) -> Decimal:
            return h.price.value if h.price.value else price

        last: LegError | None = None
        for h in free:
            if need_usd < DUST_USD:
                break
            venue = self.locations[h.location_id].venue
            routes = self.index.routes(venue, asset)
            if not routes:
                stuck.append((h, f"{venue} has no verified market for {asset}"))
                continue
            sold, err = self._sell_here(asset, h, min(need_usd / own(h), h.qty), routes)
            need_usd -= sold * own(h)
            last = err or last
        for h, why in stuck:
            if need_usd < DUST_USD:
                break
            take = min(need_usd / own(h), h.qty)
            self._hint(asset, h, take, take * own(h), why)
            need_usd -= take * own(h)
        if need_usd >= DUST_USD:
            if last is not None:
                reason, detail = SkipReason(last.reason), last.detail
            elif free:
                reason, detail = SkipReason.BELOW_MINIMUM, "remainder under the market's step"
            else:
                reason, detail = SkipReason.NO_MARKET, f"no location holding {asset} can sell it"
            self.skip(asset, need_usd, reason, detail, Side.SELL)

    def _hint(self, asset: str, h: Holding, qty: Decimal, usd: Decimal, why: str) -> None:
        to = next((v for v in self.venues() if self.index.trades(v, asset)), None)
        where = f"transfer to {to} first" if to else "no venue trades it"
        self.transfers.append(
            TransferHint(
                asset=asset,
                qty=qty,
                usd=usd.quantize(CENT),
                from_location=h.location_id,
                to_venue=to,
                reason=why,
            )
        )
        reason = SkipReason.NEEDS_TRANSFER if to else SkipReason.NO_MARKET
        self.skip(asset, usd, reason, f"{why}: {where}", Side.SELL, location_id=h.location_id)

    def _sell_here(
        self, asset: str, h: Holding, qty: Decimal, routes: list[Route]
    ) -> tuple[Decimal, LegError | None]:
        left, last = qty, None
        for route in routes:
            if left < route.legs[0].instrument.qty_step:
                break
            try:
                sold, thin = self._sell_route(asset, h, left, route)
            except LegError as err:
                last = err
                continue
            left -= sold
            if thin:
                last = LegError("thin_book", f"{route.venue}: book too thin for all of {asset}")
        return qty - left, last

    def _sell_route(
        self, asset: str, h: Holding, qty: Decimal, route: Route
    ) -> tuple[Decimal, bool]:
        minimum = self.targets.min_trade_usd
        rates = [self.rate(m.instrument.quote) for m in route.legs]
        if any(r is None for r in rates):
            raise LegError("no_market", f"no USD rate for {route.cash}")
        first = size_leg(
            self.ledger,
            route.legs[0],
            Side.SELL,
            qty,
            quote_usd=rates[0] or ZERO,
            min_trade_usd=minimum,
        )
        legs = [first]
        if len(route.legs) == 2:
            legs.append(
                size_leg(
                    self.ledger,
                    route.legs[1],
                    Side.SELL,
                    first.net_quote,
                    quote_usd=rates[1] or ZERO,
                    min_trade_usd=minimum,
                )
            )
        self._commit(asset, legs, h.location_id)
        self.cash_location.setdefault((route.venue, route.cash), h.location_id)
        return first.qty, any(leg.thin for leg in legs)
