"""Feed health bookkeeping: message rate, silence, per-symbol staleness and clock offset.

Everything takes the current monotonic time as an argument, so the logic is testable without a
clock; the stream clients pass ``time.monotonic()``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime

from core.feeds.events import BookStats
from core.models import FeedHealth, FeedState


class HealthTracker:
    """Counts what a feed does and turns it into :class:`~core.models.FeedHealth`.

    ``stale_after`` is how long a connection may stay silent (venues send heartbeats or answer
    our liveness probes at least every second) before its symbols are stale;
    ``symbol_stale_after`` is how long one symbol's book may go without an update.
    """

    def __init__(self, venue: str, *, stale_after: float, symbol_stale_after: float) -> None:
        self.venue = venue
        self.stale_after = stale_after
        self.symbol_stale_after = symbol_stale_after
        self.state = FeedState.CONNECTING
        self.reconnects = 0
        self.messages = 0
        self.last_message: float | None = None
        self._symbol_seen: dict[str, float] = {}
        self._rate_window: deque[tuple[float, int]] = deque(maxlen=16)
        self._offsets: deque[float] = deque(maxlen=30)

    # ------------------------------------------------------------------ recording

    def on_message(self, now: float) -> None:
        self.messages += 1
        self.last_message = now

    def on_book(self, symbol: str, now: float) -> None:
        self._symbol_seen[symbol] = now

    def forget(self, symbol: str) -> None:
        self._symbol_seen.pop(symbol, None)

    def on_venue_time(self, venue_ts: float, wall_now: float) -> None:
        """One sample of (local receive time − venue timestamp), both in Unix seconds."""
        self._offsets.append((wall_now - venue_ts) * 1000.0)

    def tick(self, now: float) -> None:
        """Sample the message counter for the rate (call about once a second)."""
        self._rate_window.append((now, self.messages))

    # ------------------------------------------------------------------ reading

    def silent_for(self, now: float) -> float | None:
        return None if self.last_message is None else now - self.last_message

    def connection_stale(self, now: float) -> bool:
        silent = self.silent_for(now)
        return silent is not None and silent > self.stale_after

    def symbol_stale(self, symbol: str, now: float) -> bool:
        """Stale if the connection went silent, or this book stopped changing for too long."""
        if self.connection_stale(now):
            return True
        seen = self._symbol_seen.get(symbol)
        return seen is not None and now - seen > self.symbol_stale_after

    def messages_per_s(self) -> float:
        if len(self._rate_window) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._rate_window[0], self._rate_window[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def clock_offset_ms(self) -> float | None:
        """Smallest recent (local − venue) difference: clock offset plus the fastest latency."""
        return min(self._offsets) if self._offsets else None

    def snapshot(
        self,
        totals: BookStats,
        symbols: Iterable[str],
        now: float,
        resyncing: Iterable[str] = (),
    ) -> FeedHealth:
        stale = tuple(sorted(s for s in symbols if self.symbol_stale(s, now)))
        waiting = tuple(sorted(resyncing))
        state = self.state
        if state is FeedState.LIVE and self.connection_stale(now):
            state = FeedState.STALE
        elif state is FeedState.LIVE and waiting:
            state = FeedState.RESYNCING
        last_wall = None
        if self.last_message is not None:
            last_wall = datetime.fromtimestamp(
                datetime.now(UTC).timestamp() - (now - self.last_message), UTC
            )
        return FeedHealth(
            venue=self.venue,
            state=state,
            last_message_ts=last_wall,
            messages_per_s=round(self.messages_per_s(), 2),
            checksum_failures=totals.checksum_failures,
            gaps=totals.gaps,
            resyncs=totals.resyncs,
            reconnects=self.reconnects,
            clock_offset_ms=self.clock_offset_ms(),
            stale_symbols=stale,
            resyncing_symbols=waiting,
        )
