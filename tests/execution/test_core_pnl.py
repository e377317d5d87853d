"""Unrealised P&L in the core's holdings from paper fills placed through PlaceOrder (sim)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.bootstrap import build_core
from core.models import Fill
from core.service import Core
from core.store.portfolio import recorded_fills
from core.views import HoldingRow, PlaceOrder
from tests.execution.test_core_execution import btc_request, settings, until


def _row(core: Core, asset: str, location: str) -> HoldingRow | None:
    view = core.analytics.holdings
    if view is None:
        return None
    return next((r for r in view.rows if r.asset == asset and r.location_id == location), None)


def _usdt(core: Core) -> Decimal:
    row = _row(core, "USDT", "sim-a:spot")
    assert row is not None and row.price.value is not None
    return row.price.value


def _check(row: HoldingRow, fill: Fill, usdt: Decimal) -> None:
    # The sim account held BTC before the fill: the basis covers the bought 0.01 only.
    avg = (fill.qty * fill.price + fill.fee) * usdt / fill.qty
    assert fill.fee > 0 and fill.fee_asset == "USDT"
    assert row.pnl_qty == fill.qty and row.qty > fill.qty
    assert not row.pnl_complete
    assert row.cost_basis == avg
    assert row.price.value is not None
    assert row.unrealised_pnl == fill.qty * (row.price.value - avg)


async def test_paper_buy_gives_the_holding_a_cost_basis_and_pnl(tmp_path: Path) -> None:
    db = tmp_path / "pnl.db"
    core = build_core(settings(db))
    await core.start()
    try:
        row = _row(core, "BTC", "sim-a:spot")
        assert row is not None and row.cost_basis is None and row.unrealised_pnl is None
        assert (await core.execute(PlaceOrder(request=btc_request(core, "pnl-1")))).ok
        await until(lambda: (r := _row(core, "BTC", "sim-a:spot")) and r.cost_basis, "basis")
        await core.analytics.revalue()  # one valuation with a single USDT price read below
        fills = await recorded_fills(core.store)  # type: ignore[arg-type]
        assert [f.client_order_id for f in fills] == ["pnl-1"]
        row = _row(core, "BTC", "sim-a:spot")
        assert row is not None
        _check(row, fills[0], _usdt(core))
        # other locations and assets stay without a basis
        others = [r for r in core.analytics.holdings.rows if r is not row]  # type: ignore[union-attr]
        assert others and all(r.unrealised_pnl is None for r in others)
    finally:
        await core.stop()
    # A restart loads the basis from the stored fills.
    again = build_core(settings(db))
    await again.start()
    try:
        await again.analytics.revalue()
        row = _row(again, "BTC", "sim-a:spot")
        assert row is not None
        _check(row, fills[0], _usdt(again))
    finally:
        await again.stop()
