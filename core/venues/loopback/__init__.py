"""Loopback REST venues for tests and demos: recorded public bodies, documented order endpoints,
an in-memory account and fault injection (see :mod:`core.venues.loopback.base`)."""

from core.venues.loopback.base import FAULTS, LoopbackVenue, LoopOrder
from core.venues.loopback.binance import BinanceLoopback
from core.venues.loopback.kraken import KrakenLoopback, asset_pairs_body

__all__ = [
    "FAULTS",
    "BinanceLoopback",
    "KrakenLoopback",
    "LoopOrder",
    "LoopbackVenue",
    "asset_pairs_body",
]
