"""The simulated world: one price process, the books of every simulated venue, and trades.

The world advances in fixed steps of ``1 / tick_hz`` real seconds (``time_scale`` times that in
market time), so a seed and a step count determine every price, level and print. Venues read
from it; :meth:`SimWorld.catch_up` runs the steps that wall-clock time says are due, whichever
venue's stream asks first.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from core.config import SimConfig
from core.models import Instrument, Side, Trade, utcnow
from core.sim import intraday
from core.sim.book import SimBook
from core.sim.prices import REGIME_SPREAD, REGIME_VOL, PriceProcess, Regime
from core.sim.universe import UNIVERSE, USDT, SimAsset, SimVenueSpec, spec_for

SECONDS_PER_DAY = 86_400.0
INTRADAY_DAYS = 18
"""Days of generated intraday history before the session (400 hourly candles fit)."""
MAX_CATCH_UP_STEPS = 20
"""A stalled loop does not replay minutes of market at once; it skips ahead."""


def build_assets(count: int) -> tuple[SimAsset, ...]:
    """The first ``count`` assets of the universe, padded with synthetic 'Others' if needed."""
    assets = list(UNIVERSE[:count])
    for i in range(len(assets), count):
        assets.append(
            SimAsset(
                f"SIM{i:02d}",
                "Others",
                1.0 + i,
                0.06,
                1.1,
                "other",
                Decimal("0.001"),
                Decimal("0.01"),
            )
        )
    return (*assets, USDT)


@dataclass(slots=True)
class SimMarket:
    """One listed market on one venue."""

    instrument: Instrument
    base_index: int
    quote_index: int | None
    """Index of the quote asset when it is not USD (its USD price divides)."""
    book: SimBook
    trade_rate: float
    """Mean public trades per real second."""
    size_usd: float


@dataclass(slots=True)
class _VenueState:
    spec: SimVenueSpec
    markets: dict[str, SimMarket] = field(default_factory=dict)
    trades: deque[Trade] = field(default_factory=lambda: deque(maxlen=10_000))
    changed: set[str] = field(default_factory=set)


class SimWorld:
    """Everything the simulated venues share."""

    def __init__(self, config: SimConfig, venue_names: list[str]) -> None:
        self.config = config
        self.assets = build_assets(config.assets)
        self.index = {a.symbol: i for i, a in enumerate(self.assets)}
        rng = np.random.Generator(np.random.PCG64(config.seed))
        self.process = PriceProcess(
            self.assets,
            rng,
            volatility_scale=config.volatility_scale,
            jump_rate_per_day=config.jump_rate_per_day,
        )
        self.book_rng = random.Random(config.seed * 7919 + 1)
        today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        self.history_dates = tuple(
            today - timedelta(days=config.history_days - i) for i in range(config.history_days)
        )
        history = self.process.history(config.history_days)
        # Anchor the path so the session opens at the universe's reference prices: returns
        # (all that risk figures use) are scale-free, and the demo stays recognisable.
        anchor = np.array([a.price for a in self.assets]) / history[-1]
        self.history = history * anchor
        self.process.prices = self.history[-1].copy()
        """Daily USD closes, one row per date in ``history_dates``, one column per asset."""
        self.open_prices = self.process.prices.copy()
        """Prices at the start of the live session (for 24 h change)."""
        self.dt_real = 1.0 / config.tick_hz
        self.dt_days = self.dt_real * config.time_scale / SECONDS_PER_DAY
        self.steps = 0
        self.regime = self.process.regime
        self.regime_log: deque[tuple[datetime, Regime, Regime]] = deque(maxlen=100)
        self._started = time.monotonic()
        self.started_at = utcnow()
        """Wall-clock start of the live path: the generated intraday history ends here."""
        self._paths: dict[int, intraday.Path] = {}
        self._trade_seq = 0
        self.venues: dict[str, _VenueState] = {}
        for i, name in enumerate(venue_names):
            self._add_venue(spec_for(name, i))
        self._evolve_books()

    # ------------------------------------------------------------------ setup

    def _add_venue(self, spec: SimVenueSpec) -> None:
        state = _VenueState(spec)
        quote_index = self.index.get(spec.quote)
        for i, asset in enumerate(self.assets):
            if asset.symbol == spec.quote:
                continue
            if asset.stable and asset.symbol not in spec.stable_markets:
                continue
            symbol = f"{asset.symbol}/{spec.quote}"
            weight = 1.0 if asset.symbol == "BTC" else 0.6 if asset.symbol == "ETH" else 0.15
            size_usd = spec.depth_usd * weight
            instrument = Instrument(
                venue=spec.name,
                symbol=symbol,
                base=asset.symbol,
                quote=spec.quote,
                price_tick=asset.price_tick,
                qty_step=asset.qty_step,
                min_qty=asset.qty_step,
                min_notional=Decimal(5),
                maker_fee=spec.maker_fee,
                taker_fee=spec.taker_fee,
                venue_symbol=f"{asset.symbol}{spec.quote}",
            )
            book = SimBook(spec.name, symbol, asset.price_tick, self.config.book_levels)
            rate = 3.0 if asset.symbol == "BTC" else 1.5 if asset.symbol == "ETH" else 0.4
            state.markets[symbol] = SimMarket(
                instrument,
                i,
                quote_index if spec.quote != "USD" else None,
                book,
                rate,
                size_usd,
            )
        self.venues[spec.name] = state

    # ------------------------------------------------------------------ queries

    def usd_price(self, asset: str) -> float | None:
        """The fair USD price of an asset (USD itself is 1)."""
        if asset == "USD":
            return 1.0
        i = self.index.get(asset)
        return None if i is None else float(self.process.prices[i])

    def markets(self, venue: str) -> dict[str, SimMarket]:
        return self.venues[venue].markets

    def fair_price(self, market: SimMarket, basis_bps: float) -> float:
        price = float(self.process.prices[market.base_index])
        if market.quote_index is not None:
            price /= float(self.process.prices[market.quote_index])
        return price * (1.0 + basis_bps / 10_000.0)

    def drain(self, venue: str) -> tuple[set[str], list[Trade]]:
        """Markets changed and trades printed on ``venue`` since the last drain."""
        state = self.venues[venue]
        changed, state.changed = state.changed, set()
        trades = list(state.trades)
        state.trades.clear()
        return changed, trades

    # ------------------------------------------------------------------ stepping

    def due_steps(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        return int((now - self._started) / self.dt_real) - self.steps

    def seconds_to_next_step(self, now: float | None = None) -> float:
        """How long until the next step is due (0 if one is due already)."""
        now = time.monotonic() if now is None else now
        next_at = self._started + (self.steps + 1) * self.dt_real
        return min(max(0.0, next_at - now), self.dt_real)

    def catch_up(self, now: float | None = None) -> int:
        """Run the steps wall-clock time says are due; returns how many ran."""
        due = self.due_steps(now)
        if due > MAX_CATCH_UP_STEPS:
            self.steps += due - MAX_CATCH_UP_STEPS
            due = MAX_CATCH_UP_STEPS
        for _ in range(max(0, due)):
            self.step()
        return max(0, due)

    def step(self) -> None:
        """One deterministic step of prices, books and trades."""
        previous = self.regime
        result = self.process.step(self.dt_days)
        self.regime = result.regime
        if result.regime != previous:
            self.regime_log.append((utcnow(), previous, result.regime))
        self.steps += 1
        self._evolve_books()
        self._print_trades()

    def _evolve_books(self) -> None:
        rng = self.book_rng
        spread_mult = REGIME_SPREAD[self.regime]
        depth_mult = 1.0 / REGIME_VOL[self.regime]
        for state in self.venues.values():
            spec = state.spec
            for symbol, market in state.markets.items():
                fair = self.fair_price(market, spec.basis_bps)
                asset = self.assets[market.base_index]
                illiquid = 1.0 + 2.0 * (market.size_usd < spec.depth_usd * 0.5)
                half_spread = spec.spread_bps * spread_mult * illiquid / 10_000.0
                if asset.stable:
                    half_spread = 0.5 / 10_000.0
                level_qty = market.size_usd * depth_mult / max(fair, 1e-12) / 4
                market.book.evolve(rng, fair, half_spread, level_qty)
                state.changed.add(symbol)

    def _print_trades(self) -> None:
        rng = self.book_rng
        now = utcnow()
        for name, state in self.venues.items():
            for symbol, market in state.markets.items():
                expected = market.trade_rate * self.dt_real * REGIME_VOL[self.regime]
                # Poisson by inversion: rates per step are small, so this loop is short.
                count = 0
                p = rng.random()
                threshold = pow(2.718281828459045, -expected)
                while p > threshold:
                    count += 1
                    p *= rng.random()
                for _ in range(count):
                    self._print_one(name, state, symbol, market, rng, now)

    def _print_one(
        self,
        venue: str,
        state: _VenueState,
        symbol: str,
        market: SimMarket,
        rng: random.Random,
        now: datetime,
    ) -> None:
        book = market.book
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        touch = book.best_ask() if side is Side.BUY else book.best_bid()
        if touch is None:
            return
        price = float(book.to_decimal(touch))
        notional = market.size_usd * 0.02 * rng.lognormvariate(0.0, 1.2)
        usd = self.usd_price(market.instrument.quote) or 1.0
        qty = notional / usd / max(price, 1e-12)
        taken = book.take(side, qty)
        if not taken:
            return
        step = market.instrument.qty_step
        for ticks, used in taken:
            q = Decimal(f"{used:.12f}").quantize(step)
            if q <= 0:
                continue
            self._trade_seq += 1
            state.trades.append(
                Trade(
                    venue=venue,
                    symbol=symbol,
                    price=book.to_decimal(ticks),
                    qty=q,
                    side=side,
                    ts=now,
                    trade_id=str(self._trade_seq),
                )
            )
        state.changed.add(symbol)

    # ------------------------------------------------------------------ history

    def daily_closes(self) -> dict[str, list[tuple[datetime, float]]]:
        """The generated history as per-asset (UTC midnight, close) series."""
        out: dict[str, list[tuple[datetime, float]]] = {}
        for j, asset in enumerate(self.assets):
            out[asset.symbol] = [
                (d.astimezone(UTC), float(self.history[i, j]))
                for i, d in enumerate(self.history_dates)
            ]
        return out

    def ohlcv(
        self, market: SimMarket, basis_bps: float, seconds: int, since_ms: int, limit: int
    ) -> list[list[Any]]:
        """``seconds`` candles of ``market`` from ``since_ms`` up to the session's start, as
        ccxt rows, cut from the generated intraday path (:mod:`core.sim.intraday`)."""
        path = self._intraday(market.base_index)
        scale = 1.0 + basis_bps / 10_000.0
        if market.quote_index is not None:
            scale /= float(self.open_prices[market.quote_index])
        tick = market.instrument.price_tick
        step = market.instrument.qty_step

        def price(value: float) -> Decimal:
            return Decimal(repr(value * scale)).quantize(tick)

        until = int(self.started_at.timestamp())
        return [
            [t * 1000, price(o), price(h), price(lo), price(c), Decimal(repr(v)).quantize(step)]
            for t, o, h, lo, c, v in intraday.bars(path, seconds, since_ms // 1000, until)[:limit]
        ]

    def _intraday(self, index: int) -> intraday.Path:
        """The generated path of asset ``index`` (made once): bridges through its last daily
        closes (each at the end of its day) to the session's opening price at its start."""
        path = self._paths.get(index)
        if path is not None:
            return path
        asset = self.assets[index]
        days = min(INTRADAY_DAYS, len(self.history_dates))
        anchors = [
            (int(d.timestamp()) + 86_400, float(self.history[i, index]))
            for i, d in enumerate(self.history_dates)
        ][-days:]
        start = int(self.started_at.timestamp()) // intraday.STEP_S * intraday.STEP_S
        if start > anchors[-1][0]:
            anchors.append((start, float(self.open_prices[index])))
        # The live path's own volatility per wall-clock second (time runs ``time_scale`` fast).
        vol = asset.daily_vol * self.config.volatility_scale
        vol_per_s = vol * (self.config.time_scale / SECONDS_PER_DAY) ** 0.5
        rate = sum(
            m.trade_rate * m.size_usd * 0.02 * 2.05  # prints/s x mean print (lognormal(0, 1.2))
            for state in self.venues.values()
            for m in state.markets.values()
            if m.base_index == index
        ) / max(1, len(self.venues))
        rng = np.random.Generator(np.random.PCG64([self.config.seed, index, 1]))
        path = intraday.bridge(anchors, vol_per_s, rate, rng)
        self._paths[index] = path
        return path
