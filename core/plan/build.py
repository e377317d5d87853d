"""The plan as a pure function of holdings per location, targets, markets, books and fees.

Steps, in order (open orders first count as pending, :mod:`core.plan.pending`: the plan
starts from the holdings as if they had filled, so it never proposes them again):

1. :func:`~core.plan.allocate.allocate` turns group targets into a USD change per asset.
2. **Sells first**, drawn from tradable locations in venue-preference order, each on the first
   market that works (direct to a cash currency, else two legs through a bridge asset), sized
   on the step grid and priced by walking the live bids. Holdings in wallets, cold storage,
   earn accounts or on read-only venues become "transfer to venue first" hints instead.
3. **Buys** are funded by the sells plus any cash above its target; if sells could not raise
   enough (locked holdings), every buy is scaled down by the same factor and the shortfall is
   listed. Each buy is placed on the preferred venue that trades the asset and holds the cash.
4. The post-plan portfolio is valued, the residual drift of each group checked against its
   band, and the net cash flow compared with what the targets asked of cash.

Nothing is silently dropped: every piece that is not an order is a :class:`SkippedItem`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from core.models import BookSnapshot, Holding, Instrument, Location, Order
from core.plan.buys import Planner
from core.plan.indicative import IndicativeMarkets
from core.plan.models import PendingOrder, Plan, PlanInputs, PlanPolicy, expiry
from core.plan.pending import asset_values, group_values, net_pending
from core.plan.summary import summarise
from core.plan.targets import Targets


def build_plan(
    holdings: Sequence[Holding],
    locations: Sequence[Location],
    targets: Targets,
    instruments: Iterable[Instrument],
    books: Iterable[BookSnapshot],
    *,
    as_of: datetime,
    policy: PlanPolicy | None = None,
    fees: Mapping[str, Decimal] | None = None,
    group_of: Callable[[str], str] | None = None,
    strategy: str = "fixed",
    hold_reason: str | None = None,
    indicative: IndicativeMarkets | None = None,
    live_books: bool = True,
    pending: Sequence[Order] = (),
) -> Plan:
    """Build the plan. Pure: the same inputs always give the same plan (and the same id).

    ``fees`` maps a venue to the taker fee rate to assume (default: each instrument's).
    ``group_of`` classifies assets (default: each holding's ``group``). ``hold_reason``, set by
    strategies that decide not to act now, yields a plan with no orders that says why.
    ``indicative`` adds markets at venues without a live book; ``live_books=False`` says the
    ``books`` are recordings. Orders on either are marked indicative and never sent.
    ``pending`` are open orders: the plan starts as if they had filled and lists them.
    """
    policy = policy or PlanPolicy()
    actual: Sequence[Holding] = holdings
    pending_notes: list[str] = []
    pending_orders: tuple[PendingOrder, ...] = ()
    if pending:
        known = {h.asset: h.group for h in holdings}
        holdings, pending_orders, pending_notes = net_pending(
            holdings, locations, pending, group_of or (lambda a: known.get(a, "Others"))
        )
    planner = Planner(
        holdings,
        locations,
        targets,
        instruments,
        books,
        policy,
        fees,
        group_of,
        indicative=indicative.books() if indicative is not None else (),
        live=live_books,
        mix=asset_values(actual) if pending_orders else None,
    )
    if hold_reason is None and planner.alloc.total_usd > 0:
        planner.sell_all()
        planner.buy_all()
    notes = [*pending_notes, *planner.notes] + ([hold_reason] if hold_reason else [])
    flagged = sum(1 for o in planner.ledger.orders if o["indicative"])
    if flagged:
        where = sorted({o["venue"] for o in planner.ledger.orders if o["indicative"]})
        notes.append(
            f"{flagged} of {len(planner.ledger.orders)} order(s) indicative (no live book at "
            f"{', '.join(where)}): shown, never sent"
        )
        if indicative is not None and set(where) & set(indicative.venues):
            notes.append(indicative.describe())
    plan = summarise(
        planner.alloc,
        planner.ledger,
        targets,
        policy,
        prices=planner.prices,
        group_of=planner.group_for,
        transfers=planner.transfers,
        skipped=planner.alloc.skipped + planner.skipped,
        notes=notes,
        as_of=as_of,
        expires_at=expiry(as_of, policy),
        strategy=strategy,
        rate=planner.rate,
        pending=pending_orders,
        current=group_values(actual, planner.group_for) if pending_orders else None,
    )
    return plan


def build_plan_from(inputs: PlanInputs, group_of: Callable[[str], str] | None = None) -> Plan:
    """Rebuild a plan from its stored inputs."""
    return build_plan(
        inputs.holdings,
        inputs.locations,
        inputs.targets,
        inputs.instruments,
        inputs.books,
        as_of=inputs.as_of,
        policy=inputs.policy,
        fees=inputs.fees,
        group_of=group_of,
        strategy=inputs.strategy,
        hold_reason=inputs.hold_reason,
        indicative=inputs.indicative,
        live_books=inputs.live_books,
        pending=inputs.pending,
    )
