"""A loopback exchange emulator: real WebSocket (and HTTP) servers on 127.0.0.1 that replay
recorded captures at the recorded or an accelerated pace and inject faults on demand.

Tests point the real stream clients at it; ``cockpit feed emulate`` runs it for manual checks.
"""

from core.feeds.emulator.base import Emulator
from core.feeds.emulator.binance import BinanceEmulator
from core.feeds.emulator.kraken import KrakenEmulator
from core.feeds.emulator.scripts import (
    BinanceScript,
    KrakenScript,
    binance_from_cryptofeed,
    kraken_from_v1,
    kraken_from_v2,
)

__all__ = [
    "BinanceEmulator",
    "BinanceScript",
    "Emulator",
    "KrakenEmulator",
    "KrakenScript",
    "binance_from_cryptofeed",
    "kraken_from_v1",
    "kraken_from_v2",
]
