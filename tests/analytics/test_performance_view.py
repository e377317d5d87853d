"""The analytics screen's answer, computed from a database by the core's function, crosses the
daemon's wire and comes back as the same model."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from core.config import Settings
from core.daemon.protocol import decode, parse_result, result_message
from core.pnl.performance import BACKCAST, PerformanceView, load_performance
from core.store import Store
from core.views import CommandResult
from tests.analytics.test_pnl import TWR, db

__all__ = ["db"]  # the hand-built history of the P&L tests


def _view(path: Path) -> PerformanceView:
    async def load() -> PerformanceView:
        store = await Store.open_readonly(path)
        try:
            settings = Settings.model_validate({"store": {"path": str(path)}})
            return await load_performance(store, settings, datetime(2024, 3, 5, tzinfo=UTC))
        finally:
            await store.close()

    return asyncio.run(load())


def test_the_view_holds_the_history_and_crosses_the_wire(db: Path) -> None:
    view = _view(db)
    assert view.pnl is not None and abs(view.pnl.twr - TWR) < 1e-12  # type: ignore[operator]
    # Four recorded days are too few for the curve: today's holdings over the closes instead.
    assert view.equity_source == BACKCAST
    assert any(n.startswith("equity: 4 recorded day(s)") for n in view.notes)
    # BTC 0.005 and 1148.5 USD today, carried back: 0.005 * close + 1148.5 each day.
    assert [round(s.value_usd, 6) for s in view.equity] == [1398.5, 1448.5, 1423.5, 1498.5]
    sent = CommandResult(ok=True, message="4 days", data=view)
    back = parse_result(decode(result_message(7, sent)))
    assert back == sent and isinstance(back.data, PerformanceView)
