"""Loaders for the real price files in ``shared/data/market`` (read in place, never copied)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from core.risk import HOUR, PriceHistory

FTX_SPOT = ("BTC-USD", "ETH-USD", "BNB-USD", "XRP-USD", "LTC-USD", "AAVE-USD", "MATIC-USD")


def read_ftx(shared_data: Path, symbol: str) -> list[tuple[int, float]]:
    """``(epoch seconds, close)`` of an FTX daily file (dates are epoch milliseconds)."""
    with (shared_data / "market" / "ftx_1d" / f"{symbol}.csv").open() as fh:
        return [(int(row["date"]) // 1000, float(row["close"])) for row in csv.DictReader(fh)]


def read_yahoo(shared_data: Path, symbol: str) -> list[tuple[datetime, float]]:
    """``(aware datetime, close)`` of a Yahoo hourly file."""
    with (shared_data / "market" / "yahoo_1h" / f"{symbol}_USD.csv").open() as fh:
        return [
            (datetime.fromisoformat(row["timestamp"]), float(row["Close"]))
            for row in csv.DictReader(fh)
        ]


@pytest.fixture(scope="session")
def ftx_history(shared_data: Path) -> PriceHistory:
    """Daily closes of seven FTX spot markets plus MANA-USD (listed late: partial history)."""
    symbols = (*FTX_SPOT, "MANA-USD")
    return PriceHistory.from_series({s: read_ftx(shared_data, s) for s in symbols})


@pytest.fixture(scope="session")
def yahoo_history(shared_data: Path) -> PriceHistory:
    """Hourly closes of five majors, with Yahoo's two multi-hour gaps left as NaN."""
    symbols = ("BTC", "ETH", "SOL", "XRP", "DOGE")
    return PriceHistory.from_series(
        {s: read_yahoo(shared_data, s) for s in symbols}, bar_seconds=HOUR
    )
