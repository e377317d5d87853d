"""Backoff bounds and the health bookkeeping, driven with explicit clock values."""

from __future__ import annotations

import random

import pytest

from core.feeds.backoff import Backoff
from core.feeds.events import BookStats
from core.feeds.health import HealthTracker
from core.models import FeedState


def test_backoff_is_jittered_capped_and_resets() -> None:
    backoff = Backoff(base=0.5, cap=4.0, rng=random.Random(3))
    ceilings = []
    for _ in range(8):
        ceilings.append(backoff.ceiling())
        delay = backoff.next_delay()
        assert 0.0 <= delay <= ceilings[-1]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    backoff.reset()
    assert backoff.ceiling() == 0.5
    delays = {Backoff(rng=random.Random(seed)).next_delay() for seed in range(5)}
    assert len(delays) == 5  # jitter: clients do not reconnect in lockstep
    with pytest.raises(ValueError):
        Backoff(base=2.0, cap=1.0)


def test_health_staleness_rate_offset_and_state() -> None:
    tracker = HealthTracker("kraken", stale_after=1.5, symbol_stale_after=10.0)
    tracker.state = FeedState.LIVE
    for i in range(20):
        tracker.on_message(100.0 + i * 0.1)
    tracker.on_book("A", 101.9)
    tracker.on_book("B", 95.0)
    tracker.tick(100.0)
    tracker.tick(102.0)
    assert tracker.messages_per_s() == 0.0  # no message counted between the two samples
    tracker.on_message(102.5)
    tracker.tick(103.0)
    assert tracker.messages_per_s() == pytest.approx(1 / 3)
    assert not tracker.symbol_stale("A", 103.0)
    assert tracker.symbol_stale("B", 106.0)  # its book stopped moving 11 s ago
    assert tracker.connection_stale(104.1) and tracker.symbol_stale("A", 104.1)
    tracker.on_venue_time(1000.0, 1000.120)
    tracker.on_venue_time(1001.0, 1001.050)
    assert tracker.clock_offset_ms() == pytest.approx(50.0)
    stats = BookStats(checksum_failures=2, gaps=1, resyncs=3)
    health = tracker.snapshot(stats, ["A", "B"], 103.0, resyncing=["B"])
    assert health.state is FeedState.RESYNCING and health.resyncing_symbols == ("B",)
    assert (health.checksum_failures, health.gaps, health.resyncs) == (2, 1, 3)
    assert tracker.snapshot(stats, ["A"], 105.0).state is FeedState.STALE
