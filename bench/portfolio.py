"""Benchmark: one revaluation of the merged portfolio (the real CoinTracking export beside two
venue accounts), as the core runs it four times a second, and the size of the view it publishes.

    .venv/bin/python bench/portfolio.py [--repeat 200]

Inputs: the shared "Balance by Exchange" export (304 holdings, 235 assets), 26 venue balances,
and one book per asset the venues list (book mids price the import's assets too). Prints the
median and 95th percentile wall time of ``LivePortfolio.revalue`` and of the snapshot taken for
the store, the rows in the view and its JSON size (what a state carries to a client).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.config import PortfolioConfig
from core.models import Balance, BookLevel, BookSnapshot
from core.portfolio.ctimport import load_exports
from core.portfolio.live import LivePortfolio
from core.portfolio.taxonomy import load_taxonomy

EXPORT = "cointracking/CoinTracking - Balance by Exchange - 26.08.2025.csv"
VENUE_ASSETS = [
    "BTC",
    "ETH",
    "SOL",
    "USDT",
    "USDC",
    "ADA",
    "AVAX",
    "DOT",
    "ATOM",
    "ARB",
    "OP",
    "UNI",
    "AAVE",
    "LINK",
    "FET",
    "TAO",
    "AXS",
    "DOGE",
    "PEPE",
    "LTC",
    "PAXG",
    "XRP",
    "BNB",
    "TRX",
    "NEAR",
    "SUI",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    args = parser.parse_args()
    now = datetime.now(UTC)
    config = PortfolioConfig()
    taxonomy = load_taxonomy({})
    imported = load_exports(
        [args.data / EXPORT], registry=config.location_registry(), taxonomy=taxonomy
    )
    live = LivePortfolio(config, lambda a: taxonomy.classify(a).group)
    live.set_sources(imported.holdings, [], config.location_registry().locations)
    balances = [
        Balance(
            location_id=f"sim-{v}:spot", asset=a, total=Decimal(3), free=Decimal(3), ts=now,
            source=f"sim-{v}",
        )
        for a in VENUE_ASSETS
        for v in "ab"
    ]  # fmt: skip
    books = [
        BookSnapshot(
            venue="sim-a",
            symbol=f"{a}/USD",
            bids=(BookLevel(price=Decimal("10.00") + i, qty=Decimal(1)),),
            asks=(BookLevel(price=Decimal("10.02") + i, qty=Decimal(1)),),
            ts=now - timedelta(seconds=1),
        )
        for i, a in enumerate(VENUE_ASSETS)
    ]
    times: list[float] = []
    snaps: list[float] = []
    view = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        view = live.revalue(balances, books, {}, now)
        t1 = time.perf_counter()
        live.snapshot(now, taxonomy.version)
        t2 = time.perf_counter()
        times.append((t1 - t0) * 1000)
        snaps.append((t2 - t1) * 1000)
    assert view is not None
    size = len(view.model_dump_json())

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95) - 1]

    print(
        f"holdings: {len(view.rows)} rows ({len(imported.holdings)} imported), {args.repeat} runs"
    )
    print(
        f"revalue: median {statistics.median(times):.2f} ms, p95 {p95(times):.2f} ms "
        f"(x4/s = {statistics.median(times) * 4 / 10:.1f} % of one core)"
    )
    print(f"snapshot: median {statistics.median(snaps):.2f} ms, p95 {p95(snaps):.2f} ms")
    print(f"view JSON: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
