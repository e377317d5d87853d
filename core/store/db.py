"""The store: the cockpit's tables as typed records and reads (orders, fills, trades,
balances, events, sessions, daily closes).

:class:`Store` builds on :class:`~core.store.connection.Database` (the connection, its
migrations, batched and durable writes); other tables have their repositories beside it
(:mod:`core.store.plans`, :mod:`core.store.portfolio`, :mod:`core.store.markets`...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.models import Balance, Fill, LogEvent, Order, Trade
from core.store.connection import Database

TRADE_INSERT = (
    "INSERT INTO trades (ts_ns, venue, symbol, price, qty, side, trade_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
BALANCE_INSERT = (
    "INSERT INTO balances (ts_ns, location_id, asset, total, free, source)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
EVENT_INSERT = (
    "INSERT INTO events (ts_ns, session_id, kind, level, venue, symbol, client_order_id, message,"
    " payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
ORDER_UPSERT = (
    "INSERT INTO orders (client_order_id, venue, symbol, side, type, status, created_ns,"
    " updated_ns, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (client_order_id) DO UPDATE SET status = excluded.status,"
    " updated_ns = excluded.updated_ns, payload = excluded.payload"
)
FILL_INSERT = (
    "INSERT OR IGNORE INTO fills (venue, trade_id, client_order_id, symbol, ts_ns, payload)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
CLOSE_UPSERT = "INSERT OR REPLACE INTO daily_closes (source, asset, day, close) VALUES (?, ?, ?, ?)"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_ns(ts: datetime) -> int:
    """Aware datetime to integer nanoseconds since the epoch (exact to the microsecond)."""
    # timedelta // timedelta is exact integer arithmetic, and half the cost of assembling
    # days/seconds/microseconds by hand: this runs once per stored row.
    return (ts - EPOCH) // _MICROSECOND * 1_000


def from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


def trade_row(t: Trade) -> tuple[int, str, str, str, str, str, str | None]:
    """The ``TRADE_INSERT`` parameters of a trade (prices and sizes as exact decimal text)."""
    # to_ns inlined: this runs once per public trade, the store's hottest path.
    ns = (t.ts - EPOCH) // _MICROSECOND * 1_000
    return (ns, t.venue, t.symbol, str(t.price), str(t.qty), t.side.value, t.trade_id)


class Store(Database):
    """The cockpit's SQLite database: typed records and reads of its tables over
    :class:`~core.store.connection.Database` (open with :meth:`open`; always :meth:`close`)."""

    # ------------------------------------------------------------------ typed writes

    def record_trades(self, trades: Iterable[Trade]) -> None:
        self._add_models(TRADE_INSERT, trades, trade_row)

    def record_balances(self, balances: Iterable[Balance]) -> None:
        self.add_many(
            BALANCE_INSERT,
            (
                (to_ns(b.ts), b.location_id, b.asset, str(b.total), str(b.free), b.source)
                for b in balances
            ),
        )

    def record_event(self, event: LogEvent) -> None:
        self.add(EVENT_INSERT, self._event_row(event))

    def _event_row(self, e: LogEvent) -> tuple[Any, ...]:
        return (
            to_ns(e.ts),
            self.session_id,
            e.kind.value,
            e.level.value,
            e.venue,
            e.symbol,
            e.client_order_id,
            e.message,
            e.model_dump_json(),
        )

    async def record_order(self, order: Order, *, durable: bool = True) -> None:
        """Durably record an order's state (before it is sent, and on every change).

        ``durable=False`` only queues the row, for a caller that commits it together with
        other rows by calling :meth:`flush` itself (one commit instead of several).
        """
        write = self.add_durable if durable else self._add_async
        await write(
            ORDER_UPSERT,
            (
                order.client_order_id,
                order.venue,
                order.symbol,
                order.side.value,
                order.type.value,
                order.status.value,
                to_ns(order.created_ts),
                to_ns(order.updated_ts),
                order.model_dump_json(),
            ),
        )

    async def record_fill(self, fill: Fill) -> None:
        await self.add_durable(
            FILL_INSERT,
            (
                fill.venue,
                fill.trade_id,
                fill.client_order_id,
                fill.symbol,
                to_ns(fill.ts),
                fill.model_dump_json(),
            ),
        )

    async def save_daily_closes(
        self, source: str, series: dict[str, list[tuple[datetime, float]]]
    ) -> None:
        rows = [
            (source, asset, ts.date().isoformat(), close)
            for asset, points in series.items()
            for ts, close in points
        ]
        self.add_many(CLOSE_UPSERT, rows)
        await self.flush()

    # ------------------------------------------------------------------ sessions

    async def begin_session(self, mode: str, venues: Sequence[str], version: str) -> int:
        self._check_writable()
        await self.flush()
        now = to_ns(datetime.now(UTC))
        cur = await self._conn.execute(
            "INSERT INTO sessions (started_ns, mode, venues, version) VALUES (?, ?, ?, ?)",
            (now, mode, json.dumps(list(venues)), version),
        )
        self.session_id = cur.lastrowid
        await cur.close()
        return int(self.session_id or 0)

    async def end_session(self) -> None:
        if self.session_id is None:
            return
        await self.flush()
        now = to_ns(datetime.now(UTC))
        await self._conn.execute(
            "UPDATE sessions SET ended_ns = ?, clean_exit = 1 WHERE id = ?",
            (now, self.session_id),
        )

    # ------------------------------------------------------------------ reads

    async def daily_closes(
        self, source: str, assets: Sequence[str] | None = None, since: date | None = None
    ) -> dict[str, list[tuple[date, float]]]:
        """Daily closes per asset, oldest first."""
        sql = "SELECT asset, day, close FROM daily_closes WHERE source = ?"
        params: list[Any] = [source]
        if since is not None:
            sql += " AND day >= ?"
            params.append(since.isoformat())
        sql += " ORDER BY asset, day"
        wanted = set(assets) if assets is not None else None
        out: dict[str, list[tuple[date, float]]] = {}
        for asset, day, close in await self.fetch_all(sql, params):
            if wanted is None or asset in wanted:
                out.setdefault(asset, []).append((date.fromisoformat(day), float(close)))
        return out

    async def recent_events(self, limit: int) -> list[LogEvent]:
        rows = await self.fetch_all("SELECT payload FROM events ORDER BY id DESC LIMIT ?", (limit,))
        return [LogEvent.model_validate_json(r[0]) for r in reversed(rows)]

    async def orders(self, *, include_final: bool = False) -> list[Order]:
        """Stored orders, oldest first; only those still working unless ``include_final``."""
        if not include_final:
            return await self.open_orders()
        rows = await self.fetch_all("SELECT payload FROM orders ORDER BY created_ns")
        return [Order.model_validate_json(r[0]) for r in rows]

    async def open_orders(self) -> list[Order]:
        """Every order not in a final state (for reconciliation after a restart)."""
        rows = await self.fetch_all(
            "SELECT payload FROM orders WHERE status NOT IN "
            "('filled', 'cancelled', 'rejected', 'expired') ORDER BY created_ns"
        )
        return [Order.model_validate_json(r[0]) for r in rows]
