"""Portfolio logic: taxonomy, locations, CoinTracking import, pricing and valuation.

Everything here is pure (no sockets, no SQLite): functions over :mod:`core.models` values,
tested with the real recorded data. The store and the CLI call into it from the edges.
"""
