"""Live venues: Kraken and Binance behind the same :class:`~core.ports.Venue` port as the sim.

A live venue composes the existing WebSocket feed (market data: books, trades, health) with a
ccxt async REST adapter (instruments, balances, orders). Public market data needs no keys;
without keys balances and trading are unavailable and the venue says so instead of failing.
ccxt is imported lazily, never at import time of this package.
"""
