"""Benchmark: batched trade ingest through ``core.store.Store`` against raw sqlite3 executemany.

    /work/venv/bin/python bench/store.py [--rows 1000000] [--chunk 5000] [--repeat 3]

All runs insert the same trade rows (seeded, built once) into the same schema (the store's own
migrations), each into a fresh WAL database in one temporary directory, with the store's
pragmas (WAL, synchronous=NORMAL):

- raw: ``sqlite3`` ``executemany`` of each chunk of ``--chunk`` rows, committed per chunk;
- store add_many: ``Store.add_many(TRADE_INSERT, chunk)`` per chunk as the feed produces them
  (the store's own flusher commits per ``batch_rows`` or ``flush_ms``), then ``flush()``;
- raw from models: the same raw executemany, converting each ``Trade`` with ``trade_row``;
- store record_trades: the same from ``Trade`` models (what the core calls), so the row
  conversion is included; compared with raw-from-models as its peer.

Prints the best rows/s of each over ``--repeat`` runs and the ratios to raw (issue 2's aim: at
least 0.8x raw and 300,000 rows/s).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.models import Side, Trade
from core.store import Store
from core.store.db import TRADE_INSERT, trade_row
from core.store.migrations import MIGRATIONS

Row = tuple[int, str, str, str, str, str, str | None]
START = datetime(2025, 1, 1, tzinfo=UTC)


def make_trades(n: int, seed: int = 7) -> list[Trade]:
    rng = random.Random(seed)
    symbols = [f"{b}/USDT" for b in ("BTC", "ETH", "SOL", "DOGE", "ADA", "LINK", "ARB", "OP")]
    out = []
    price = 60_000.0
    for i in range(n):
        price *= 1 + rng.gauss(0, 0.0005)
        out.append(
            Trade(
                venue="sim-a" if i % 3 else "sim-b",
                symbol=symbols[i % len(symbols)],
                price=Decimal(f"{price:.2f}"),
                qty=Decimal(f"{rng.expovariate(4):.5f}"),
                side=Side.BUY if rng.random() < 0.5 else Side.SELL,
                ts=START + timedelta(microseconds=i * 250),
                trade_id=str(i),
            )
        )
    return out


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def raw_ingest(
    path: Path, batches: list[Sequence[Any]], to_row: Callable[[Any], Row] | None = None
) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for _, _, statements in MIGRATIONS:
        for sql in statements:
            conn.execute(sql)
    start = time.perf_counter()
    for batch in batches:
        conn.execute("BEGIN")
        conn.executemany(TRADE_INSERT, batch if to_row is None else map(to_row, batch))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    count = conn.execute("SELECT COUNT(*) FROM trades").fetchone()[0]
    conn.close()
    assert count == sum(len(b) for b in batches), count
    return elapsed


async def store_ingest(
    path: Path, batches: list[Sequence[Any]], add: Callable[[Store, Sequence[Any]], None]
) -> float:
    store = await Store.open(path)
    start = time.perf_counter()
    for batch in batches:
        add(store, batch)
        await asyncio.sleep(0)  # a feed yields between messages; the flusher runs meanwhile
    await store.flush()
    elapsed = time.perf_counter() - start
    count = await store.count("trades")
    await store.close()
    assert count == sum(len(b) for b in batches), count
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5_000, help="rows per producer batch")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    trades = make_trades(args.rows)
    rows = [trade_row(t) for t in trades]
    row_batches = chunks(rows, args.chunk)
    trade_batches = chunks(trades, args.chunk)
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            runs: dict[str, Callable[[Path], float]] = {
                "raw sqlite3 executemany": lambda p: raw_ingest(p, row_batches),
                "Store.add_many(TRADE_INSERT)": lambda p: asyncio.run(
                    store_ingest(p, row_batches, lambda s, b: s.add_many(TRADE_INSERT, b))
                ),
                "raw executemany of trade_row(Trade)": lambda p: raw_ingest(
                    p, trade_batches, trade_row
                ),
                "Store.record_trades(Trade)": lambda p: asyncio.run(
                    store_ingest(p, trade_batches, lambda s, b: s.record_trades(b))
                ),
            }
            for i, (name, run) in enumerate(runs.items()):
                elapsed = run(Path(tmp) / f"r{r}-{i}.db")
                best[name] = min(best.get(name, float("inf")), elapsed)
    raw = args.rows / best["raw sqlite3 executemany"]
    raw_models = args.rows / best["raw executemany of trade_row(Trade)"]
    print(f"{args.rows:,} trade rows, chunks of {args.chunk:,}, best of {args.repeat}")
    for name, elapsed in best.items():
        rate = args.rows / elapsed
        print(f"  {name:<36} {rate:>10,.0f} rows/s  ({rate / raw:.2f}x raw rows)")
    print(
        "  Store.record_trades vs raw from the same Trade models: "
        f"{args.rows / best['Store.record_trades(Trade)'] / raw_models:.2f}x"
    )


if __name__ == "__main__":
    main()
