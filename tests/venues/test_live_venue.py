"""LiveVenue: the Venue port over feed + REST, and its REST-polled private stream."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import TradingDisabled
from core.feeds.emulator import KrakenEmulator, kraken_from_v1
from core.feeds.kraken_client import KrakenFeed
from core.models import Balance, Order, OrderRequest, OrderStatus, OrderType, Side
from core.ports import Venue
from core.venues.live import LiveVenue
from core.venues.loopback import KrakenLoopback
from core.venues.rest import CcxtRest


def limit(cid: str) -> OrderRequest:
    return OrderRequest(
        client_order_id=cid,
        venue="kr",
        symbol="BTC/USD",
        side=Side.SELL,
        type=OrderType.LIMIT,
        qty=Decimal("0.5"),
        price=Decimal("70000"),
    )


async def test_live_venue_implements_the_port_and_polls_changes(
    kraken_server: KrakenLoopback, kraken_rest: CcxtRest
) -> None:
    kraken_rest.venue = "kr"
    venue = LiveVenue("kr", KrakenFeed("ws://127.0.0.1:9"), kraken_rest, symbols=["BTC/USD"])
    assert isinstance(venue, Venue)
    try:
        instruments = await venue.load_instruments()
        assert [i.symbol for i in instruments] == ["BTC/USD"]  # the streamed markets
        assert len(venue.all_instruments) > 250
        assert {i.venue for i in venue.all_instruments.values()} == {"kr"}
        first = await venue.poll()
        balances = {(b.location_id, b.asset): b.total for b in first if isinstance(b, Balance)}
        assert balances[("kr:spot", "BTC")] == Decimal("1.5")
        assert not [e for e in first if isinstance(e, Order)]
        assert await venue.poll() == []  # nothing changed, nothing reported

        placed = await venue.submit(limit("poll-1"))
        assert placed.status is OrderStatus.SUBMITTED
        changes = await venue.poll()
        (opened,) = [e for e in changes if isinstance(e, Order)]
        assert opened.client_order_id == "poll-1" and opened.status is OrderStatus.OPEN
        # The 0.5 BTC now held by the order shows as a change in free balance.
        (btc,) = [e for e in changes if isinstance(e, Balance) and e.asset == "BTC"]
        assert (btc.total, btc.free) == (Decimal("1.5"), Decimal("1.0"))

        # The venue cancels it on its own: the poll finds the final state by client id.
        (held,) = kraken_server.by_client_id("poll-1")
        held.status = "canceled"
        (gone,) = [e for e in await venue.poll() if isinstance(e, Order)]
        assert gone.status is OrderStatus.CANCELLED and gone.status.is_final
    finally:
        await venue.close()


async def test_without_keys_the_venue_is_public_only(kraken_server: KrakenLoopback) -> None:
    rest = CcxtRest("kr", "kraken", rest_url=kraken_server.url, rate_limit=False)
    venue = LiveVenue("kr", KrakenFeed("ws://127.0.0.1:9"), rest)
    try:
        assert len(await venue.load_instruments()) > 250
        assert await venue.fetch_balances() == []
        assert venue.health().detail is not None and "no API keys" in venue.health().detail
        with pytest.raises(TradingDisabled, match="needs API keys"):
            await venue.submit(limit("nokeys-1"))
        stream = venue.user_stream()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(stream), 0.05)
        assert kraken_server.seen_keys == set()  # no private endpoint was ever called
    finally:
        await venue.close()


async def test_instruments_fall_back_to_the_feed_when_rest_is_down(
    shared_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script = kraken_from_v1(shared_data / "exchange" / "cryptofeed" / "KRAKEN.ws.50.0")
    async with KrakenEmulator(script) as emu:
        rest = CcxtRest("kr", "kraken", rest_url="http://127.0.0.1:9", timeout_s=0.5)
        venue = LiveVenue("kr", KrakenFeed(emu.ws_url), rest)
        try:
            instruments = {i.symbol: i for i in await venue.load_instruments()}
        finally:
            await venue.close()
    assert set(script.books) <= set(instruments)
    assert {i.venue for i in instruments.values()} == {"kr"}
    assert "REST markets unavailable" in caplog.text


def test_a_fill_is_the_difference_between_two_order_reports() -> None:
    from core.models import Liquidity, utcnow
    from core.venues.live import fill_between

    now = utcnow()
    resting = Order(
        client_order_id="x",
        venue="kr",
        symbol="BTC/USD",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal(1),
        price=Decimal(110),
        status=OrderStatus.PARTIALLY_FILLED,
        filled_qty=Decimal("0.2"),
        avg_price=Decimal(100),
        fee_paid=Decimal("0.02"),
        created_ts=now,
        updated_ts=now,
    )
    later = resting.model_copy(
        update={
            "filled_qty": Decimal("0.5"),
            "avg_price": Decimal(104),
            "fee_paid": Decimal("0.05"),
        }
    )
    fill = fill_between(resting, later)
    assert fill is not None
    # 0.3 more at the price that moves the average: (0.5 x 104 - 0.2 x 100) / 0.3 = 106.66…
    assert (fill.qty, fill.fee, fill.fee_asset) == (Decimal("0.3"), Decimal("0.03"), "USD")
    assert fill.price == Decimal("106.666666666667")
    assert fill.liquidity is Liquidity.MAKER and fill.trade_id == "x:0.5"
    assert fill_between(later, later) is None  # nothing new
    first = fill_between(None, resting)  # filled in the submit reply: took liquidity
    assert first is not None and first.liquidity is Liquidity.TAKER
    assert (first.qty, first.price, first.fee) == (Decimal("0.2"), Decimal(100), Decimal("0.02"))


async def market_fill_is_reported_once(rest: CcxtRest, symbol: str, qty: str) -> None:
    """The REST-polled stream reports the fill (qty, average price, fee) beside the order, so
    the store, the execution history and the cost basis see live fills too."""
    from core.models import Fill, Liquidity

    rest.venue = "lv"
    venue = LiveVenue("lv", KrakenFeed("ws://127.0.0.1:9"), rest)
    try:
        await venue.poll()  # the baseline (balances)
        order = OrderRequest(
            client_order_id="lv-mkt",
            venue="lv",
            symbol=symbol,
            side=Side.BUY,
            type=OrderType.MARKET,
            qty=Decimal(qty),
        )
        await venue.submit(order)
        fills = [e for e in await venue.poll() if isinstance(e, Fill)]
        done = venue._orders["lv-mkt"]
        assert done.status is OrderStatus.FILLED and done.avg_price is not None
        assert len(fills) == 1
        (fill,) = fills
        assert (fill.qty, fill.price, fill.fee) == (done.filled_qty, done.avg_price, done.fee_paid)
        assert fill.liquidity is Liquidity.TAKER and fill.symbol == symbol
        assert not [e for e in await venue.poll() if isinstance(e, Fill)]  # reported once
    finally:
        await venue.close()


async def test_a_live_kraken_market_order_is_reported_with_its_fill_once(
    kraken_rest: CcxtRest,
) -> None:
    # Kraken's AddOrder reply has no state: the poll finds the order filled.
    await market_fill_is_reported_once(kraken_rest, "BTC/USD", "0.1")


async def test_a_live_binance_market_order_is_reported_with_its_fill_once(
    binance_rest: CcxtRest,
) -> None:
    # Binance's reply is already filled: the order was never open, its fill still reported.
    await market_fill_is_reported_once(binance_rest, "NKN/USDT", "50")
