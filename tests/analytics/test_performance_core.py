"""The core answers ``PerformanceReport`` from its own store: a paper fill on the simulator shows
in the P&L with the same average cost as the holdings pane's cost basis."""

from __future__ import annotations

from pathlib import Path

from core.bootstrap import build_core
from core.pnl.performance import PerformanceView
from core.store.portfolio import recorded_fills
from core.views import PerformanceReport, PlaceOrder
from tests.execution.test_core_execution import btc_request, settings, until
from tests.execution.test_core_pnl import _row


async def test_a_paper_fill_shows_in_the_performance_report(tmp_path: Path) -> None:
    core = build_core(settings(tmp_path / "perf.db"))
    await core.start()
    try:
        assert (await core.execute(PlaceOrder(request=btc_request(core, "perf-1")))).ok
        await until(lambda: (r := _row(core, "BTC", "sim-a:spot")) and r.cost_basis, "basis")
        fills = await recorded_fills(core.store)  # type: ignore[arg-type]
        assert [f.client_order_id for f in fills] == ["perf-1"]
        result = await core.execute(PerformanceReport())
        assert result.ok, result.message
        view = result.data
        assert isinstance(view, PerformanceView) and view.pnl is not None
        btc = next(a for a in view.pnl.assets if a.asset == "BTC")
        fill = fills[0]
        assert btc.fills == 1 and btc.realised_usd == 0.0
        # The fee was paid in USDT: in USD at USDT's price, as the holdings pane's basis is.
        row = _row(core, "BTC", "sim-a:spot")
        assert row is not None and row.cost_basis is not None
        usdt = row.cost_basis * fill.qty / (fill.qty * fill.price + fill.fee)
        assert abs(btc.fees_usd - float(fill.fee * usdt)) < 1e-9
        assert btc.avg_cost_usd is not None
        assert abs(btc.avg_cost_usd - float(row.cost_basis)) < 1e-6 * float(row.cost_basis)
        assert view.pnl.fees_usd == btc.fees_usd
        # The simulator's history gives the rest of the screen its figures.
        assert len(view.equity) > 30 and view.attribution is not None and view.backtests
    finally:
        await core.stop()
