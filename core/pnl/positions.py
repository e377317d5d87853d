"""Average-cost P&L per asset and per group, in USD, from the recorded fills.

Built on :mod:`core.portfolio.costbasis` (average cost per base and quote). Realised P&L and
fees are in the quote asset; they are converted to USD at the quote's current price (USD is 1),
the same approximation the cost basis states. ``since`` limits realised P&L and fees to fills on
or after it: the basis still uses every fill (an average cost needs the whole history).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from core.models import ZERO, Fill, Price, PriceSource
from core.pnl.models import AssetPnl, GroupPnl
from core.portfolio.costbasis import CostBasis, average_cost, unrealised_pnl

_USD_LIKE = frozenset({"USD"})


def _rate(quote: str, prices: Mapping[str, Price]) -> Decimal | None:
    if quote in _USD_LIKE:
        return Decimal(1)
    price = prices.get(quote)
    return None if price is None else price.value


def _realised_and_fees(
    bases: Mapping[tuple[str, str], CostBasis], prices: Mapping[str, Price]
) -> tuple[dict[str, Decimal], dict[str, Decimal], dict[str, list[str]]]:
    realised: dict[str, Decimal] = defaultdict(lambda: ZERO)
    fees: dict[str, Decimal] = defaultdict(lambda: ZERO)
    notes: dict[str, list[str]] = defaultdict(list)
    for (base, quote), basis in bases.items():
        rate = _rate(quote, prices)
        if rate is None:
            notes[base].append(f"no price for {quote}")
            continue
        realised[base] += basis.realised * rate
        fees[base] += basis.fees_quote * rate
        for asset, amount in basis.other_fees:
            notes[base].append(f"fee {amount} {asset}")
    return realised, fees, notes


def asset_pnl(
    fills: Sequence[Fill],
    holdings: Mapping[str, tuple[Decimal, Price, str]],
    prices: Mapping[str, Price],
    since: datetime | None = None,
) -> list[AssetPnl]:
    """P&L of every asset held or traded: ``holdings`` maps asset to (qty, price, group),
    ``prices`` the current USD price of every asset (for quote conversion)."""
    bases = average_cost(fills)
    realised, fees, notes = _realised_and_fees(bases, prices)
    if since is not None:
        before = average_cost(f for f in fills if f.ts < since)
        realised_before, fees_before, _ = _realised_and_fees(before, prices)
        for asset, value in realised_before.items():
            realised[asset] -= value
        for asset, value in fees_before.items():
            fees[asset] -= value
    traded = {base for base, _ in bases}
    out: list[AssetPnl] = []
    for asset in sorted(traded | set(holdings)):
        qty, price, group = holdings.get(asset, (ZERO, _NO_PRICE, "other"))
        unreal = unrealised_pnl(asset, qty, price, bases, prices)
        n_fills = sum(b.fills for (base, _), b in bases.items() if base == asset)
        incomplete = any(b.incomplete for (base, _), b in bases.items() if base == asset)
        asset_notes = list(notes.get(asset, []))
        if unreal is not None and unreal.note:
            asset_notes.append(unreal.note)
        out.append(
            AssetPnl(
                asset=asset,
                group=group,
                qty=float(qty),
                avg_cost_usd=None if unreal is None else float(unreal.avg_cost_usd),
                realised_usd=float(realised.get(asset, ZERO)),
                unrealised_usd=None if unreal is None else float(unreal.pnl_usd),
                fees_usd=float(fees.get(asset, ZERO)),
                fills=n_fills,
                complete=not incomplete and (unreal is None or unreal.complete),
                note="; ".join(asset_notes),
            )
        )
    return out


def group_pnl(assets: Sequence[AssetPnl]) -> list[GroupPnl]:
    """The assets' P&L summed per group, groups in name order."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for a in assets:
        row = sums[a.group]
        row[0] += a.realised_usd
        row[1] += a.unrealised_usd or 0.0
        row[2] += a.fees_usd
    return [
        GroupPnl(group=g, realised_usd=r, unrealised_usd=u, fees_usd=f)
        for g, (r, u, f) in sorted(sums.items())
    ]


_NO_PRICE = Price(asset="", value=None, source=PriceSource.NONE)
