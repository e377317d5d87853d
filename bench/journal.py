"""Benchmark: how fast the database grows on the sim at the default settings, WAL included.

    .venv/bin/python bench/journal.py [--seconds 120] [--warmup 30] [--import FILE]

Runs the real core (``build_core``, the sim venues, the journal attached as in the daemon) on a
fresh database, lets it warm up (the first minute writes one-off rows: daily closes, the first
plans), then measures for ``--seconds``: the growth of the database file plus its WAL in MB
(10^6 bytes) per minute, each table's share (SQLite's ``dbstat``), the journal's frames per
second and its sections' shares. It runs twice in the same process:

- **now**: the defaults as shipped;
- **peer**: the former behaviour: every journal frame zlib-compressed on its own, a keyframe
  every 30 s, every sim print stored, market-print events stored in ``events`` as well, and
  SQLite's default WAL (checkpoint at 1000 pages, never truncated).

and prints the ratio now/peer, plus the journal's own ratio measured on the same frames (the
"now" session's frames re-encoded the former way), and the structural deltas' ratio: the
same frames re-encoded by today's codec with every section stored whole in each delta
(``FrameCompressor(structural=False)``: no holdings row differences (:mod:`core.holdingsdiff`)
and no section trees (:mod:`core.journaltree`), the encoding before them).

``--import FILE`` merges a real CoinTracking export (``portfolio.imports``, negative balances
allowed) into both runs, as a user with an imported portfolio has it (issue 11's 235 assets:
the holdings section is then most of the journal).
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core.journal
import core.service
import core.store.connection
from core.bootstrap import build_core
from core.config import Settings
from core.journal import load_frames, reader
from core.journalcodec import FrameCompressor
from core.models import EventKind, EventLevel, LogEvent

MB = 1e6


class StandaloneCompressor:
    """The former encoding: each frame one zlib stream of its own (level 6)."""

    def compress(self, raw: bytes, *, full: bool) -> bytes:
        return zlib.compress(raw, 6)


@contextmanager
def former_behaviour() -> Iterator[dict[str, Any]]:
    """Patch the process back to the former storage behaviour; yields settings overrides."""
    saved_wal = core.store.connection.WAL_PAGES, core.store.connection.WAL_LIMIT
    saved_log_event = core.service.Core.log_event
    saved_compressor = core.journal.FrameCompressor  # type: ignore[attr-defined]

    def log_event(
        self: core.service.Core,
        kind: EventKind,
        message: str,
        *,
        level: EventLevel = EventLevel.INFO,
        **fields: Any,
    ) -> LogEvent:
        event = saved_log_event(self, kind, message, level=level, **fields)
        if kind is EventKind.MARKET and self.store is not None:
            self.store.record_event(event)
        return event

    core.store.connection.WAL_PAGES, core.store.connection.WAL_LIMIT = 1000, -1
    core.service.Core.log_event = log_event  # type: ignore[method-assign]
    setattr(core.journal, "FrameCompressor", StandaloneCompressor)  # noqa: B010
    try:
        yield {"journal": {"keyframe_s": 30.0}, "store": {"sim_print_interval_s": 0}}
    finally:
        core.store.connection.WAL_PAGES, core.store.connection.WAL_LIMIT = saved_wal
        core.service.Core.log_event = saved_log_event  # type: ignore[method-assign]
        setattr(core.journal, "FrameCompressor", saved_compressor)  # noqa: B010


def files(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def tables(db: Path) -> Counter[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        conn.close()
    return Counter({str(name): int(size) for name, size in rows})


async def measure(
    db: Path, seconds: float, warmup: float, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Run a core; return growth figures over the measured window."""
    store = {"path": str(db), **overrides.get("store", {})}
    settings = Settings.model_validate({**overrides, "store": store})
    core_ = build_core(settings)
    await core_.start()
    try:
        await asyncio.sleep(warmup)
        size0, tables0, t0 = files(db), tables(db), time.monotonic()
        peak_wal = 0
        while (elapsed := time.monotonic() - t0) < seconds:
            await asyncio.sleep(min(5.0, seconds - elapsed))
            wal = db.with_name(db.name + "-wal")
            peak_wal = max(peak_wal, wal.stat().st_size if wal.exists() else 0)
        size1, tables1, elapsed = files(db), tables(db), time.monotonic() - t0
    finally:
        await core_.stop()
    minutes = elapsed / 60
    growth = {name: (tables1[name] - tables0[name]) / minutes for name in tables1}
    return {
        "minutes": minutes,
        "files": (size1 - size0) / minutes,
        "tables": growth,
        "peak_wal": peak_wal,
    }


