"""The journal's holdings section as row-level differences (issue 11, journal size).

A portfolio of 300 rows (the size of the real 235-asset import) is revalued frame after frame
by the real :func:`core.portfolio.live.holdings_view`: a few rows priced from live books
move, so every row's weight moves. The journal must store every frame so that it decodes to
the very bytes encoded, from any keyframe, while the deltas cost a small fraction of the same
frames with the section stored whole.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.holdingsdiff import apply_holdings_diff, holdings_diff
from core.journalcodec import HOLDINGS_DIFF, FrameCompressor, FrameReader
from core.models import Holding, Price, PriceSource
from core.portfolio.live import holdings_view
from core.views import HoldingsView

T0 = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
GROUPS = ("Bitcoin", "Ethereum", "Stablecoins", "Altcoins")


def portfolio(rng: random.Random, rows: int = 300) -> list[Holding]:
    out = []
    for i in range(rows):
        asset = f"A{i % 235}"
        price = Decimal(str(round(rng.uniform(0.001, 60000), 6)))
        out.append(
            Holding(
                asset=asset,
                location_id=f"loc{i % 31}",
                qty=Decimal(str(round(rng.uniform(0.01, 500), 8))),
                price=Price(asset=asset, value=price, source=PriceSource.IMPORT, ts=T0),
                group=GROUPS[i % len(GROUPS)],
                source="import" if i >= 10 else "sim-a",
                as_of=T0,
            )
        )
    return out


def views(count: int, seed: int = 11) -> list[HoldingsView]:
    """Successive revaluations: the first 10 rows' prices move (live books), the rest keep
    their imported prices; the sparkline grows now and then."""
    rng = random.Random(seed)
    holdings = portfolio(rng)
    out = []
    history: list[float] = []
    for n in range(count):
        for i in range(10):
            h = holdings[i]
            assert h.price.value is not None
            moved = h.price.value * Decimal(str(1 + rng.gauss(0, 1e-4)))
            holdings[i] = h.model_copy(
                update={
                    "price": h.price.model_copy(update={"value": moved.quantize(Decimal("1e-8"))})
                }
            )
        if n % 7 == 0:
            history.append(float(sum(h.value for h in holdings)))
        out.append(holdings_view(holdings, {}, T0 + timedelta(seconds=n), history=history))
    return out


def frame(n: int, view: HoldingsView, full: bool) -> bytes:
    body = view.model_dump_json().encode()
    return (
        b'{"full":'
        + (b"true" if full else b"false")
        + b',"scalars":{"version":'
        + str(n).encode()
        + b'},"set":{"holdings":'
        + body
        + b'},"events_max":500}'
    )


def test_a_revaluation_is_a_few_rows_and_weights_are_recomputed_exactly() -> None:
    first, second = (json.loads(v.model_dump_json()) for v in views(2))
    assert first["total"] != second["total"]  # so every weight moved
    diff = holdings_diff(first, second)
    assert diff is not None
    assert apply_holdings_diff(first, diff) == second
    ops = diff["~rows"]
    patched = [op for op in ops if isinstance(op, dict)]
    assert len(patched) <= 10 < len(second["rows"])  # the live rows; the rest are copies
    assert all("weight" not in op for op in patched)  # recomputed: value / total
    assert len(json.dumps(diff)) < len(json.dumps(second)) / 20


def test_a_weight_that_is_not_value_over_total_is_sent_and_new_keys_send_it_whole() -> None:
    first, second = (json.loads(v.model_dump_json()) for v in views(2))
    second["rows"][200]["weight"] = 0.5  # not value / total: must be carried as it is
    second["groups"] = list(reversed(second["groups"]))  # re-sorted: still matched by group
    diff = holdings_diff(first, second)
    assert diff is not None
    assert any(isinstance(op, dict) and op.get("weight") == 0.5 for op in diff["~rows"])
    assert apply_holdings_diff(first, diff) == second
    assert holdings_diff(first, {**second, "extra": 1}) is None  # its layout changed


def test_journaled_holdings_decode_exactly_from_any_keyframe_and_cost_a_fraction() -> None:
    revalued = views(90)
    raw = [frame(n, v, full=n % 30 == 0) for n, v in enumerate(revalued)]
    full = [n % 30 == 0 for n in range(len(raw))]
    compressor = FrameCompressor()
    blobs = [compressor.compress(r, full=f) for r, f in zip(raw, full, strict=True)]
    whole = FrameCompressor(structural=False)
    before = [whole.compress(r, full=f) for r, f in zip(raw, full, strict=True)]
    assert all(HOLDINGS_DIFF.encode() in b for b, f in zip(blobs, full, strict=True) if not f)
    reader = FrameReader(blobs, full)
    order = [*range(len(raw)), 45, 12, 89, 31, 0]  # in order, then seeking
    for i in order:
        decoded: dict[str, Any] = reader.frame(i)
        assert decoded == json.loads(raw[i])  # every value, floats to the bit
        assert HoldingsView.model_validate(decoded["set"]["holdings"]) == revalued[i]
    deltas = sum(len(b) for b, f in zip(blobs, full, strict=True) if not f)
    deltas_before = sum(len(b) for b, f in zip(before, full, strict=True) if not f)
    assert deltas < deltas_before / 5  # seeded: the same figures every run
