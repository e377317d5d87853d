"""Checking a live venue's REST side (``cockpit venue check``).

Loads the venue's markets and, with keys, its balances and fee tier, and answers with what
it found as a typed :class:`VenueCheck`: the quick way to see that keys and URLs are right
before starting the cockpit. The venue is closed afterwards whatever happened.
"""

from __future__ import annotations

from typing import Any

from core.models import Model
from core.venues.live import LiveVenue


class Increments(Model):
    """A market's increments and minimums, as exact decimal text."""

    tick: str
    step: str
    min_qty: str
    min_notional: str


class FeeTier(Model):
    symbol: str
    maker: str
    taker: str


class HeldBalance(Model):
    location: str
    asset: str
    total: str


class VenueCheck(Model):
    """What a live venue answered: its markets, the configured symbols' increments, the
    symbols it does not list, its fees on the first symbol, and (with keys) its balances."""

    venue: str
    keys: bool
    markets: int
    symbols: dict[str, Increments]
    unknown_symbols: list[str]
    fees: FeeTier | None = None
    balances: list[HeldBalance] | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON document of the check (``fees`` only when they were read)."""
        data = self.model_dump(mode="json")
        if self.fees is None:
            del data["fees"]
        return data


async def check_venue(venue: LiveVenue) -> VenueCheck:
    """Load ``venue``'s markets (and with keys its fees' and balances), then close it."""
    try:
        await venue.load_instruments()
        instruments = venue.all_instruments
        symbols = {
            s: Increments(
                tick=f"{i.price_tick:f}",
                step=f"{i.qty_step:f}",
                min_qty=f"{i.min_qty:f}",
                min_notional=f"{i.min_notional:f}",
            )
            for s in venue.symbols
            if (i := instruments.get(s)) is not None
        }
        fees = None
        if venue.symbols and venue.symbols[0] in instruments:
            maker, taker = await venue.fetch_fees(venue.symbols[0])
            fees = FeeTier(symbol=venue.symbols[0], maker=str(maker), taker=str(taker))
        balances = None
        if venue.rest.can_trade:
            balances = [
                HeldBalance(location=b.location_id, asset=b.asset, total=str(b.total))
                for b in await venue.fetch_balances()
            ]
        return VenueCheck(
            venue=venue.venue,
            keys=venue.rest.can_trade,
            markets=len(instruments),
            symbols=symbols,
            unknown_symbols=[s for s in venue.symbols if s not in instruments],
            fees=fees,
            balances=balances,
        )
    finally:
        await venue.close()
