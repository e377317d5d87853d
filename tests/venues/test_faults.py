"""Fault injection on the loopback venues: each fault maps to the right cockpit error, and a
submit whose response is lost still leaves exactly one order, found by its client id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from core.errors import ExchangeError, NetworkError, OrderRejected, RateLimitError, is_retryable
from core.models import OrderRequest, OrderStatus, OrderType, Side
from core.venues.errors import VenueRateLimited
from core.venues.loopback import BinanceLoopback, KrakenLoopback, LoopbackVenue
from core.venues.rest import CcxtRest

Pair = tuple[LoopbackVenue, CcxtRest, str]


def order(venue: str, cid: str, symbol: str) -> OrderRequest:
    price = Decimal("60000") if venue == "kraken" else Decimal("0.3")
    qty = Decimal("0.1") if venue == "kraken" else Decimal("100")
    return OrderRequest(
        client_order_id=cid,
        venue=venue,
        symbol=symbol,
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=qty,
        price=price,
    )


@pytest.fixture(params=["kraken", "binance"])
async def pair(
    request: pytest.FixtureRequest,
    kraken_server: KrakenLoopback,
    binance_server: BinanceLoopback,
    kraken_rest: CcxtRest,
    binance_rest: CcxtRest,
) -> AsyncIterator[Pair]:
    if request.param == "kraken":
        kraken_rest.timeout_s = 0.3
        await kraken_rest.load_instruments()
        yield kraken_server, kraken_rest, "BTC/USD"
    else:
        binance_rest.timeout_s = 0.3
        await binance_rest.load_instruments()
        yield binance_server, binance_rest, "NKN/USDT"


async def test_timeout_after_accept_leaves_exactly_one_order(pair: Pair) -> None:
    server, rest, symbol = pair
    server.faults.arm("timeout_after_accept", "order")
    req = order(rest.venue, "lost-ack-1", symbol)
    with pytest.raises(NetworkError) as info:
        await rest.submit(req)
    assert is_retryable(info.value) and "RequestTimeout" in str(info.value)
    found = await rest.fetch_order("lost-ack-1", symbol)
    assert found is not None and found.status is OrderStatus.OPEN
    assert server.accepted == ["lost-ack-1"] and len(server.by_client_id("lost-ack-1")) == 1
    # Retrying the same submit (same client id) returns the order the venue holds.
    again = await rest.submit(req)
    assert again.exchange_order_id == found.exchange_order_id
    assert server.accepted == ["lost-ack-1"]
    assert [o.client_order_id for o in await rest.fetch_open_orders()] == ["lost-ack-1"]


async def test_5xx_is_a_retryable_network_error(pair: Pair) -> None:
    server, rest, symbol = pair
    server.faults.arm("5xx", "order")
    with pytest.raises(NetworkError) as info:
        await rest.submit(order(rest.venue, "5xx-1", symbol))
    assert is_retryable(info.value) and not isinstance(info.value, RateLimitError)
    assert server.accepted == [] and server.faults.fired["5xx"] == 1
    placed = await rest.submit(order(rest.venue, "5xx-1", symbol))
    assert placed.client_order_id == "5xx-1" and server.accepted == ["5xx-1"]


async def test_429_is_a_rate_limit_error_with_retry_after(pair: Pair) -> None:
    server, rest, symbol = pair
    server.faults.arm("429", "order")
    with pytest.raises(RateLimitError) as info:
        await rest.submit(order(rest.venue, "429-1", symbol))
    assert isinstance(info.value, VenueRateLimited) and info.value.retry_after == 2.0
    assert is_retryable(info.value) and "retry after 2s" in str(info.value)
    assert server.accepted == []


async def test_malformed_body_is_a_clear_exchange_error(pair: Pair) -> None:
    server, rest, _ = pair
    server.faults.arm("malformed", "other")
    with pytest.raises(ExchangeError) as info:
        await rest.fetch_open_orders()
    assert not is_retryable(info.value) and not isinstance(info.value, OrderRejected)
    assert "malformed response" in str(info.value)
    assert await rest.fetch_open_orders() == []


async def test_retry_after_a_lost_ack_never_doubles_a_filled_order(pair: Pair) -> None:
    server, rest, symbol = pair
    server.faults.arm("timeout_after_accept", "order")
    req = order(rest.venue, "mkt-lost-1", symbol).model_copy(
        update={"type": OrderType.MARKET, "price": None}
    )
    with pytest.raises(NetworkError):
        await rest.submit(req)
    (held,) = server.by_client_id("mkt-lost-1")
    assert held.status == "closed"  # filled at once: no longer "open", so no duplicate check
    again = await rest.submit(req)
    assert again.status is OrderStatus.FILLED and again.exchange_order_id == held.exchange_id
    assert server.accepted == ["mkt-lost-1"]
