"""The price grid and the return sample: gaps stay gaps, coverage is explicit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.errors import DataError
from core.risk import DAY, HOUR, PriceHistory
from core.risk.history import base_symbol, build_sample, normalise_weights, resolve_benchmark
from tests.risk.conftest import read_ftx, read_yahoo


def test_yahoo_gaps_stay_nan_and_no_return_spans_them(
    shared_data: Path, yahoo_history: PriceHistory
) -> None:
    raw = read_yahoo(shared_data, "BTC")
    h = yahoo_history
    assert h.bar == "1h" and h.periods_per_year == 8760
    # every recorded close sits on its own hour, and the grid has the hours Yahoo lacks
    assert np.count_nonzero(~np.isnan(h.closes[:, h.column("BTC")])) == len(raw)
    gap_start = datetime(2024, 12, 28, 6, tzinfo=UTC)  # first missing hour of the 16-day gap
    row = (int(gap_start.timestamp()) - int(h.times[0])) // HOUR
    assert np.isnan(h.closes[row]).all()
    sample = build_sample(h, {"BTC": 1.0}, window_periods=10**6, min_coverage=0.5, benchmark="BTC")
    # the return after the gap would span 16 days: it must not exist
    after_gap = int(datetime(2025, 1, 14, 0, tzinfo=UTC).timestamp())
    assert after_gap not in set(sample.times.tolist())
    assert after_gap + HOUR in set(sample.times.tolist())
    closes = np.array([c for _, c in raw])
    expected = closes[1:] / closes[:-1] - 1.0
    stamps = [t for t, _ in raw]
    contiguous = [i for i in range(1, len(raw)) if stamps[i] - stamps[i - 1] == timedelta(hours=1)]
    assert sample.n_observations == len(contiguous)
    np.testing.assert_array_equal(sample.returns[:, 0], expected[np.array(contiguous) - 1])


def test_late_listing_is_excluded_and_reported(ftx_history: PriceHistory) -> None:
    weights = normalise_weights({"BTC-USD": 0.5, "ETH-USD": 0.3, "MANA-USD": 0.2})
    sample = build_sample(
        ftx_history, weights, window_periods=10**6, min_coverage=0.9, benchmark="BTC"
    )
    assert sample.symbols == ("BTC-USD", "ETH-USD")
    assert sample.covered_weight == pytest.approx(0.8)
    np.testing.assert_allclose(sample.weights, [0.625, 0.375])
    mana = next(a for a in sample.assets if a.symbol == "MANA-USD")
    assert not mana.included and mana.note and "needs 90%" in mana.note
    assert mana.first == int(datetime(2021, 9, 13, tzinfo=UTC).timestamp())
    # with a lower bar MANA enters, and every period before its listing is dropped, not padded
    loose = build_sample(
        ftx_history, weights, window_periods=10**6, min_coverage=0.5, benchmark="BTC"
    )
    assert loose.symbols == ("BTC-USD", "ETH-USD", "MANA-USD")
    assert loose.n_observations == mana.observations
    assert not np.isnan(loose.returns).any()
    assert loose.times[0] == mana.first + DAY


def test_benchmark_resolves_by_base_symbol(ftx_history: PriceHistory) -> None:
    assert resolve_benchmark(ftx_history.symbols, "BTC") == "BTC-USD"
    assert resolve_benchmark(["BTC-USD", "BTC-PERP"], "BTC") is None  # ambiguous
    assert resolve_benchmark(["BTC", "BTC-USD"], "BTC") == "BTC"
    assert base_symbol("eth/usdt") == "ETH"


def test_bad_series_are_refused_with_the_symbol() -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(DataError, match="BTC: two closes"):
        PriceHistory.from_series({"BTC": [(t0, 1.0), (t0 + timedelta(hours=3), 2.0)]})
    with pytest.raises(DataError, match="no time zone"):
        PriceHistory.from_series({"BTC": [(datetime(2024, 1, 1), 1.0)]})  # noqa: DTZ001
    with pytest.raises(DataError, match=r"ETH: close 0\.0 at"):
        PriceHistory.from_series({"ETH": [(t0, 0.0)]})
    with pytest.raises(DataError, match="weights must be finite"):
        normalise_weights({"BTC": -1})
    with pytest.raises(DataError, match="sum to zero"):
        normalise_weights({"BTC": 0})


def test_from_series_floors_to_the_bar_and_takes_decimals(shared_data: Path) -> None:
    from decimal import Decimal

    raw = read_ftx(shared_data, "BTC-USD")[:5]
    h = PriceHistory.from_series({"BTC": {
        datetime.fromtimestamp(t + 3600, UTC): Decimal(str(c)) for t, c in raw
    }})  # fmt: skip
    assert h.times.tolist() == [t for t, _ in raw]
    assert h.closes[:, 0].tolist() == [c for _, c in raw]
