"""The history store: SQLite in WAL mode through aiosqlite, with a batching writer."""

from core.store.db import Store

__all__ = ["Store"]
