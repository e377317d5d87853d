"""Retry policy and per-venue rate limiting for exchange calls.

Only errors :func:`core.errors.is_retryable` accepts are retried (network trouble, 5xx, 429);
rejections surface at once. Delays are capped exponential backoff with full jitter, so many
clients recovering together do not retry in lock-step. The clock and sleep are injectable so
tests run without waiting.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a retryable call is repeated."""

    attempts: int = 4
    """Total tries, the first included."""
    base_s: float = 0.25
    cap_s: float = 5.0
    rate_limit_floor_s: float = 1.0
    """A 429 waits at least this long: the venue asked us to slow down."""

    def delays(self, rng: random.Random) -> Iterator[float]:
        """The wait before each retry: full jitter over a capped exponential."""
        for attempt in range(self.attempts - 1):
            yield rng.uniform(0.0, min(self.cap_s, self.base_s * 2**attempt))


@dataclass(slots=True)
class RateLimiter:
    """A token bucket: at most ``rate`` calls a second on average, bursts up to ``burst``."""

    rate: float
    burst: int = 5
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    _tokens: float = field(init=False)
    _last: float = field(init=False)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    waited_s: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._last = self.clock()

    async def acquire(self) -> None:
        """Wait until a call may be made, then take its token."""
        async with self._lock:
            while True:
                now = self.clock()
                self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
                self.waited_s += wait
                await self.sleep(wait)
