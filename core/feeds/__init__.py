"""Market-data feeds: exact L2 books, sans-I/O frame handlers, recordings and stream clients.

Layers, pure first:

- :mod:`core.feeds.book`, :mod:`core.feeds.numbers` – the integer-tick book with Kraken's CRC32
  checksum, and exact conversions from venue number spellings;
- :mod:`core.feeds.kraken_v2`, :mod:`core.feeds.kraken_v1`, :mod:`core.feeds.binance` – frame
  handlers that apply frames, check every update and mark a single symbol for resync
  (:mod:`core.feeds.events` holds what they report);
- :mod:`core.feeds.capture`, :mod:`core.feeds.replay` – recordings and ``cockpit feed verify``;
- :mod:`core.feeds.encode` – venue frames built from a book (emulator answers, test healing);
- at the I/O edge: :mod:`core.feeds.stream` (shared client machinery, with
  :mod:`core.feeds.backoff` and :mod:`core.feeds.health`), :mod:`core.feeds.kraken_client` and
  :mod:`core.feeds.binance_client` (the :class:`~core.ports.MarketDataPort` implementations),
  :mod:`core.feeds.recorder` (``cockpit feed record``) and :mod:`core.feeds.emulator` (the
  loopback exchange used by the tests and ``cockpit feed emulate``).
"""
