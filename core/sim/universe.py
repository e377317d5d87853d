"""The simulated market's universe: assets, their character, and the two simulated venues.

Numbers are plausible rather than historical: starting prices, daily volatilities and factor
loadings give a market whose correlation structure looks like crypto's (one strong market
factor, sector factors on top, stablecoins pinned near one dollar).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SimAsset:
    symbol: str
    group: str
    price: float
    """Starting USD price, at the beginning of the generated history."""
    daily_vol: float
    beta: float
    """Loading on the market factor."""
    sector: str
    price_tick: Decimal
    qty_step: Decimal
    stable: bool = False


def _a(
    symbol: str,
    group: str,
    price: float,
    vol: float,
    beta: float,
    sector: str,
    tick: str,
    step: str,
    stable: bool = False,
) -> SimAsset:
    return SimAsset(symbol, group, price, vol, beta, sector, Decimal(tick), Decimal(step), stable)


UNIVERSE: tuple[SimAsset, ...] = (
    _a("BTC", "BTC", 42_000.0, 0.030, 1.00, "btc", "0.1", "0.00001"),
    _a("ETH", "ETH", 2_300.0, 0.038, 1.15, "eth", "0.01", "0.0001"),
    _a("SOL", "SOL", 95.0, 0.055, 1.35, "sol", "0.01", "0.001"),
    _a("USDC", "Stablecoins", 1.0, 0.0004, 0.0, "stable", "0.0001", "0.01", stable=True),
    _a("DAI", "Stablecoins", 1.0, 0.0006, 0.0, "stable", "0.0001", "0.01", stable=True),
    _a("ADA", "L1/L0 majors", 0.52, 0.050, 1.20, "l1", "0.0001", "0.1"),
    _a("AVAX", "L1/L0 majors", 34.0, 0.058, 1.30, "l1", "0.01", "0.01"),
    _a("DOT", "L1/L0 majors", 7.1, 0.052, 1.20, "l1", "0.001", "0.01"),
    _a("ATOM", "L1/L0 majors", 9.6, 0.050, 1.15, "l1", "0.001", "0.01"),
    _a("NEAR", "L1/L0 majors", 3.4, 0.060, 1.30, "l1", "0.001", "0.1"),
    _a("XRP", "L1/L0 majors", 0.61, 0.045, 1.00, "l1", "0.0001", "1"),
    _a("ARB", "L2/Scaling", 1.55, 0.062, 1.35, "l2", "0.0001", "0.1"),
    _a("OP", "L2/Scaling", 2.9, 0.064, 1.35, "l2", "0.001", "0.1"),
    _a("POL", "L2/Scaling", 0.78, 0.058, 1.25, "l2", "0.0001", "0.1"),
    _a("UNI", "DeFi", 6.4, 0.058, 1.20, "defi", "0.001", "0.01"),
    _a("AAVE", "DeFi", 92.0, 0.060, 1.20, "defi", "0.01", "0.001"),
    _a("LINK", "AI/Data", 14.2, 0.055, 1.20, "defi", "0.001", "0.01"),
    _a("FET", "AI/Data", 0.62, 0.075, 1.40, "ai", "0.0001", "0.1"),
    _a("RENDER", "AI/Data", 4.3, 0.072, 1.40, "ai", "0.001", "0.1"),
    _a("TAO", "AI/Data", 260.0, 0.070, 1.30, "ai", "0.1", "0.001"),
    _a("AXS", "Gaming/NFT", 7.2, 0.065, 1.25, "gaming", "0.001", "0.01"),
    _a("SAND", "Gaming/NFT", 0.48, 0.066, 1.25, "gaming", "0.0001", "1"),
    _a("DOGE", "Memecoins", 0.085, 0.070, 1.40, "meme", "0.00001", "1"),
    _a("PEPE", "Memecoins", 0.0000012, 0.095, 1.60, "meme", "0.00000001", "1000"),
    _a("LTC", "L1/L0 majors", 72.0, 0.045, 1.00, "other", "0.01", "0.001"),
    _a("PAXG", "Others", 2_650.0, 0.025, 0.60, "other", "0.01", "0.0001"),
)

SECTOR_VOL: dict[str, float] = {
    "btc": 0.0,
    "eth": 0.008,
    "sol": 0.015,
    "stable": 0.0,
    "l1": 0.014,
    "l2": 0.016,
    "defi": 0.016,
    "ai": 0.022,
    "gaming": 0.018,
    "meme": 0.030,
    "other": 0.012,
}
"""Daily volatility of each sector factor (on top of the market factor)."""

MARKET_DAILY_VOL = 0.028
"""Daily volatility of the market factor in the calm regime."""


@dataclass(frozen=True, slots=True)
class SimVenueSpec:
    name: str
    quote: str
    """The quote currency of this venue's markets."""
    basis_bps: float
    """A small persistent price offset against the other venue."""
    spread_bps: float
    """Typical half-spread of a liquid market in the calm regime."""
    depth_usd: float
    """Typical resting size per level, in USD, for BTC; smaller markets scale down."""
    taker_fee: Decimal
    maker_fee: Decimal
    stable_markets: tuple[str, ...]
    """Stablecoin markets this venue lists against its quote."""


VENUE_SPECS: tuple[SimVenueSpec, ...] = (
    SimVenueSpec(
        "sim-a", "USDT", 0.0, 1.0, 60_000.0, Decimal("0.0010"), Decimal("0.0008"), ("USDC",)
    ),
    SimVenueSpec(
        "sim-b", "USD", 3.0, 1.6, 35_000.0, Decimal("0.0026"), Decimal("0.0016"), ("USDC", "USDT")
    ),
)
"""The two simulated venues: a USDT-quoted one and a USD-quoted one, like Binance and Kraken."""

USDT = SimAsset(
    "USDT", "Stablecoins", 1.0, 0.0003, 0.0, "stable", Decimal("0.0001"), Decimal("0.01"), True
)
"""USDT is the quote of sim-a and a listed asset on sim-b."""


def spec_for(venue: str, index: int) -> SimVenueSpec:
    """The spec for a configured sim venue: by name, else by position, renamed."""
    for spec in VENUE_SPECS:
        if spec.name == venue:
            return spec
    base = VENUE_SPECS[index % len(VENUE_SPECS)]
    return SimVenueSpec(
        venue,
        base.quote,
        base.basis_bps,
        base.spread_bps,
        base.depth_usd,
        base.taker_fee,
        base.maker_fee,
        base.stable_markets,
    )
