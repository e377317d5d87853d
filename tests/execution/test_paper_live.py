"""Paper trading on a live venue kind: fills against the live (emulated Binance) book, and
nothing reaches the venue; the gate reads the live book's integrity."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from core.bootstrap import build_core
from core.config import Settings
from core.feeds.emulator import BinanceEmulator, binance_from_cryptofeed
from core.models import BookIntegrity, OrderRequest, OrderStatus, OrderType, Side
from core.views import PlaceOrder


async def test_paper_fills_on_the_live_binance_book_and_never_reaches_the_venue(
    tmp_path: Path, shared_data: Path
) -> None:
    data = shared_data / "exchange" / "cryptofeed"
    script = binance_from_cryptofeed(
        data / "BINANCE.ws.1.0", data / "BINANCE.http.0.0", exchange_info=data / "BINANCE.0"
    )
    async with BinanceEmulator(script) as emu:
        settings = Settings.model_validate(
            {
                "venues": [
                    {
                        "name": "bn",
                        "kind": "binance",
                        "ws_url": emu.stream_url,
                        "rest_url": emu.rest_url,
                        "symbols": ["NKN/USDT"],
                    }
                ],
                "store": {"path": str(tmp_path / "c.db")},
                "execution": {"paper": {"latency_ms": 0, "jitter_ms": 0}},
                # Only NKN/USDT is streamed: USDT has no market of its own to be priced by.
                "portfolio": {"prices": {"USDT": 1}},
            }
        )
        core = build_core(settings)
        await core.start()
        try:
            venue = core.venues["bn"]
            async with asyncio.timeout(20):
                while (b := venue.book("NKN/USDT", 5)) is None or (  # noqa: ASYNC110
                    b.integrity is not BookIntegrity.VERIFIED
                ):
                    await asyncio.sleep(0.02)  # the feed's own schedule: no event to await
            service = core.execution
            assert service is not None and "bn" in service.paper
            paper = service.paper["bn"]
            assert await paper.fetch_balances() == []  # no keys: nothing to start from
            inst = core.instruments["bn:NKN/USDT"]
            qty = inst.round_qty(Decimal(200))
            request = OrderRequest(
                client_order_id="nkn-1",
                venue="bn",
                symbol="NKN/USDT",
                side=Side.BUY,
                type=OrderType.MARKET,
                qty=qty,
            )
            refused = await core.execute(PlaceOrder(request=request))
            assert not refused.ok and "[balance]" in refused.message  # the book passed
            # Seeded by hand: no longer waiting first, so a paper tick asking the (keyless)
            # venue at this moment drops its late, empty answer instead of wiping the seed.
            service.unseeded.pop("bn", None)
            await paper.seed({"USDT": Decimal(1000)})
            placed = await core.execute(PlaceOrder(request=request))
            assert placed.ok, placed.message
            order = await paper.fetch_order("nkn-1", "NKN/USDT")
            assert order is not None and order.status is OrderStatus.FILLED
            assert order.avg_price is not None and order.avg_price > 0
            assert order.fee_paid == qty * order.avg_price * inst.taker_fee
            held = {b.asset: b.total for b in await paper.fetch_balances()}
            assert held["NKN"] == qty
            assert held["USDT"] == Decimal(1000) - qty * order.avg_price - order.fee_paid
        finally:
            await core.stop()
