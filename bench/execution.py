"""Benchmark: what the order manager's safety costs per order, against the bare paper venue.

    /work/venv/bin/python bench/execution.py [--orders 500]

Both runs place the same small market buys on the same synthetic BTC/USDT book (30 levels a
side), paper latency 0:

- paper: ``PaperVenue.submit`` alone (no gate, no store);
- manager: ``OrderManager.place``: balance refresh, gate, write-ahead (two durable commits),
  audit row (one durable commit), paper submit with its own durable state commit, and the
  order's final state and audit row (two more commits), in a WAL database in a temp dir.

Prints orders/s and per-order latency (p50/p99) of each, and the manager/paper ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.execution.gate import GateLimits
from core.execution.manager import OrderManager
from core.execution.paper_accounts import persist_to
from core.execution.paper_venue import PaperVenue
from core.models import (
    BookIntegrity,
    BookLevel,
    BookSnapshot,
    Instrument,
    OrderRequest,
    OrderType,
    Side,
    utcnow,
)
from core.store import Store

INST = Instrument(
    venue="bench",
    symbol="BTC/USDT",
    base="BTC",
    quote="USDT",
    price_tick=Decimal("0.1"),
    qty_step=Decimal("0.00001"),
)


def book() -> BookSnapshot:
    mid = Decimal(60_000)
    return BookSnapshot(
        venue="bench",
        symbol="BTC/USDT",
        bids=tuple(BookLevel(price=mid - Decimal(i + 1), qty=Decimal("0.5")) for i in range(30)),
        asks=tuple(BookLevel(price=mid + Decimal(i + 1), qty=Decimal("0.5")) for i in range(30)),
        ts=utcnow(),
        integrity=BookIntegrity.VERIFIED,
    )


class Market:
    def instrument(self, venue: str, symbol: str) -> Instrument | None:
        return INST

    def book(self, venue: str, symbol: str) -> BookSnapshot | None:
        return book()

    def usd_price(self, asset: str) -> Decimal | None:
        return Decimal(1) if asset == "USDT" else Decimal(60_000)

    def portfolio_usd(self) -> Decimal:
        return Decimal(10**9)


def request(n: int) -> OrderRequest:
    return OrderRequest(
        client_order_id=f"b{n}",
        venue="bench",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.MARKET,
        qty=Decimal("0.001"),
    )


async def run_paper(orders: int) -> list[float]:
    venue = PaperVenue("bench", lambda s: book(), {"BTC/USDT": INST}, {"USDT": Decimal(10**9)})
    times = []
    for n in range(orders):
        t = time.perf_counter()
        await venue.submit(request(n))
        times.append(time.perf_counter() - t)
    return times


async def run_manager(orders: int, db: Path) -> list[float]:
    store = await Store.open(db)
    try:
        persist = persist_to(store)
        venue = PaperVenue(
            "bench", lambda s: book(), {"BTC/USDT": INST}, {"USDT": Decimal(10**9)}, persist=persist
        )
        limits = GateLimits(daily_turnover_usd=Decimal(10**12))
        manager = OrderManager({"bench": venue}, store, Market(), limits=limits, rate_per_s=1e9)
        await manager.load()
        await manager.reconcile(startup=True)
        times = []
        for n in range(orders):
            t = time.perf_counter()
            await manager.place(request(n))
            times.append(time.perf_counter() - t)
        return times
    finally:
        await store.close()


def summary(name: str, times: list[float]) -> float:
    rate = len(times) / sum(times)
    q = statistics.quantiles(times, n=100)
    print(
        f"{name:<8} {rate:>9,.0f} orders/s   p50 {q[49] * 1000:7.3f} ms   "
        f"p99 {q[98] * 1000:7.3f} ms"
    )
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    paper = asyncio.run(run_paper(args.orders))
    with tempfile.TemporaryDirectory() as tmp:
        managed = asyncio.run(run_manager(args.orders, Path(tmp) / "bench.db"))
    a = summary("paper", paper)
    b = summary("manager", managed)
    print(f"manager/paper throughput ratio {b / a:.3f} ({args.orders} market orders each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
