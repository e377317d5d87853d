"""The plan: a frozen, JSON-serialisable answer to "which orders bring me to target".

A :class:`Plan` lists concrete orders (venue, market, side, quantity on the step grid, limit
price from the live book), the transfers the user must make first, and every piece the
planner could not do with its reason. It carries an as-of time, an expiry and the book mids it
was priced at, so :meth:`Plan.staleness` can refuse a plan whose prices have moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from core.config import TargetsConfig
from core.models import (
    BookIntegrity,
    BookSnapshot,
    Holding,
    Instrument,
    Location,
    Model,
    Order,
    OrderRequest,
    OrderType,
    Side,
    UtcDatetime,
)
from core.plan.indicative import IndicativeMarkets
from core.plan.targets import Targets


class PlanPolicy(Model):
    """What the planner may touch and how it prefers to trade (from ``targets`` config)."""

    venue_preference: tuple[str, ...] = ()
    do_not_sell: tuple[str, ...] = ()
    read_only_venues: tuple[str, ...] = ()
    cash_assets: tuple[str, ...] = ("USDT", "USD", "USDC")
    route_via: tuple[str, ...] = ("BTC", "ETH")
    expiry_s: float = Field(default=1800.0, gt=0)
    stale_move_pct: Decimal = Field(default=Decimal(1), gt=0)

    @classmethod
    def from_config(cls, config: TargetsConfig) -> PlanPolicy:
        return cls(
            venue_preference=config.venue_preference,
            do_not_sell=config.do_not_sell,
            read_only_venues=config.read_only_venues,
            cash_assets=config.cash_assets,
            route_via=config.route_via,
            expiry_s=config.expiry_min * 60,
            stale_move_pct=config.stale_move_pct,
        )

    def venue_rank(self, venue: str) -> tuple[int, str]:
        """Sort key: preferred venues first, in order, then the rest by name."""
        preference = self.venue_preference
        if venue in preference:
            return (preference.index(venue), venue)
        return (len(preference), venue)


class SkipReason(StrEnum):
    """Why a piece of the rebalance is not an order."""

    NO_PRICE = "no_price"
    UNKNOWN_GROUP = "unknown_group"
    NO_BUY_ASSET = "no_buy_asset"
    BELOW_MINIMUM = "below_minimum"
    FOLDED = "folded"
    DO_NOT_SELL = "do_not_sell"
    NEEDS_TRANSFER = "needs_transfer"
    NO_MARKET = "no_market"
    THIN_BOOK = "thin_book"
    NO_CASH = "no_cash"
    UNFUNDED = "unfunded"


class PlanOrder(Model):
    """One concrete order. Two-leg routes are two orders sharing a ``route``."""

    seq: int
    venue: str
    symbol: str
    side: Side
    qty: Decimal
    limit_price: Decimal = Field(description="Worst book price the order needs to fill.")
    est_avg_price: Decimal = Field(description="Average fill price from walking the book.")
    mid: Decimal
    quote: str
    asset: str = Field(description="The portfolio asset this order moves (the route's end).")
    group: str
    location_id: str | None = Field(default=None, description="For sells: the source.")
    notional_usd: Decimal
    fee_usd: Decimal
    slippage_usd: Decimal
    route: str | None = Field(default=None, description="e.g. 'XMR>BTC>USDT' for two legs.")
    leg: int = 1
    legs: int = 1
    indicative: bool = Field(
        default=False,
        description="Priced without a live book (last known price, assumed spread, slippage"
        " and fee): shown, never sent to execution.",
    )

    def to_request(self, plan_id: str) -> OrderRequest:
        """The limit order request for the execution layer (its gate still checks it)."""
        return OrderRequest(
            client_order_id=f"{plan_id}-{self.seq:04d}",
            venue=self.venue,
            symbol=self.symbol,
            side=self.side,
            type=OrderType.LIMIT,
            qty=self.qty,
            price=self.limit_price,
            plan_id=plan_id,
            reason=f"rebalance {self.group}: {self.asset}",
            indicative=self.indicative,
        )


class TransferHint(Model):
    """Holdings the plan wants to sell but that sit where nothing can be traded."""

    asset: str
    qty: Decimal
    usd: Decimal
    from_location: str
    to_venue: str | None
    reason: str


class SkippedItem(Model):
    """A piece of the rebalance that is not an order, and why (never silently dropped)."""

    asset: str
    group: str | None
    usd: Decimal
    reason: SkipReason
    detail: str
    side: Side | None = None
    venue: str | None = None
    location_id: str | None = None


class GroupRow(Model):
    """One group before and after the plan, against its target and band."""

    group: str
    current_usd: Decimal
    current_pct: Decimal
    target_pct: Decimal
    band_pp: Decimal
    post_usd: Decimal
    post_pct: Decimal
    drift_pp: Decimal = Field(description="post_pct - target_pct: the residual drift.")
    current_drift_pp: Decimal
    in_band: bool = Field(description="Whether the post-plan weight is within the band.")


class PlanTotals(Model):
    """Costs and cash flows of the plan, in USD."""

    sells_usd: Decimal
    buys_usd: Decimal
    turnover_usd: Decimal
    fees_usd: Decimal
    slippage_usd: Decimal
    net_cash_flow_usd: Decimal = Field(description="Sell proceeds - buy costs, after fees.")
    cash_target_change_usd: Decimal = Field(description="What the targets ask of cash.")
    net_usd: Decimal = Field(description="net_cash_flow - cash_target_change: ~0 within fees.")
    skipped_usd: Decimal
    residual_drift_max_pp: Decimal
    undone_usd: Decimal = Field(
        default=Decimal(0),
        description="Skipped buys (cash kept) less skipped sells (cash not raised).",
    )
    net_slack_usd: Decimal = Field(
        default=Decimal(0),
        description="Fees + slippage + step rounding (1 USD per order, 1 more): the"
        " tolerance of 'net within fees'.",
    )
    net_within_fees: bool = Field(
        default=False, description="|net_usd| <= net_slack_usd: net is zero within fees."
    )
    net_explained: bool = Field(
        default=False,
        description="|net_usd - undone_usd| <= net_slack_usd: what net is not within fees is"
        " the skipped pieces.",
    )


class PendingOrder(Model):
    """An order already working when the plan was built: netted out, never proposed again."""

    client_order_id: str
    venue: str
    symbol: str
    side: Side
    remaining_qty: Decimal
    price: Decimal | None
    usd: Decimal = Field(description="What the remaining quantity is worth at the plan's prices.")
    plan_id: str | None = None
    location_id: str | None = Field(default=None, description="Where its fill will land.")


class Staleness(Model):
    """Whether a plan may still be sent, and if not why."""

    stale: bool
    reasons: tuple[str, ...] = ()


class Plan(Model):
    """A rebalancing plan; build it with :func:`core.plan.build.build_plan`."""

    id: str
    as_of: UtcDatetime
    expires_at: UtcDatetime
    strategy: str
    total_usd: Decimal
    targets: dict[str, Decimal]
    groups: tuple[GroupRow, ...]
    orders: tuple[PlanOrder, ...]
    transfers: tuple[TransferHint, ...]
    skipped: tuple[SkippedItem, ...]
    totals: PlanTotals
    notes: tuple[str, ...] = ()
    reference_mids: dict[str, Decimal] = Field(
        default_factory=dict, description="'venue:symbol' -> book mid the orders were priced at."
    )
    stale_move_pct: Decimal = Decimal(1)
    pending: tuple[PendingOrder, ...] = Field(
        default=(), description="Orders already working, counted as if filled (netted out)."
    )
    indicative: bool = Field(
        default=False,
        description="Some orders are indicative (no live book at their venue): those are "
        "never sent.",
    )

    @property
    def indicative_orders(self) -> tuple[PlanOrder, ...]:
        """Orders priced without a live book: never sent."""
        return tuple(o for o in self.orders if o.indicative)

    def staleness(self, books: Iterable[BookSnapshot], now: datetime) -> Staleness:
        """Stale if expired, or if any priced market's mid moved more than allowed or is gone."""
        reasons: list[str] = []
        if now >= self.expires_at:
            reasons.append(f"expired at {self.expires_at.isoformat()}")
        current = {f"{b.venue}:{b.symbol}": b for b in books}
        for key, ref in sorted(self.reference_mids.items()):
            book = current.get(key)
            mid = book.mid if book is not None else None
            if book is None or mid is None or book.integrity is not BookIntegrity.VERIFIED:
                reasons.append(f"{key}: no verified book")
                continue
            moved = abs(mid - ref) / ref * 100
            if moved > self.stale_move_pct:
                reasons.append(f"{key}: price moved {moved:.2f}% (> {self.stale_move_pct}%)")
        return Staleness(stale=bool(reasons), reasons=tuple(reasons))


class PlanInputs(Model):
    """Everything a plan is a function of, for storing next to it and reproducing it later."""

    holdings: tuple[Holding, ...]
    locations: tuple[Location, ...]
    targets: Targets
    instruments: tuple[Instrument, ...]
    books: tuple[BookSnapshot, ...]
    policy: PlanPolicy = PlanPolicy()
    fees: dict[str, Decimal] = Field(default_factory=dict)
    as_of: UtcDatetime
    strategy: str = "fixed"
    hold_reason: str | None = None
    indicative: IndicativeMarkets | None = None
    live_books: bool = True
    """False when ``books`` are recordings (the CLI): every order is then indicative."""
    pending: tuple[Order, ...] = ()


def expiry(as_of: datetime, policy: PlanPolicy) -> datetime:
    return as_of + timedelta(seconds=policy.expiry_s)
