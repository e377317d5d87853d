"""Which of the 11 groups a symbol belongs to, for per-group risk and stress shocks.

The caller's map (the portfolio taxonomy) wins; it is looked up by the symbol as given, then by
its base asset (``BTC-PERP`` -> ``BTC``). Without an entry, a handful of unambiguous majors and
stablecoins get their own group and everything else is ``Others``, so a bare price file still
gives sensible per-group figures.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.config import GROUPS
from core.risk.history import base_symbol

OTHERS = "Others"

FALLBACK_GROUPS: Mapping[str, str] = {
    "BTC": "BTC",
    "WBTC": "BTC",
    "ETH": "ETH",
    "WETH": "ETH",
    "STETH": "ETH",
    "SOL": "SOL",
    "USDT": "Stablecoins",
    "USDC": "Stablecoins",
    "DAI": "Stablecoins",
    "TUSD": "Stablecoins",
    "FDUSD": "Stablecoins",
    "USDE": "Stablecoins",
    "PYUSD": "Stablecoins",
    "BUSD": "Stablecoins",
}
"""Used only when the caller's map has no entry for a symbol."""


def group_of(symbol: str, groups: Mapping[str, str] | None = None) -> str:
    """The group of ``symbol``; unknown group names in ``groups`` fall back to ``Others``."""
    if groups:
        found = groups.get(symbol) or groups.get(base_symbol(symbol))
        if found is not None:
            return found if found in GROUPS else OTHERS
    return FALLBACK_GROUPS.get(base_symbol(symbol), OTHERS)
