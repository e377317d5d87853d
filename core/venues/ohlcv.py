"""Daily closes of held assets from a venue's public candles (ccxt ``fetch_ohlcv``, no keys).

The risk figures need a price history for every held asset, and a venue that lists the asset
has one for free: its public OHLC endpoint (Kraken ``/0/public/OHLC``, Binance
``/api/v3/klines``). :func:`backfill` picks one market per asset (quoted in USD, else in a USD
stablecoin: the returns are what risk measures), pages through the candles from ``since``, and
keeps only closed days (today's candle is still moving). The pure parts
(:func:`market_for`, :func:`closes_from_candles`) are tested on their own; the candle source is
a narrow protocol that :class:`core.venues.rest.CcxtRest` implements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from core.errors import ExchangeError

DAY_MS = 86_400_000
QUOTES = ("USD", "USDT", "USDC")
"""Quote currencies whose closes stand for USD closes, in order of preference."""
MAX_PAGES = 20
"""Requests per asset at most (20 x 720 days on Kraken, 20 x 1000 on Binance)."""


@runtime_checkable
class CandleSource(Protocol):
    """What a backfill needs from a venue: its listed spot markets and daily candles."""

    venue: str

    async def spot_symbols(self) -> set[str]:
        """Unified symbols of every listed spot market (``BTC/USD``)."""
        ...

    async def daily_candles(self, symbol: str, since_ms: int) -> list[list[Any]]:
        """ccxt OHLCV rows ``[open_ms, open, high, low, close, volume]`` from ``since_ms``."""
        ...


def market_for(asset: str, listed: Iterable[str]) -> str | None:
    """The market whose closes price ``asset``: ``ASSET/USD``, then USDT, then USDC."""
    markets = set(listed)
    return next((f"{asset}/{q}" for q in QUOTES if f"{asset}/{q}" in markets), None)


def closes_from_candles(rows: Iterable[Sequence[Any]], today: date) -> dict[date, float]:
    """Closes by UTC day from OHLCV rows; days from ``today`` on are left out (not closed)."""
    out: dict[date, float] = {}
    for row in rows:
        day = datetime.fromtimestamp(int(row[0]) / 1000, UTC).date()
        close = float(row[4])
        if day < today and close > 0:
            out[day] = close
    return out


@dataclass
class Backfill:
    """What one venue's backfill found: closes per asset, the market used, what failed."""

    venue: str
    series: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    markets: dict[str, str] = field(default_factory=dict)
    unlisted: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return max((len(points) for points in self.series.values()), default=0)


async def backfill(
    source: CandleSource, assets: Iterable[str], *, since: date, now: datetime
) -> Backfill:
    """Daily closes from ``since`` up to yesterday for every asset ``source`` lists.

    An asset the venue does not list is named in ``unlisted``; a venue error on one asset is
    kept in ``errors`` and the others go on (one delisted pair never stops the backfill).
    """
    result = Backfill(source.venue)
    listed = await source.spot_symbols()
    today = now.astimezone(UTC).date()
    for asset in sorted(set(assets)):
        symbol = market_for(asset, listed)
        if symbol is None:
            result.unlisted.append(asset)
            continue
        try:
            closes = await _pages(source, symbol, since, today)
        except ExchangeError as exc:
            result.errors[asset] = str(exc)
            continue
        if closes:
            result.markets[asset] = symbol
            result.series[asset] = [
                (datetime(d.year, d.month, d.day, tzinfo=UTC), c) for d, c in sorted(closes.items())
            ]
    return result


async def _pages(source: CandleSource, symbol: str, since: date, today: date) -> dict[date, float]:
    closes: dict[date, float] = {}
    cursor = int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp() * 1000)
    for _ in range(MAX_PAGES):
        rows = await source.daily_candles(symbol, cursor)
        newest = max((int(r[0]) for r in rows), default=None)
        closes.update(closes_from_candles(rows, today))
        if newest is None or newest < cursor:
            break
        cursor = newest + DAY_MS
        if datetime.fromtimestamp(cursor / 1000, UTC).date() >= today:
            break
    return closes


def since_for(now: datetime, days: int) -> date:
    """The first day of a ``days``-long history ending yesterday."""
    return now.astimezone(UTC).date() - timedelta(days=days)
