"""Fixtures for the real CoinTracking exports."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ct_dir(shared_data: Path) -> Path:
    """The folder with the three real CoinTracking exports (26 Aug 2025)."""
    return shared_data / "cointracking"
