"""One portfolio from every holdings source, valued by one function.

Holdings sources are equal citizens: venue balances (live, paper or simulated), the latest
CoinTracking import and manual positions from config. :func:`merge_sources` puts them together
per (asset, location) with one stated precedence:

* at a location a connected venue reports on, the venue's balances replace whatever the import
  said about that location (an import is a snapshot of the past; the venue answers now);
* every other imported or manual holding is kept, with its own source and as-of time.

:func:`valued` is the one valuation: every view (the holdings pane, ``cockpit holdings``, the
risk inputs, the planner) prices the merged holdings through it, so a figure shown in two
places is one figure. The import's own prices enter as the resolver's ``imported`` source, so
an asset nothing else prices keeps the value the file gave it (flagged stale with age).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from core.models import Balance, Holding, Price, PriceSource
from core.portfolio.pricing import PriceInputs, PricePolicy, PriceResolver


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

    ``venue_locations`` names every location a connected venue reports on, holdings or not:
    a venue that says its spot account is empty replaces an import's old spot rows too.
    """
    replaced = {h.location_id for h in venue} | set(venue_locations)
    kept = [h for h in imported if h.location_id not in replaced]
    return [*kept, *venue, *manual]


def imported_prices(holdings: Iterable[Holding]) -> dict[str, Price]:
    """The prices imported holdings carry (one per asset): the resolver's ``imported`` input."""
    return {h.asset: h.price for h in holdings if h.price.value is not None}


def with_imported(inputs: PriceInputs, imported: Mapping[str, Price]) -> PriceInputs:
    """``inputs`` with the import's prices as the ``imported`` source."""
    return PriceInputs(
        quotes=inputs.quotes,
        cached=inputs.cached,
        imported={**inputs.imported, **imported},
        closes=inputs.closes,
        configured=inputs.configured,
        rates=inputs.rates,
    )


def valued(
    holdings: Iterable[Holding],
    inputs: PriceInputs,
    now: datetime,
    policy: PricePolicy | None = None,
) -> list[Holding]:
    """Every holding priced at ``now`` from ``inputs`` (one price per asset, with provenance;
    an asset nothing prices is kept at ``source=none`` and counts as zero)."""
    resolver = PriceResolver(inputs, now, policy)
    return [h.model_copy(update={"price": resolver.price(h.asset)}) for h in holdings]
