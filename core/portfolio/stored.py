"""The merged portfolio as a database holds it: what every read-only command values.

The running core merges the import, the venues' balances and manual positions and values them
through :func:`core.portfolio.merge.valued`; a command reading the database afterwards
(``cockpit holdings``, ``cockpit risk --db``, ``cockpit plan --db``) rebuilds the same portfolio
from what the core stored (the latest import, the newest balance per location and asset, the
price cache, the last daily close of each asset) and values it through the same function,
so the pane and the command agree.
Reads only: nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from core.models import Balance, Holding, Price
from core.portfolio.merge import (
    PAPER_SOURCE_PREFIX,
    balance_holdings,
    imported_prices,
    merge_sources,
    valued,
)
from core.portfolio.pricing import PriceInputs, PricePolicy

if TYPE_CHECKING:
    from core.config import Settings
    from core.store import Store

SIM_KIND = "sim"
SIM_WALLET = "ledger"
"""The simulated demo's cold wallet (an account beside the sim venues)."""


def live_venues(settings: Settings) -> frozenset[str]:
    """Enabled venues that are real exchanges: their balances replace an import's at their
    locations (a simulated demo account never does)."""
    return frozenset(v.name for v in settings.venues if v.enabled and v.kind != SIM_KIND)


def simulated_accounts(settings: Settings) -> frozenset[str]:
    """Enabled sim venues and, with any, the demo's wallet: the accounts whose holdings the
    simulator's prices value (and only those)."""
    sims = {v.name for v in settings.venues if v.enabled and v.kind == SIM_KIND}
    return frozenset(sims | {SIM_WALLET}) if sims else frozenset()


def load_imported(settings: Settings, stored: Iterable[Holding]) -> list[Holding]:
    """The imported holdings to show: ``portfolio.imports`` files when configured (read now,
    one snapshot), else ``stored`` (the database's latest import)."""
    files = settings.portfolio.imports
    if not files:
        return list(stored)
    from core.portfolio.ctimport import load_exports
    from core.portfolio.taxonomy import load_taxonomy

    imported = load_exports(
        files,
        registry=settings.portfolio.location_registry(),
        taxonomy=load_taxonomy(settings.portfolio.taxonomy.overrides),
        allow_negative=settings.portfolio.imports_allow_negative,
    )
    return list(imported.holdings)


def manual(settings: Settings, now: datetime) -> list[Holding]:
    """Manual positions from config, as holdings."""
    from core.portfolio.holdings import manual_holdings
    from core.portfolio.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.portfolio.taxonomy.overrides)
    return manual_holdings(settings.portfolio.manual, taxonomy, now)


def price_inputs(
    settings: Settings,
    imported: Iterable[Holding],
    cached: dict[str, Price],
    closes: Mapping[str, Price] | None = None,
    simulated_closes: Mapping[str, Price] | None = None,
) -> PriceInputs:
    """What a command may price with: the price cache, the import's prices, the last real
    daily closes, config; the simulator's closes for the simulated accounts' holdings only."""
    return PriceInputs(
        cached=cached,
        imported=imported_prices(imported),
        closes=closes or {},
        configured=settings.portfolio.prices,
        rates=settings.portfolio.rates,
        simulated=simulated_accounts(settings),
        simulated_closes=simulated_closes or {},
    )


def policy(settings: Settings) -> PricePolicy:
    return PricePolicy(
        live_stale_s=settings.portfolio.stale_after_s,
        cache_stale_s=settings.portfolio.cache_stale_after_s,
    )


@dataclass(frozen=True)
class StoredPortfolio:
    """The merged, valued portfolio read from a database, with what it was built from."""

    holdings: list[Holding]
    """Merged and valued."""
    merged: list[Holding] = field(default_factory=list)
    """Merged, before valuation (imported rows still carry the import's prices)."""
    imported: list[Holding] = field(default_factory=list)
    balances: list[Balance] = field(default_factory=list)
    cached: dict[str, Price] = field(default_factory=dict)


def merge_stored(
    settings: Settings,
    imported: list[Holding],
    balances: list[Balance],
    cached: dict[str, Price],
    now: datetime,
    closes: Mapping[str, Price] | None = None,
    simulated_closes: Mapping[str, Price] | None = None,
) -> StoredPortfolio:
    """Merge and value what a database holds (pure; see :func:`stored_portfolio`)."""
    from core.portfolio.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.portfolio.taxonomy.overrides)
    venue = balance_holdings(balances, lambda a: taxonomy.classify(a).group)
    live = live_venues(settings)
    merged = merge_sources(
        imported,
        venue,
        manual(settings, now),
        venue_locations={
            b.location_id for b in balances if b.source.removeprefix(PAPER_SOURCE_PREFIX) in live
        },
    )
    inputs = price_inputs(settings, imported, cached, closes, simulated_closes)
    holdings = valued(merged, inputs, now, policy(settings))
    return StoredPortfolio(holdings, merged, imported, balances, cached)


async def stored_portfolio(
    store: Store, settings: Settings, now: datetime, *, with_balances: bool = True
) -> StoredPortfolio:
    """The merged portfolio of ``store`` valued at ``now`` (the same merge and valuation as
    the running core's holdings pane)."""
    from core.portfolio.pricing import close_prices
    from core.store.closes import real_and_simulated_closes
    from core.store.portfolio import cached_prices, latest_balances, latest_import

    stored = await latest_import(store)
    imported = load_imported(settings, stored.holdings if stored else ())
    balances = await latest_balances(store) if with_balances else []
    real, simulated = await real_and_simulated_closes(store)
    cached = await cached_prices(store)
    return merge_stored(
        settings, imported, balances, cached, now, close_prices(real), close_prices(simulated)
    )
