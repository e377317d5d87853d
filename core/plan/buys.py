"""Buys: funded by the sells and spare cash, placed where the asset trades and cash sits."""

from __future__ import annotations

from decimal import Decimal

from core.models import Side
from core.plan.base import CENT, DUST_USD, ZERO
from core.plan.legs import LegError, buy_qty, size_leg
from core.plan.markets import Route
from core.plan.models import SkipReason, TransferHint
from core.plan.sells import SellingPlanner


class Planner(SellingPlanner):
    """The buy pass; a complete planner."""

    # ------------------------------------------------------------------ buys

    def buy_all(self) -> None:
        wanted: dict[str, Decimal] = {}
        for asset, state in sorted(self.alloc.assets.items()):
            delta = state.delta
            if asset not in self.cash and delta > ZERO:
                wanted[asset] = delta
        total = sum(wanted.values(), ZERO)
        if total <= 0:
            return
        budget = self._budget()
        scale = min(Decimal(1), max(ZERO, budget) / total)
        if scale < 1:
            self.notes.append(
                f"buys scaled to {scale * 100:.1f}%: sells raised {budget:.2f} USD of the "
                f"{total:.2f} USD wanted (see skipped: unfunded)"
            )
        for asset, delta in wanted.items():
            if scale < 1 and delta * (1 - scale) >= DUST_USD:
                self.skip(
                    asset,
                    delta * (1 - scale),
                    SkipReason.UNFUNDED,
                    "not funded: sells it depended on could not be made",
                    Side.BUY,
                )
            if delta * scale >= CENT:
                self._buy_asset(asset, delta * scale)

    def _budget(self) -> Decimal:
        """Sell proceeds plus cash above its target, in USD."""
        budget = ZERO
        for asset in self.cash:
            state = self.alloc.assets.get(asset)
            rate = self.rate(asset)
            if rate is None:
                continue
            budget += self.ledger.dqty.get(asset, ZERO) * rate
            if state is not None:
                budget += state.value - state.target
        return budget

    def _buy_asset(self, asset: str, want_usd: Decimal) -> None:
        price = self.rate(asset)
        if price is None:
            self.skip(
                asset,
                want_usd,
                SkipReason.NO_MARKET,
                f"no verified market prices {asset}",
                Side.BUY,
            )
            return
        self.prices.setdefault(asset, price)
        left, last, markets = want_usd, None, False
        for venue in self.venues_trading(asset):
            for route in self.index.routes(venue, asset):
                markets = True
                cash = self.ledger.cash.get((venue, route.cash), ZERO)
                rate = self.rate(route.cash)
                if left < DUST_USD or rate is None or cash * rate < self.targets.min_trade_usd:
                    continue
                try:
                    spent, thin = self._buy_route(asset, route, min(left / rate, cash))
                except LegError as err:
                    last = err
                    continue
                left -= spent * rate
                if thin:
                    last = LegError("thin_book", f"{venue}: book too thin for all of {asset}")
        if left < DUST_USD:
            return
        if left < self.targets.min_trade_usd and left < want_usd:
            self.skip(
                asset,
                left,
                SkipReason.BELOW_MINIMUM,
                f"remainder under the {self.targets.min_trade_usd} USD minimum",
                Side.BUY,
            )
        elif not markets:
            self.skip(
                asset,
                left,
                SkipReason.NO_MARKET,
                f"no venue has a verified market for {asset}",
                Side.BUY,
            )
        elif last is not None:
            self.skip(asset, left, last.reason, last.detail, Side.BUY)
        else:
            self._no_cash(asset, left)

    def _no_cash(self, asset: str, usd: Decimal) -> None:
        target = next((v for v in self.venues() if self.index.trades(v, asset)), None)
        spare = sorted(
            ((c, k) for k, c in self.ledger.cash.items() if c > 0 and k[0] != target),
            key=lambda ck: (-ck[0], ck[1]),
        )
        detail = f"not enough cash on the venues that trade {asset}"
        if spare and target is not None:
            qty, (venue, cash_asset) = spare[0]
            detail += f": move {cash_asset} from {venue} to {target}"
            self.transfers.append(
                TransferHint(
                    asset=cash_asset,
                    qty=min(qty, usd / (self.rate(cash_asset) or Decimal(1))).quantize(CENT),
                    usd=usd.quantize(CENT),
                    from_location=self.cash_location.get((venue, cash_asset), venue),
                    to_venue=target,
                    reason=f"cash to buy {asset}",
                )
            )
        self.skip(asset, usd, SkipReason.NO_CASH, detail, Side.BUY, venue=target)

    def _buy_route(self, asset: str, route: Route, spend: Decimal) -> tuple[Decimal, bool]:
        """Buy ``asset`` for up to ``spend`` cash; returns the cash spent (fees included)."""
        minimum = self.targets.min_trade_usd
        if len(route.legs) == 1:
            market = route.legs[0]
            leg = size_leg(
                self.ledger,
                market,
                Side.BUY,
                buy_qty(self.ledger, market, spend),
                quote_usd=self.rate(route.cash) or ZERO,
                min_trade_usd=minimum,
            )
            self._commit(asset, [leg], None)
            return leg.net_quote, leg.thin
        bridge, cash_leg = route.legs  # asset/X and X/cash
        first = size_leg(
            self.ledger,
            cash_leg,
            Side.BUY,
            buy_qty(self.ledger, cash_leg, spend),
            quote_usd=self.rate(route.cash) or ZERO,
            min_trade_usd=minimum,
        )
        x_rate = self.rate(bridge.instrument.quote) or ZERO
        second = size_leg(
            self.ledger,
            bridge,
            Side.BUY,
            buy_qty(self.ledger, bridge, first.qty),
            quote_usd=x_rate,
            min_trade_usd=minimum,
        )
        self._commit(asset, [first, second], None)
        return first.net_quote, first.thin or second.thin
