"""Capped, jittered exponential backoff for reconnects and REST retries.

"Full jitter": each delay is drawn uniformly from ``[0, min(cap, base * factor**attempt)]``, so
many clients reconnecting after the same outage spread out instead of stampeding the venue
(Kraken allows about 150 connection attempts per 10 minutes per IP). :meth:`Backoff.reset`
after a success starts the next outage from ``base`` again.
"""

from __future__ import annotations

import random


class Backoff:
    """Delays for successive retries; call :meth:`reset` once a retry has succeeded."""

    def __init__(
        self,
        base: float = 0.5,
        cap: float = 30.0,
        factor: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        if base <= 0 or cap < base or factor < 1:
            raise ValueError("backoff needs 0 < base <= cap and factor >= 1")
        self.base = base
        self.cap = cap
        self.factor = factor
        self.attempt = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        """The upper bound of the next delay."""
        return min(self.cap, self.base * self.factor**self.attempt)

    def next_delay(self) -> float:
        """The next delay in seconds (jittered), and count the attempt."""
        delay = self._rng.uniform(0.0, self.ceiling())
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
