"""Large journal sections stored as trees of small parts (issue 11, journal size): lossless in
order and when seeking, unchanged leaves cost nothing, and journals written before (whole
sections) still decode."""

from __future__ import annotations

import json
import random
from typing import Any

from core.journalcodec import FrameCompressor, FrameReader
from core.journaltree import SPLIT, assemble, name_of, tree_parts


def risk_like(rng: random.Random, n: int) -> dict[str, Any]:
    """A report shaped like an imported portfolio's risk section (~75 KiB: more than deflate
    looks back): per-asset rows, a long float series, group figures under keys with '/',
    non-ASCII text."""
    return {
        "as_of": f"2026-12-03T17:00:{n % 60:02d}Z",
        "report": {
            "assets": [
                {"asset": f"A{i}", "weight": rng.random(), "note": "€ ▲" if i % 250 == 0 else ""}
                for i in range(1000)
            ],
            "series": [rng.random() for _ in range(365)],
            "groups": {"L1/L0 majors": rng.random(), "AI/Data": 0.25, "Memecoins": 0.1},
            "matrix": [[round(rng.random(), 3) for _ in range(28)] for _ in range(28)],
        },
    }


def frames(count: int) -> tuple[list[bytes], list[bool]]:
    rng = random.Random(5)
    risk = risk_like(rng, 0)
    raw, full = [], []
    for n in range(count):
        risk["as_of"] = f"2026-12-03T17:00:{n % 60:02d}Z"
        risk["report"]["assets"][n * 37 % 1000]["weight"] = rng.random()  # one row moves
        if n % 4 == 0:
            risk["report"]["series"] = [*risk["report"]["series"][1:], rng.random()]
        frame = {"full": n % 20 == 0, "scalars": {"version": n}, "set": {"risk": risk}}
        raw.append(json.dumps(frame).encode())
        full.append(n % 20 == 0)
    return raw, full


def test_a_large_section_splits_into_a_tree_that_rebuilds_it_in_order() -> None:
    value = risk_like(random.Random(1), 0)
    body = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(body) > SPLIT
    parts = tree_parts("risk", value, body)
    assert parts is not None and all(len(b) <= SPLIT for _, b in parts)
    shapes = {tuple(json.loads(n[1:])): json.loads(b) for n, b in parts if n[0] == "^"}
    leaves = {n: b for n, b in parts if n[0] == "="}
    rebuilt = assemble("risk", shapes, lambda p: leaves[name_of("=", p)])
    assert rebuilt == value and list(rebuilt["report"]) == list(value["report"])
    assert tree_parts("risk", {"small": 1}, b'{"small":1}') is None


def test_trees_decode_exactly_in_order_and_seeking_and_cost_a_fraction() -> None:
    raw, full = frames(60)
    compressor = FrameCompressor()
    blobs = [compressor.compress(r, full=f) for r, f in zip(raw, full, strict=True)]
    reader = FrameReader(blobs, full)
    expected = [json.loads(r) for r in raw]
    assert [reader.frame(i) for i in range(len(raw))] == expected
    for i in [37, 3, 59, 20, 21, 0]:
        assert reader.frame(i) == expected[i]
    whole = FrameCompressor(structural=False)
    before = [whole.compress(r, full=f) for r, f in zip(raw, full, strict=True)]
    deltas = sum(len(b) for b, f in zip(blobs, full, strict=True) if not f)
    deltas_before = sum(len(b) for b, f in zip(before, full, strict=True) if not f)
    assert deltas < deltas_before / 10  # seeded: the same figures every run


def test_a_journal_written_before_the_trees_still_decodes() -> None:
    raw, full = frames(30)
    former = FrameCompressor(structural=False)  # whole sections, as journals before had them
    blobs = [former.compress(r, full=f) for r, f in zip(raw, full, strict=True)]
    reader = FrameReader(blobs, full)
    assert [reader.frame(i) for i in range(len(raw))] == [json.loads(r) for r in raw]
