"""Holdings from every source, combined without double counting, and portfolio snapshots.

Three sources feed the portfolio, and each holding remembers which and when (``source``,
``as_of``):

* live venue balances (:class:`core.models.Balance`, from the sim or a ccxt venue);
* imports (CoinTracking exports, see :mod:`core.portfolio.ctimport`);
* manual positions from config (``portfolio.manual``).

:func:`combine` (:func:`core.portfolio.merge.merge_sources`) decides what counts: at a
location a live venue reports, the live balances replace whatever an import said about that
location (the import is older by nature); everywhere else the import stands. Manual positions
are always added: the user typed them.

Holdings built here carry an unresolved price (``source=none``); value them with
:mod:`core.portfolio.pricing` and :func:`core.portfolio.valuation.reprice`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from core.config import ManualPosition
from core.models import Balance, Holding, Model, UtcDatetime
from core.portfolio.merge import balance_holdings, merge_sources, unpriced
from core.portfolio.taxonomy import Taxonomy
from core.portfolio.valuation import breakdown

MANUAL_SOURCE = "manual"


def holdings_from_balances(balances: Iterable[Balance], taxonomy: Taxonomy) -> list[Holding]:
    """Live balances as holdings (zero balances dropped), grouped by the taxonomy."""
    return balance_holdings(
        balances, lambda asset: taxonomy.classify(asset).group, taxonomy.market_symbol
    )


def manual_holdings(
    positions: Iterable[ManualPosition], taxonomy: Taxonomy, as_of: datetime
) -> list[Holding]:
    """Manual positions from config as holdings, stamped with when the config was read."""
    return [
        Holding(
            asset=(asset := taxonomy.market_symbol(p.asset)),
            location_id=p.location,
            qty=p.qty,
            price=unpriced(asset),
            group=taxonomy.classify(asset).group,
            source=MANUAL_SOURCE,
            as_of=as_of,
        )
        for p in positions
        if p.qty
    ]


def combine(
    imported: Sequence[Holding], live: Sequence[Holding], manual: Sequence[Holding] = ()
) -> list[Holding]:
    """One portfolio: live balances win at their locations, imports elsewhere, plus manual."""
    return merge_sources(imported, live, manual, venue_locations={h.location_id for h in live})


class PortfolioSnapshot(Model):
    """The portfolio's value at one instant: what the history sparkline is drawn from."""

    ts: UtcDatetime
    total_usd: Decimal
    by_group: dict[str, Decimal]
    by_location: dict[str, Decimal]
    holdings: int
    unpriced: int = Field(description="Assets without a price (counted as zero).")
    stale: int = Field(description="Assets valued at a stale price.")
    taxonomy_version: str


def snapshot(holdings: Sequence[Holding], ts: datetime, taxonomy_version: str) -> PortfolioSnapshot:
    """Totals per group and per location (dust included, so they add up to the total)."""
    groups = breakdown(holdings, "group")
    locations = breakdown(holdings, "location")
    assert groups.total == locations.total
    return PortfolioSnapshot(
        ts=ts,
        total_usd=groups.total,
        by_group={r.key: r.value for r in groups.rows},
        by_location={r.key: r.value for r in locations.rows},
        holdings=len(holdings),
        unpriced=len(groups.unpriced),
        stale=len(groups.stale),
        taxonomy_version=taxonomy_version,
    )
