"""Market-data feeds: exact L2 books, sans-I/O frame handlers, recordings and stream clients.

Layers, pure first:

- :mod:`core.feeds.book` – the integer-tick book with Kraken's CRC32 checksum;
- :mod:`core.feeds.kraken_v2`, :mod:`core.feeds.kraken_v1`, :mod:`core.feeds.binance` – frame
  handlers that apply frames, check every update and mark a single symbol for resync;
- :mod:`core.feeds.capture`, :mod:`core.feeds.replay` – recordings and ``cockpit feed verify``;
- the stream clients and the loopback emulator, at the I/O edge.
"""
