"""Benchmark: what the flight recorder writes for a sim session at the default settings.

    /work/venv/bin/python bench/journal.py [--seconds 60]

Runs the real core (``build_core``, the sim venues, the journal attached as in the daemon) on
a fresh database for ``--seconds``, stops it, then reads the session's journal back and prints:
frames per second, those that carry the order book and those that carry the portfolio
(holdings, risk, plan), journal bytes per minute (the compressed frames as stored), the
database file's growth per minute, and each section's share of the bytes. It runs twice: with
the config defaults (market data at ``ui.fps``), and as the peer with ``journal.market_hz``
set to ``journal.max_hz`` (every section at 1/s, the recorder's former behaviour).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.bootstrap import build_core
from core.config import Settings
from core.journal import SLOW_SECTIONS


async def run(db: Path, seconds: float, overrides: dict[str, Any]) -> float:
    settings = Settings.model_validate({"store": {"path": str(db)}, **overrides})
    core = build_core(settings)
    await core.start()
    started = time.monotonic()
    await asyncio.sleep(seconds)
    await core.stop()
    return time.monotonic() - started


def report(label: str, db: Path, elapsed: float) -> float:
    """Print the journal's figures; return its bytes per minute."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT ts_ns, full, frame FROM journal ORDER BY ts_ns").fetchall()
    conn.close()
    if not rows:
        print(f"{label}: no journal frames")
        return 0.0
    span = (rows[-1][0] - rows[0][0]) / 1e9 or elapsed
    stored = sum(len(r[2]) for r in rows)
    raw_by_section: Counter[str] = Counter()
    frames_with: Counter[str] = Counter()
    slow_bytes = 0
    for _, full, blob in rows:
        data = json.loads(zlib.decompress(blob))
        if "book_diff" in data:
            data["set"]["book"] = data["book_diff"]
        for name, value in data.get("set", {}).items():
            raw_by_section[name] += len(json.dumps(value, separators=(",", ":")))
            frames_with[name] += 1
        if full or SLOW_SECTIONS & set(data.get("set", {})):
            frames_with["(portfolio)"] += 1
            slow_bytes += len(blob)
    raw_total = sum(raw_by_section.values()) or 1
    minutes = span / 60
    size = db.stat().st_size
    print(f"{label}: {elapsed:.1f} s run, {span:.1f} s journaled, {len(rows)} frames")
    print(f"  frames/s: {len(rows) / span:.2f} (full: {sum(r[1] for r in rows)})")
    print(f"  frames/s with the book: {frames_with['book'] / span:.2f}")
    print(f"  frames/s with holdings/risk/plan: {frames_with['(portfolio)'] / span:.2f}")
    print(
        f"  journal: {stored / minutes / 1024:.0f} KiB/min compressed"
        f" ({slow_bytes / minutes / 1024:.0f} KiB/min in frames with holdings/risk/plan)"
    )
    print(f"  database file: {size / minutes / 1024:.0f} KiB/min (trades, events, ... included)")
    print("  per section: frames/s, share of the sections' bytes before compression")
    for name, count in raw_by_section.most_common():
        print(f"    {name:16} {frames_with[name] / span:6.2f}/s  {count / raw_total:6.1%}")
    return stored / minutes


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    runs = {
        "default (market data at ui.fps, portfolio at journal.max_hz)": {},
        "peer: everything at journal.max_hz (market_hz = max_hz)": {
            "journal": {"market_hz": Settings().journal.max_hz}
        },
    }
    figures = []
    for label, overrides in runs.items():
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "cockpit.db"
            elapsed = asyncio.run(run(db, args.seconds, overrides))
            figures.append(report(label, db, elapsed))
    if figures[1]:
        print(f"journal bytes/min, default / peer: {figures[0] / figures[1]:.2f}x")


if __name__ == "__main__":
    main()
