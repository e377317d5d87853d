"""A simulated L2 book that evolves like a real one.

Prices are integer ticks. Each step the book re-centres on the fair price: levels that would
cross the new touch are taken out, a few levels are cancelled, resized or added at random
distances, and the side is kept to roughly the configured number of levels. Spreads and depth
follow the regime (wide and thin in stress). Trades consume resting quantity from the touch.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from core.models import BookIntegrity, BookLevel, BookSnapshot, Side, utcnow


@dataclass(slots=True)
class SimBook:
    venue: str
    symbol: str
    tick: Decimal
    levels: int
    bids: dict[int, float] = field(default_factory=dict)
    asks: dict[int, float] = field(default_factory=dict)
    version: int = 0

    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    def evolve(self, rng: random.Random, fair: float, half_spread: float, level_qty: float) -> None:
        """Move the book to a new fair price: ``half_spread`` is a fraction of price."""
        tick = float(self.tick)
        fair_ticks = fair / tick
        bid_top = math.floor(fair_ticks * (1.0 - half_spread))
        ask_top = max(math.ceil(fair_ticks * (1.0 + half_spread)), bid_top + 1)
        if bid_top < 1:
            bid_top = 1
            ask_top = max(ask_top, 2)
        gap = max(1, round(fair_ticks * 0.0004))
        self._reshape(self.bids, rng, bid_top, -1, gap, level_qty)
        self._reshape(self.asks, rng, ask_top, +1, gap, level_qty)
        self.version += 1

    def _reshape(
        self,
        side: dict[int, float],
        rng: random.Random,
        top: int,
        direction: int,
        gap: int,
        level_qty: float,
    ) -> None:
        # Levels through the new touch were taken out by the move.
        for price in [p for p in side if (p - top) * direction < 0]:
            del side[price]
        if top not in side or rng.random() < 0.3:
            side[top] = level_qty * rng.lognormvariate(-0.3, 0.6)
        # Cancellations and resizes.
        for price in list(side):
            u = rng.random()
            if u < 0.04 and price != top:
                del side[price]
            elif u < 0.25:
                side[price] *= rng.lognormvariate(0.0, 0.35)
        # New levels at random distances from the touch, denser near it.
        target = self.levels
        attempts = target * 4  # thin, low-priced books may have fewer free ticks than levels
        while len(side) < target and attempts > 0:
            attempts -= 1
            distance = int(rng.expovariate(1.0 / (gap * target * 0.45))) + 1
            price = top + direction * distance
            if price > 0 and price not in side:
                side[price] = level_qty * rng.lognormvariate(0.0, 0.7) * (1 + distance / (gap * 8))
        # Too many levels: drop the farthest.
        if len(side) > target + 5:
            for price in sorted(side, key=lambda p: (p - top) * direction)[target:]:
                del side[price]

    def take(self, side: Side, qty: float) -> list[tuple[int, float]]:
        """A taker of ``side`` consumes liquidity; returns (price tick, qty) per level touched."""
        book = self.asks if side is Side.BUY else self.bids
        prices = sorted(book) if side is Side.BUY else sorted(book, reverse=True)
        taken: list[tuple[int, float]] = []
        remaining = qty
        for price in prices:
            if remaining <= 0:
                break
            available = book[price]
            used = min(available, remaining)
            taken.append((price, used))
            remaining -= used
            if used >= available * 0.999999:
                del book[price]
            else:
                book[price] = available - used
        if taken:
            self.version += 1
        return taken

    def to_decimal(self, ticks: int) -> Decimal:
        return Decimal(ticks) * self.tick

    @staticmethod
    def step_qty(qty: float, step: Decimal) -> Decimal:
        """A resting float quantity as a whole number of steps, rounded down: what can trade."""
        return (Decimal(f"{qty:.12f}") / step).to_integral_value(rounding=ROUND_FLOOR) * step

    def snapshot(self, depth: int, qty_step: Decimal) -> BookSnapshot:
        """An immutable picture of the best ``depth`` levels per side."""
        bids = sorted(self.bids.items(), reverse=True)[:depth]
        asks = sorted(self.asks.items())[:depth]

        def levels(rows: list[tuple[int, float]]) -> tuple[BookLevel, ...]:
            return tuple(
                BookLevel(price=self.to_decimal(p), qty=self.step_qty(q, qty_step)) for p, q in rows
            )

        return BookSnapshot(
            venue=self.venue,
            symbol=self.symbol,
            bids=levels(bids),
            asks=levels(asks),
            ts=utcnow(),
            integrity=BookIntegrity.VERIFIED,
            sequence=self.version,
        )
