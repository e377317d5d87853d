"""Journal frames stored part by part against their previous values: lossless, decodable
from any keyframe, older standalone frames still readable, corruption a FrameError."""

from __future__ import annotations

import json
import random
import zlib
from typing import Any

import pytest

from core.journalcodec import FrameCompressor, FrameDecompressor, FrameReader
from core.statecodec import FrameError
from core.store.prints import PrintSampler


def frames(count: int, seed: int = 7) -> list[tuple[bool, bytes]]:
    """Frames shaped like the recorder's: a keyframe every 10, deltas with a few parts that
    drift (floats, timestamps), an empty ``set``, an unknown section, non-ASCII text."""
    rng = random.Random(seed)
    rows = [{"asset": f"A{i}", "qty": "1.5", "value": 100.0 + i} for i in range(30)]
    out = []
    for n in range(count):
        for row in rows:
            row["value"] = row["value"] * (1 + rng.gauss(0, 1e-4))
        full = n % 10 == 0
        frame: dict[str, Any] = {
            "full": full,
            "scalars": {"version": n + 1, "ts": f"2026-12-03T17:00:{n % 60:02d}.{n:06d}Z"},
            "set": {},
        }
        if full or n % 3 == 0:
            frame["set"]["holdings"] = {"rows": [dict(r) for r in rows], "note": "€ ▲"}
        if n % 4 == 1:
            frame["set"]["a_future_section"] = [n, None, True]
        if not full and n % 2:
            frame["book_diff"] = {"bids": [0, 1, {"price": f"{41000 + n}.5", "qty": "0.1"}]}
        if n % 5 == 2:
            frame["events_add"] = [{"message": f"print {n}", "level": "debug"}]
        frame["events_max"] = 500
        out.append((full, json.dumps(frame).encode()))
    return out


def test_every_frame_decodes_to_what_was_encoded_in_order_and_out_of_order() -> None:
    raw = frames(60)
    compressor = FrameCompressor()
    blobs = [compressor.compress(data, full=full) for full, data in raw]
    expected = [json.loads(data) for _, data in raw]
    reader = FrameReader(blobs, [full for full, _ in raw])
    assert [reader.frame(i) for i in range(len(raw))] == expected
    order = list(range(len(raw)))
    random.Random(3).shuffle(order)
    for i in order:  # seeking: each decoded from the keyframe before it
        assert reader.frame(i) == expected[i]
    # The point: deltas cost far less than the same frames compressed alone.
    alone = sum(len(zlib.compress(data, 6)) for _, data in raw)
    assert sum(len(b) for b in blobs) < 0.7 * alone  # seeded: the same figure every run


def test_a_journal_from_before_this_encoding_still_reads() -> None:
    raw = frames(12)
    blobs = [zlib.compress(data, 6) for _, data in raw]
    reader = FrameReader(blobs, [full for full, _ in raw])
    assert [reader.frame(i) for i in range(12)] == [json.loads(d) for _, d in raw]


def test_a_corrupt_or_orphaned_delta_is_a_frame_error() -> None:
    raw = frames(3)
    compressor = FrameCompressor()
    blobs = [compressor.compress(data, full=full) for full, data in raw]
    with pytest.raises(FrameError, match="corrupt journal frame"):
        FrameDecompressor().decompress(blobs[1][:-3])
    with pytest.raises(FrameError):
        FrameDecompressor().decompress(blobs[1] + b"\x05")


def test_sim_prints_are_sampled_per_market_and_real_ones_all_kept() -> None:
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from core.models import Side, Trade

    t0 = datetime(2026, 12, 3, tzinfo=UTC)

    def trade(venue: str, symbol: str, ms: int) -> Trade:
        return Trade(
            venue=venue,
            symbol=symbol,
            ts=t0 + timedelta(milliseconds=ms),
            price=Decimal("1"),
            qty=Decimal("1"),
            side=Side.BUY,
        )

    sampler = PrintSampler({"sim-a"}, interval_s=1.0)
    prints = [trade("sim-a", "BTC/USDT", ms) for ms in range(0, 3000, 100)]
    prints += [trade("sim-a", "ETH/USDT", ms) for ms in range(0, 3000, 700)]
    prints += [trade("kraken", "BTC/USD", ms) for ms in range(0, 3000, 100)]
    kept = sampler.keep(prints)
    times = {
        (v, s): [t.ts for t in kept if (t.venue, t.symbol) == (v, s)]
        for v, s in {(t.venue, t.symbol) for t in prints}
    }
    assert [int((t - t0) / timedelta(milliseconds=1)) for t in times[("sim-a", "BTC/USDT")]] == [
        0,
        1000,
        2000,
    ]
    assert len(times[("sim-a", "ETH/USDT")]) == 3  # 0, 1400, 2800
    assert len(times[("kraken", "BTC/USD")]) == 30
    assert PrintSampler({"sim-a"}, 0).keep(prints) == prints
