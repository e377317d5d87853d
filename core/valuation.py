"""Pure valuation: USD prices with provenance from books, holdings rows, group totals, drift.

Prices come from book mids, routed through the quote currency when a market is not quoted in
USD (ETH/USDT × USDT/USD). Stablecoins are priced by their own markets, never assumed to be 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.config import GROUPS
from core.models import ZERO, Balance, BookSnapshot, Location, Price, PriceSource
from core.views import GroupTotal, HoldingRow, HoldingsView, PlanGroupRow, PlanView

USD = "USD"
QUOTE_PREFERENCE = ("USD", "USDT", "USDC")


@dataclass(frozen=True, slots=True)
class Quote:
    """A mid price from one market."""

    base: str
    quote: str
    mid: Decimal
    ts: datetime
    verified: bool


def quotes_from_books(books: Sequence[BookSnapshot]) -> list[Quote]:
    out = []
    for book in books:
        mid = book.mid
        if mid is None:
            continue
        base, _, quote = book.symbol.partition("/")
        out.append(Quote(base, quote, mid, book.ts, book.integrity.value == "verified"))
    return out


def resolve_prices(
    assets: Sequence[str], quotes: Sequence[Quote], now: datetime, stale_after_s: float
) -> dict[str, Price]:
    """A USD price with provenance for each asset; ``PriceSource.NONE`` where none is known."""
    by_pair: dict[tuple[str, str], Quote] = {}
    for q in quotes:
        current = by_pair.get((q.base, q.quote))
        if current is None or q.ts > current.ts:
            by_pair[(q.base, q.quote)] = q

    prices: dict[str, Price] = {USD: Price(asset=USD, value=Decimal(1), source=PriceSource.CONFIG)}

    def usd(asset: str, depth: int = 0) -> Price:
        known = prices.get(asset)
        if known is not None:
            return known
        result = Price(asset=asset, value=None, source=PriceSource.NONE)
        for quote in QUOTE_PREFERENCE:
            q = by_pair.get((asset, quote))
            if q is None or quote == asset:
                continue
            quote_price = usd(quote, depth + 1) if quote != USD and depth < 2 else prices[USD]
            if quote_price.value is None:
                continue
            age = (now - q.ts).total_seconds()
            stale = age > stale_after_s or not q.verified or quote_price.stale
            ts = min(q.ts, quote_price.ts) if quote_price.ts else q.ts
            result = Price(
                asset=asset,
                value=q.mid * quote_price.value,
                source=PriceSource.BOOK_MID,
                ts=ts,
                stale=stale,
            )
            break
        prices[asset] = result
        return result

    return {a: usd(a) for a in assets}


def holdings_view(
    balances: Sequence[Balance],
    locations: Mapping[str, Location],
    prices: Mapping[str, Price],
    group_of: Callable[[str], str],
    now: datetime,
    change_24h: Mapping[str, float] | None = None,
) -> HoldingsView:
    """Rows per (asset, location) valued at ``prices``; totals that add up exactly."""
    change_24h = change_24h or {}
    valued = []
    for b in balances:
        price = prices.get(b.asset) or Price(asset=b.asset, value=None, source=PriceSource.NONE)
        value = b.total * price.value if price.value is not None else ZERO
        valued.append((b, price, value))
    total = sum((v for _, _, v in valued), ZERO)
    rows = []
    group_values: dict[str, Decimal] = {}
    location_values: dict[str, Decimal] = {}
    for b, price, value in valued:
        group = group_of(b.asset)
        loc = locations.get(b.location_id)
        rows.append(
            HoldingRow(
                asset=b.asset,
                group=group,
                location_id=b.location_id,
                tradable=loc.tradable if loc else False,
                qty=b.total,
                price=price,
                value=value,
                weight=float(value / total) if total else 0.0,
                change_24h=change_24h.get(b.asset),
                source=b.source,
                as_of=b.ts,
            )
        )
        group_values[group] = group_values.get(group, ZERO) + value
        location_values[b.location_id] = location_values.get(b.location_id, ZERO) + value
    order = {g: i for i, g in enumerate(GROUPS)}
    rows.sort(key=lambda r: (order.get(r.group, len(order)), -r.value, r.asset, r.location_id))

    def totals(values: dict[str, Decimal], key: Callable[[str], object]) -> tuple[GroupTotal, ...]:
        return tuple(
            GroupTotal(group=g, value=v, weight=float(v / total) if total else 0.0)
            for g, v in sorted(values.items(), key=lambda kv: key(kv[0]))  # type: ignore[arg-type,return-value]
        )

    return HoldingsView(
        as_of=now,
        total=total,
        rows=tuple(rows),
        groups=totals(group_values, lambda g: order.get(g, len(order))),
        locations=totals(location_values, lambda loc: loc),
        stale_prices=sum(1 for _, p, _ in valued if p.stale or p.value is None),
    )


def plan_view(
    holdings: HoldingsView, targets: Mapping[str, Decimal], band_pct: Decimal, now: datetime
) -> PlanView:
    """Current vs target weight per group, and the turnover that would close the gap."""
    current = {g.group: g.value for g in holdings.groups}
    total = holdings.total
    rows = []
    moved = ZERO
    for group in GROUPS:
        value = current.get(group, ZERO)
        cur_pct = float(value / total * 100) if total else 0.0
        tgt = float(targets.get(group, ZERO))
        rows.append(
            PlanGroupRow(
                group=group,
                current_pct=cur_pct,
                target_pct=tgt,
                drift_pct=cur_pct - tgt,
                band_pct=float(band_pct),
            )
        )
        moved += abs(value - total * targets.get(group, ZERO) / 100)
    return PlanView(as_of=now, total=total, groups=tuple(rows), turnover=moved / 2)
