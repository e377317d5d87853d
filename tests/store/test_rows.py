"""Row conversion for the store's batched writes: exact timestamps and decimal text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from core.models import Side, Trade
from core.store import Store
from core.store.db import TRADE_INSERT, from_ns, to_ns, trade_row

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reference_ns(ts: datetime) -> int:
    delta = ts - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


@given(
    st.datetimes(
        # hypothesis takes naive bounds and attaches the zones itself
        min_value=datetime(1900, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_to_ns_is_exact_to_the_microsecond(ts: datetime) -> None:
    assert to_ns(ts) == reference_ns(ts)
    assert to_ns(ts) % 1_000 == 0


def test_trade_row_keeps_exact_decimals_and_time() -> None:
    ts = datetime(2025, 3, 14, 12, 30, 5, 123456, tzinfo=UTC)
    trade = Trade(
        venue="sim-a",
        symbol="BTC/USDT",
        price=Decimal("60000.10"),
        qty=Decimal("0.00012"),
        side=Side.SELL,
        ts=ts,
        trade_id="42",
    )
    row = trade_row(trade)
    assert row == (reference_ns(ts), "sim-a", "BTC/USDT", "60000.10", "0.00012", "sell", "42")
    assert from_ns(row[0]) == ts


async def test_record_trades_are_converted_when_written(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db", flush_ms=10_000, batch_rows=1_000_000)
    try:
        start = datetime(2025, 1, 1, tzinfo=UTC)
        trades = [
            Trade(
                venue="sim-b",
                symbol="ETH/USDT",
                price=Decimal("3000.25") + i,
                qty=Decimal("0.5"),
                side=Side.BUY if i % 2 else Side.SELL,
                ts=start + timedelta(milliseconds=i),
                trade_id=str(i),
            )
            for i in range(1_000)
        ]
        store.record_trades(trades[:400])
        store.add_many(TRADE_INSERT, [trade_row(t) for t in trades[400:]])
        await store.flush()
        rows = await store.fetch_all(
            "SELECT ts_ns, venue, symbol, price, qty, side, trade_id FROM trades ORDER BY ts_ns"
        )
        assert rows == [trade_row(t) for t in trades]
        assert store.rows_written == 1_000
    finally:
        await store.close()
