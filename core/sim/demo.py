"""The demo portfolio: about $250k spread over both simulated venues and a cold wallet.

Amounts are fixed USD allocations converted at the live session's opening prices and rounded
to each asset's step, so a seed always gives the same portfolio.
"""

from __future__ import annotations

from decimal import Decimal

from core.sim.world import SimWorld

# asset -> (USD on the first venue, USD on the second venue, USD in the cold wallet)
DEMO_ALLOCATION: dict[str, tuple[int, int, int]] = {
    "BTC": (32_000, 18_000, 40_000),
    "ETH": (22_000, 9_000, 16_000),
    "SOL": (14_000, 9_000, 0),
    "USDT": (21_000, 4_000, 0),
    "USD": (0, 9_500, 0),
    "USDC": (0, 5_500, 0),
    "ADA": (4_200, 0, 0),
    "AVAX": (2_600, 2_100, 0),
    "DOT": (0, 3_100, 2_000),
    "ATOM": (2_400, 0, 0),
    "ARB": (3_200, 0, 0),
    "OP": (0, 2_300, 0),
    "UNI": (2_100, 1_000, 0),
    "AAVE": (3_900, 0, 0),
    "LINK": (0, 3_400, 0),
    "FET": (2_900, 0, 0),
    "TAO": (0, 2_200, 0),
    "AXS": (900, 0, 0),
    "DOGE": (2_700, 0, 0),
    "PEPE": (1_400, 0, 0),
    "LTC": (0, 1_200, 0),
    "PAXG": (0, 0, 1_500),
}


def demo_balances(
    world: SimWorld, venues: list[str]
) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]:
    """Balances per venue (first two venues get the two columns) and in the cold wallet."""
    per_venue: dict[str, dict[str, Decimal]] = {v: {} for v in venues}
    wallet: dict[str, Decimal] = {}
    steps = {a.symbol: a.qty_step for a in world.assets}
    for asset, columns in DEMO_ALLOCATION.items():
        price = world.usd_price(asset)
        if price is None:
            continue
        step = steps.get(asset, Decimal("0.01"))
        for column, usd in enumerate(columns):
            if usd == 0:
                continue
            qty = (Decimal(usd) / Decimal(repr(price)) / step).to_integral_value() * step
            if column < 2 and column < len(venues):
                per_venue[venues[column]][asset] = qty
            elif column == 2:
                wallet[asset] = qty
    return per_venue, wallet
