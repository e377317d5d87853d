"""Fixtures for the real CoinTracking exports."""

from __future__ import annotations

from pathlib import Path

import pytest

CURRENT_BALANCE = "CoinTracking - Current Balance.csv"
BALANCE_BY_EXCHANGE = "CoinTracking - Balance by Exchange - 26.08.2025.csv"
COINS_BY_EXCHANGE = "CoinTracking - Coins by Exchange - 26.08.2025.csv"
ALL_EXPORTS = (CURRENT_BALANCE, BALANCE_BY_EXCHANGE, COINS_BY_EXCHANGE)


@pytest.fixture(scope="session")
def ct_dir(shared_data: Path) -> Path:
    """The folder with the three real CoinTracking exports (26 Aug 2025)."""
    return shared_data / "cointracking"
