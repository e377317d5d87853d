"""``cockpit plan --db PATH --build``: a new plan from what the database recorded.

Holdings are the database's (the latest import, the newest venue balances the cockpit stored,
plus manual positions from config), re-priced with provenance from the price cache, the
import and config. A plan's limit prices and costs come from order books, and a database holds
books only inside the plans the running cockpit saved: the newest saved plan lends its
markets and books (the note on the plan says which one and how old they are). Without a saved
plan there are no markets to plan against, and that is said instead of inventing them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings, TargetsConfig
    from core.plan.models import Plan, PlanInputs


def recorded_plan(
    db: Path, settings: Settings, config: TargetsConfig, strategy: str | None, now: datetime
) -> Plan:
    """Build the plan from the recorded holdings and prices and the newest saved books."""
    import asyncio

    from cockpit.commands.holdings import _from_db
    from core.errors import DataError
    from core.plan.build import build_plan
    from core.plan.models import PlanPolicy
    from core.plan.strategies import MarketContext, run_strategy
    from core.portfolio.pricing import PriceInputs, PricePolicy, quote_from_book, resolve_prices
    from core.portfolio.valuation import exact_value, reprice
    from core.store.db import Store
    from core.store.plans import load_plan

    if not db.is_file():
        raise DataError("no such database", path=str(db))
    held, cached = _from_db(db, settings, with_live=True)

    async def newest() -> tuple[Plan, PlanInputs] | None:
        store = await Store.open_readonly(db)
        try:
            return await load_plan(store, "latest")
        finally:
            await store.close()

    saved = asyncio.run(newest())
    if saved is None:
        raise DataError(
            "no recorded markets or books: run the cockpit once (it saves plans with their"
            " books), or pass --inputs FILE",
            path=str(db),
        )
    lender, recorded = saved
    pf = settings.portfolio
    # The saved books price the holdings too: the plan values and trades at the same mids.
    quotes = tuple(q for b in recorded.books if (q := quote_from_book(b)) is not None)
    inputs = PriceInputs(
        quotes=quotes,
        cached=cached,
        imported={h.asset: h.price for h in held if h.price.value is not None},
        configured=pf.prices,
        rates=pf.rates,
    )
    policy = PricePolicy(live_stale_s=pf.stale_after_s, cache_stale_s=pf.cache_stale_after_s)
    priced = reprice(held, resolve_prices({h.asset for h in held}, inputs, now, policy))
    # Dust (the worthless long tail of an import) stays out of the way, as in the holdings pane.
    holdings = [h for h in priced if h.price.value is not None and exact_value(h) >= pf.dust_usd]
    if not holdings:
        raise DataError("no priced holdings above the dust threshold", path=str(db))
    locations = {loc.id: loc for loc in recorded.locations}
    locations.update({loc.id: loc for loc in pf.location_registry().locations})
    total = sum((exact_value(h) for h in holdings), Decimal(0))
    weights: dict[str, Decimal] = {}
    for h in holdings:
        weights[h.group] = weights.get(h.group, Decimal(0)) + exact_value(h) * 100 / total
    result = run_strategy(
        config,
        strategy,
        MarketContext(
            now=now,
            group_weights=weights,
            asset_groups={h.asset: h.group for h in holdings},
        ),
    )
    plan = build_plan(
        holdings,
        list(locations.values()),
        result.targets,
        recorded.instruments,
        recorded.books,
        as_of=now,
        policy=PlanPolicy.from_config(config),
        fees=recorded.fees,
        strategy=result.name,
        hold_reason=result.hold_reason,
    )
    left_out = len(priced) - len(holdings)
    notes = (
        f"markets and books recorded {recorded.as_of:%Y-%m-%d %H:%M:%S}Z with plan {lender.id}",
        f"{left_out} holding(s) unpriced or under ${pf.dust_usd} left out as dust",
    )
    return plan.model_copy(update={"notes": (*result.notes, *notes, *plan.notes)})