def journal_figures(
    db: Path,
) -> tuple[float, float, float, Counter[str], Counter[str], float]:
    """(stored bytes/min, former-encoding bytes/min, whole-holdings bytes/min, section bytes,
    section frames, seconds journaled), over the whole session."""
    _, frames = load_frames(db)
    span_min = (frames[-1].ts_ns - frames[0].ts_ns) / 6e10 or 1.0
    read = reader(frames)
    former = 0
    whole = FrameCompressor(structural=False)
    whole_bytes = 0
    section_bytes: Counter[str] = Counter()
    section_frames: Counter[str] = Counter()
    for i in range(len(frames)):
        data = read.frame(i)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        former += len(zlib.compress(text.encode(), 6))
        whole_bytes += len(whole.compress(text.encode(), full=frames[i].full))
        sections = dict(data.get("set", {}))
        if "book_diff" in data:
            sections["book"] = data["book_diff"]
        for name, value in sections.items():
            section_bytes[name] += len(json.dumps(value, separators=(",", ":")))
            section_frames[name] += 1
    stored = sum(len(f.blob) for f in frames)
    return (
        stored / span_min,
        former / span_min,
        whole_bytes / span_min,
        section_bytes,
        section_frames,
        span_min * 60,
    )


def show(label: str, figures: dict[str, Any]) -> None:
    print(f"{label}: measured {figures['minutes']:.1f} min")
    print(f"  database + WAL: {figures['files'] / MB:.3f} MB/min")
    print(f"  WAL file at most {figures['peak_wal'] / MB:.2f} MB")
    for name, rate in sorted(figures["tables"].items(), key=lambda kv: -kv[1]):
        if rate > 0:
            print(f"    {name:24} {rate / MB:.3f} MB/min")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--warmup", type=float, default=30.0)
    parser.add_argument(
        "--import",
        dest="imports",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="merge this CoinTracking export into the portfolio (repeatable)",
    )
    args = parser.parse_args()
    extra: dict[str, Any] = {}
    if args.imports:
        files = [str(p.resolve()) for p in args.imports]
        extra = {"portfolio": {"imports": files, "imports_allow_negative": True}}
        print(f"portfolio.imports: {', '.join(files)}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "now.db"
        now = asyncio.run(measure(db, args.seconds, args.warmup, extra))
        stored, former, whole, section_bytes, section_frames, span_s = journal_figures(db)
    with tempfile.TemporaryDirectory() as tmp, former_behaviour() as overrides:
        overrides = {**overrides, **extra}
        peer = asyncio.run(measure(Path(tmp) / "peer.db", args.seconds, args.warmup, overrides))
    show("now (defaults)", now)
    print(f"  journal over the session ({span_s:.0f} s): {stored / MB:.3f} MB/min stored")
    print("  journal sections: frames/s carrying it, share of the bytes before compression")
    total = sum(section_bytes.values()) or 1
    for name, size in section_bytes.most_common():
        print(f"    {name:16} {section_frames[name] / span_s:6.2f}/s  {size / total:6.1%}")
    show("peer (former behaviour)", peer)
    print(
        f"database + WAL growth, now / peer: {now['files'] / MB:.3f} / "
        f"{peer['files'] / MB:.3f} MB/min = {now['files'] / peer['files']:.2f}x"
    )
    print(
        f"journal encoding on the same frames, now / former: {stored / MB:.3f} / "
        f"{former / MB:.3f} MB/min = {stored / former:.2f}x"
    )
    print(
        f"structural deltas on the same frames, now / sections whole: {stored / MB:.3f} / "
        f"{whole / MB:.3f} MB/min = {stored / whole:.2f}x"
    )


if __name__ == "__main__":
    main()
