"""Retry policy and per-venue rate limiting for exchange calls.

Only errors :func:`core.errors.is_retryable` accepts are retried (network trouble, 5xx, 429);
rejections surface at once. Delays are capped exponential backoff with full jitter, so many
clients recovering together do not retry in lock-step; a 429 waits at least as long as the
venue's ``Retry-After`` asked. The clock and sleep are injectable so tests run without waiting.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from core.errors import NetworkError, RateLimitError, is_retryable

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a retryable call is repeated."""

    attempts: int = 4
    """Total tries, the first included."""
    base_s: float = 0.25
    cap_s: float = 5.0
    rate_limit_floor_s: float = 1.0
    """A 429 waits at least this long: the venue asked us to slow down."""
    retry_after_cap_s: float = 10.0
    """A venue's ``Retry-After`` is honoured up to this long: a ban of minutes must not hold an
    order (or the plan behind it) that long; the retries then run out and the order's fate is
    settled by reconciliation like any network failure."""

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


class VenueCalls:
    """Every call the order manager makes to a venue: paced, timed out, counted, retried.

    One token bucket per venue paces the calls; each call is cut off after ``timeout_s``;
    ``on_error`` hears of every retryable failure (the circuit breakers count them).
    """

    def __init__(
        self,
        venue_names: Iterable[str],
        *,
        policy: RetryPolicy,
        rate_per_s: float,
        timeout_s: float,
        rng: random.Random,
        sleep: Sleep,
        clock: Clock,
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.policy = policy
        self.timeout_s = timeout_s
        self.on_error = on_error
        self.count = 0
        """Calls made so far (each try counts)."""
        self._rng = rng
        self._sleep = sleep
        self._limiters = {
            name: RateLimiter(rate_per_s, clock=clock, sleep=sleep) for name in venue_names
        }

    def delays(self) -> Iterator[float]:
        """The waits before each retry of one call (see :meth:`RetryPolicy.delays`)."""
        return self.policy.delays(self._rng)

    async def once(self, venue_name: str, call: Callable[[], Awaitable[T]]) -> T:
        """One try: wait for the venue's token, then run ``call`` within the timeout."""
        await self._limiters[venue_name].acquire()
        self.count += 1
        async with asyncio.timeout(
            self.timeout_s
        ):  # never swallows a cancel (wait_for does on 3.11)
            return await call()

    async def back_off(self, delay: float, exc: BaseException) -> None:
        """Wait ``delay`` before a retry; a 429 waits at least the policy's floor and at
        least the ``Retry-After`` the venue sent with it (up to ``retry_after_cap_s``)."""
        if isinstance(exc, RateLimitError):
            asked = min(exc.retry_after or 0.0, self.policy.retry_after_cap_s)
            delay = max(delay, self.policy.rate_limit_floor_s, asked)
        await self._sleep(delay)

    async def retrying(self, venue_name: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run a venue call, retrying only retryable errors with jittered backoff."""
        delays = self.delays()
        while True:
            try:
                return await self.once(venue_name, call)
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                self.on_error(exc)
                delay = next(delays, None)
                if delay is None:
                    raise NetworkError(f"{venue_name}: gave up after retries: {exc}") from exc
                await self.back_off(delay, exc)
