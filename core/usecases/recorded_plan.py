"""A new plan from what a database recorded (``cockpit plan --db PATH --build``).

Holdings are the database's (the latest import, the newest venue balances the cockpit stored,
plus manual positions from config), re-priced with provenance from the price cache, the
newest real daily closes (a price import, venue OHLCV), the import and config; the
simulator's recorded books and closes price only the simulated accounts' holdings.
Nothing here is a live book, so every order is *indicative* (marked, never sent): venues the
newest saved plan priced keep that plan's recorded books (its note says which plan and how
old); every other tradable venue is priced from the last known prices with the configured
spread, slippage and fees (``targets.indicative``), on the markets its last ``load_markets``
stored or, failing that, its configured quote currencies. Orders the database records as
still working count as pending (netted out, listed, never proposed again).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from core.config import Settings, TargetsConfig
from core.errors import DataError
from core.models import Instrument, Order, Price, PriceSource, utcnow
from core.plan.build import build_plan
from core.plan.indicative import indicative_markets
from core.plan.models import Plan, PlanInputs, PlanPolicy
from core.plan.strategies import MarketContext, run_strategy
from core.portfolio.merge import valued
from core.portfolio.pricing import PriceInputs, PricePolicy, close_prices, quote_from_book
from core.portfolio.stored import simulated_accounts
from core.portfolio.valuation import exact_value
from core.store.db import Store
from core.store.markets import last_closes, stored_markets
from core.store.plans import load_plan
from core.usecases.holdings import read_stored


async def recorded_plan(
    db: Path, settings: Settings, config: TargetsConfig, strategy: str | None, now: datetime
) -> Plan:
    """Build an indicative plan from the recorded holdings, prices, markets and books."""
    if not await asyncio.to_thread(db.is_file):
        raise DataError("no such database", path=str(db))
    stored_portfolio = await read_stored(db, settings, utcnow())
    held, cached = stored_portfolio.merged, stored_portfolio.cached

    async def read() -> tuple[
        tuple[Plan, PlanInputs] | None,
        dict[str, tuple[datetime, tuple[Instrument, ...]]],
        dict[str, tuple[datetime, float]],
        dict[str, tuple[datetime, float]],
        list[Order],
    ]:
        store = await Store.open_readonly(db)
        try:
            return (
                await load_plan(store, "latest"),
                await stored_markets(store),
                await last_closes(store, simulated=False),
                await last_closes(store, simulated=True),
                await store.open_orders(),
            )
        finally:
            await store.close()

    saved, stored, closes, sim_closes, pending = await read()
    for asset, (day_end, close) in closes.items():
        known = cached.get(asset)
        if known is None or known.value is None or known.ts is None or known.ts < day_end:
            cached[asset] = Price(
                asset=asset,
                value=Decimal(str(close)),
                source=PriceSource.CACHED,
                ts=day_end,
                detail="last daily close",
            )
    books = saved[1].books if saved is not None else ()
    pf = settings.portfolio
    # Recorded books price the holdings too: the plan values and trades at the same mids.
    quotes = tuple(q for b in books if (q := quote_from_book(b)) is not None)
    inputs = PriceInputs(
        quotes=quotes,
        cached=cached,
        imported={h.asset: h.price for h in held if h.price.value is not None},
        configured=pf.prices,
        rates=pf.rates,
        # The simulator's books and closes price the simulated accounts' holdings only.
        simulated=simulated_accounts(settings),
        simulated_closes=close_prices(
            {a: [(day_end.date(), close)] for a, (day_end, close) in sim_closes.items()}
        ),
    )
    policy = PricePolicy(live_stale_s=pf.stale_after_s, cache_stale_s=pf.cache_stale_after_s)
    priced = valued(held, inputs, now, policy)
    # Dust (the worthless long tail of an import) stays out of the way, as in the holdings pane.
    holdings = [h for h in priced if h.price.value is not None and exact_value(h) >= pf.dust_usd]
    if not holdings:
        raise DataError("no priced holdings above the dust threshold", path=str(db))
    locations = {loc.id: loc for loc in (saved[1].locations if saved is not None else ())}
    locations.update({loc.id: loc for loc in pf.location_registry().locations})
    last_known = {a: Decimal(str(c)) for a, (_, c) in closes.items()}
    last_known.update({h.asset: h.price.value for h in priced if h.price.value is not None})
    indicative = indicative_markets(
        config.indicative,
        locations.values(),
        live_venues={b.venue for b in books},
        stored=stored,
        prices=last_known,
        as_of=now,
        read_only=config.read_only_venues,
    )
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
        saved[1].instruments if saved is not None else (),
        books,
        as_of=now,
        policy=PlanPolicy.from_config(config),
        fees=saved[1].fees if saved is not None else None,
        strategy=result.name,
        hold_reason=result.hold_reason,
        indicative=indicative,
        live_books=False,
        pending=pending,  # orders the database knows to be working: never proposed again
    )
    left_out = len(priced) - len(holdings)
    notes = [f"{left_out} holding(s) unpriced or under ${pf.dust_usd} left out as dust"]
    if saved is not None:
        lender, recorded = saved
        notes.insert(
            0,
            f"markets and books recorded {recorded.as_of:%Y-%m-%d %H:%M:%S}Z with plan {lender.id}",
        )
    return plan.model_copy(update={"notes": (*result.notes, *notes, *plan.notes)})
