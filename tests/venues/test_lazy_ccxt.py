"""Building a core with live venues must not import ccxt (over a second): the TUI's first
frame never waits for it; ccxt loads on the first REST call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, sys
from core.bootstrap import build_core
from core.config import Settings

settings = Settings.model_validate({"venues": [
    {"name": "kraken", "kind": "kraken"}, {"name": "binance", "kind": "binance"}]})
core = build_core(settings)
assert "ccxt" not in sys.modules, "ccxt imported while building the core"
venue = core.venues["kraken"]
print(sorted(type(v).__name__ for v in core.venues.values()))
asyncio.run(venue.close())
"""


def test_build_core_with_live_venues_does_not_import_ccxt() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['LiveVenue', 'LiveVenue']"
