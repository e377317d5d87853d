"""One portfolio from every holdings source, valued by one function.

Holdings sources are equal citizens: venue balances (live, paper or simulated), the latest
CoinTracking import and manual positions from config. :func:`merge_sources` puts them together
per (asset, location) with one stated precedence:

* at a location a connected real venue (or its paper account) reports on, the venue's balances
  replace whatever the import said about that location (an import is a snapshot of the past;
  the venue answers now); a simulated account never replaces an import;
* every other imported or manual holding is kept, with its own source and as-of time.

:func:`valued` is the one valuation: every view (the holdings pane, ``cockpit holdings``, the
risk inputs, the planner) prices the merged holdings through it, so a figure shown in two
places is one figure. Its price precedence:

* a holding on a simulated account (a sim venue, its paper account, the demo's wallet) is
  priced by the simulated venues' books and the simulator's closes only;
* every other holding (imports, manual positions, live venues and their paper accounts) is
  priced from real sources only: live venues' books and trades, the real price cache, the
  import's own prices (flagged stale with their age), stored real daily closes, config.
  The simulator's synthetic prices never value a real holding.

The import's own prices enter as the resolver's ``imported`` source, so an asset nothing else
prices keeps the value the file gave it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from core.models import Balance, Holding, Price, PriceSource
from core.portfolio.pricing import PriceInputs, PricePolicy, PriceResolver

PAPER_SOURCE_PREFIX = "paper:"
"""Balances of a paper account carry the source ``paper:<venue>``."""


def is_simulated(source: str, simulated: Collection[str]) -> bool:
    """Whether a holding of ``source`` sits on a simulated account (``simulated`` names the
    simulated venues and wallets; a paper account of a simulated venue is simulated too)."""
    return source.removeprefix(PAPER_SOURCE_PREFIX) in simulated


def unpriced(asset: str) -> Price:
    """A price not resolved yet (``source=none``): what merged holdings carry until valued."""
    return Price(asset=asset, value=None, source=PriceSource.NONE)


def balance_holdings(
    balances: Iterable[Balance],
    group_of: Callable[[str], str],
    symbol_of: Callable[[str], str] | None = None,
) -> list[Holding]:
    """Venue balances as (not yet priced) holdings; zero balances dropped. ``symbol_of`` maps
    a venue's asset code to the market symbol (the taxonomy's), when it needs mapping."""
    return [
        Holding(
            asset=(asset := symbol_of(b.asset) if symbol_of else b.asset),
            location_id=b.location_id,
            qty=b.total,
            price=unpriced(asset),
            group=group_of(asset),
            source=b.source,
            as_of=b.ts,
        )
        for b in balances
        if b.total
    ]


def merge_sources(
    imported: Sequence[Holding],
    venue: Sequence[Holding],
    manual: Sequence[Holding] = (),
    *,
    venue_locations: Iterable[str] = (),
) -> list[Holding]:
    """The merged portfolio (see the module docs for the precedence).

    ``venue_locations`` names every location a connected real venue reports on, holdings or
    not: a venue that says its spot account is empty replaces an import's old spot rows too.
    Only those replace an import: a simulated account (the demo's wallet shares the name of
    a real hardware wallet) sits beside the import's rows, never over them.
    """
    replaced = set(venue_locations)
    kept = [h for h in imported if h.location_id not in replaced]
    return [*kept, *venue, *manual]


def imported_prices(holdings: Iterable[Holding]) -> dict[str, Price]:
    """The prices imported holdings carry (one per asset): the resolver's ``imported`` input."""
    return {h.asset: h.price for h in holdings if h.price.value is not None}


def with_imported(inputs: PriceInputs, imported: Mapping[str, Price]) -> PriceInputs:
    """``inputs`` with the import's prices as the ``imported`` source."""
    return replace(inputs, imported={**inputs.imported, **imported})


def valued(
    holdings: Iterable[Holding],
    inputs: PriceInputs,
    now: datetime,
    policy: PricePolicy | None = None,
) -> list[Holding]:
    """Every holding priced at ``now`` from ``inputs`` (one price per asset and world, with
    provenance; an asset nothing prices is kept at ``source=none`` and counts as zero).

    Holdings on the simulated accounts ``inputs.simulated`` names are priced by the simulation
    alone, every other holding by real sources alone (see the module docs)."""
    real = PriceResolver(inputs.real(), now, policy)
    sim = PriceResolver(inputs.simulation(), now, policy) if inputs.simulated else real
    return [
        h.model_copy(
            update={
                "price": (sim if is_simulated(h.source, inputs.simulated) else real).price(h.asset)
            }
        )
        for h in holdings
    ]
