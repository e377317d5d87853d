"""Deposits and withdrawals: balance changes that no fill explains.

Between two stored balances of one (location, asset), the fills on that location's venue in
between move the balance by a known amount (a buy adds the base and spends the quote, a sell
the reverse, the fee leaves in its asset). What is left over is a flow: positive a deposit,
negative a withdrawal. A location's first balances are its opening position, not a flow; an
asset first seen later was at zero until then. A leftover under ``tolerance`` units is rounding,
not a flow. Pure.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise

from core.models import ZERO, Balance, Fill, Model, Side, UtcDatetime


class Flow(Model):
    """An unexplained balance change of one asset at one location."""

    ts: UtcDatetime
    location_id: str
    asset: str
    qty: Decimal


def fill_deltas(fill: Fill) -> dict[str, Decimal]:
    """How one fill moves the balances of its venue, per asset."""
    base, _, quote = fill.symbol.upper().partition("/")
    quote = quote.split(":")[0]
    notional = fill.qty * fill.price
    sign = Decimal(1) if fill.side is Side.BUY else Decimal(-1)
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    out[base] += sign * fill.qty
    out[quote] -= sign * notional
    if fill.fee:
        out[fill.fee_asset.upper()] -= fill.fee
    return dict(out)


def balance_flows(
    balances: Iterable[Balance], fills: Sequence[Fill], tolerance: Decimal = Decimal("1e-9")
) -> list[Flow]:
    """Every flow in a balance history (see the module docstring), oldest first."""
    series: dict[tuple[str, str], list[Balance]] = defaultdict(list)
    venue_of: dict[str, str] = {}
    opened: dict[str, datetime] = {}
    for b in balances:
        series[(b.location_id, b.asset.upper())].append(b)
        venue_of[b.location_id] = b.source
        opened[b.location_id] = min(b.ts, opened.get(b.location_id, b.ts))
    for (location, _asset), points in series.items():
        # An asset that appears after its location's first balance was at zero before it.
        first = min(points, key=lambda b: b.ts)
        if first.ts > opened[location]:
            zero = first.model_copy(update={"ts": opened[location], "total": ZERO, "free": ZERO})
            points.append(zero)
    by_venue: dict[str, list[Fill]] = defaultdict(list)
    for f in sorted(fills, key=lambda f: (f.ts, f.trade_id)):
        by_venue[f.venue].append(f)
    stamps = {venue: [f.ts for f in fs] for venue, fs in by_venue.items()}
    flows: list[Flow] = []
    for (location, asset), points in series.items():
        points.sort(key=lambda b: b.ts)
        venue = venue_of[location]
        venue_fills = by_venue.get(venue, [])
        venue_stamps = stamps.get(venue, [])
        for before, after in pairwise(points):
            lo = bisect_right(venue_stamps, before.ts)
            hi = bisect_right(venue_stamps, after.ts)
            explained = sum(
                (fill_deltas(f).get(asset, ZERO) for f in venue_fills[lo:hi]), start=ZERO
            )
            left = after.total - before.total - explained
            if abs(left) > tolerance:
                flows.append(Flow(ts=after.ts, location_id=location, asset=asset, qty=left))
    flows.sort(key=lambda f: f.ts)
    return flows


def flow_day_values(
    flows: Iterable[Flow],
    closes: Mapping[str, Mapping[date, float]],
    current: Mapping[str, float],
) -> dict[date, float]:
    """USD value of the flows per UTC day: each at its asset's close that day, else the last
    close before it, else the asset's current price (``current``), else 1 for USD."""
    out: dict[date, float] = defaultdict(float)
    for f in flows:
        day = f.ts.date()
        series = closes.get(f.asset, {})
        earlier = [d for d in series if d <= day]
        if earlier:
            price = series[max(earlier)]
        else:
            price = current.get(f.asset, 1.0 if f.asset == "USD" else 0.0)
        out[day] += float(f.qty) * price
    return dict(out)
