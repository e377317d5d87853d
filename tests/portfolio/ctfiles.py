"""Names of the three real CoinTracking exports in ``../shared/data/cointracking``."""

from __future__ import annotations

CURRENT_BALANCE = "CoinTracking - Current Balance.csv"
BALANCE_BY_EXCHANGE = "CoinTracking - Balance by Exchange - 26.08.2025.csv"
COINS_BY_EXCHANGE = "CoinTracking - Coins by Exchange - 26.08.2025.csv"
ALL_EXPORTS = (CURRENT_BALANCE, BALANCE_BY_EXCHANGE, COINS_BY_EXCHANGE)
