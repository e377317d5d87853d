"""Sans-I/O pieces of the live venues: ccxt error mapping and ccxt order conversion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import ccxt
import pytest
from pydantic import SecretStr

from core.errors import ExchangeError, NetworkError, OrderRejected, RateLimitError, is_retryable
from core.models import OrderStatus, OrderType
from core.venues.convert import dec, order_from_ccxt
from core.venues.errors import DuplicateOrder, VenueRateLimited, map_ccxt_error
from core.venues.loopback import KrakenLoopback
from core.venues.rest import CcxtRest
from core.venues.secrets import Credentials


class Headers:
    last_response_headers = {"Retry-After": "7"}  # noqa: RUF012


@pytest.mark.parametrize(
    ("exc", "expected", "retryable"),
    [
        (ccxt.RequestTimeout("t"), NetworkError, True),
        (ccxt.ExchangeNotAvailable("503"), NetworkError, True),
        (ccxt.DDoSProtection("cloudflare"), NetworkError, True),
        (ccxt.RateLimitExceeded("slow down"), RateLimitError, True),
        (ccxt.DDoSProtection("EAPI:Rate limit exceeded"), RateLimitError, True),
        (ccxt.InvalidOrder("bad price"), OrderRejected, False),
        (ccxt.InsufficientFunds("no money"), OrderRejected, False),
        (ccxt.InvalidOrder("Duplicate order sent."), DuplicateOrder, False),
        (ccxt.BadResponse("garbage"), ExchangeError, False),
        (ccxt.AuthenticationError("bad key"), ExchangeError, False),
        (ccxt.BadSymbol("nope"), ExchangeError, False),
    ],
)
def test_ccxt_errors_map_onto_the_tree(
    exc: Exception, expected: type[Exception], retryable: bool
) -> None:
    mapped = map_ccxt_error(exc, "kraken", "submit x", Headers())
    assert type(mapped) is expected or (
        expected is RateLimitError and isinstance(mapped, VenueRateLimited)
    )
    assert is_retryable(mapped) is retryable
    assert str(mapped).startswith("kraken: submit x")


def test_rate_limits_carry_retry_after_and_429_status_counts() -> None:
    mapped = map_ccxt_error(ccxt.DDoSProtection("blocked"), "bn", "x", Headers(), status=429)
    assert isinstance(mapped, VenueRateLimited) and mapped.retry_after == 7.0
    plain = map_ccxt_error(ccxt.DDoSProtection("blocked"), "bn", "x", None, status=403)
    assert type(plain) is NetworkError


def test_placing_turns_unknown_venue_refusals_into_rejections() -> None:
    exc = ccxt.ExchangeError('kraken {"error":["EOrder:Post only order"]}')
    assert type(map_ccxt_error(exc, "kraken", "submit", placing=True)) is OrderRejected
    assert type(map_ccxt_error(exc, "kraken", "cancel")) is ExchangeError
    bug = RuntimeError("ours")
    assert map_ccxt_error(bug, "kraken", "submit") is bug


def raw(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "OX1",
        "clientOrderId": "c1",
        "symbol": "BTC/USD",
        "side": "buy",
        "type": "limit",
        "amount": 0.5,
        "filled": 0.0,
        "price": 60000.0,
        "average": None,
        "status": "open",
        "timestamp": 1_700_000_000_000,
        "fee": {"cost": 0.0},
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("over", "status"),
    [
        ({}, OrderStatus.OPEN),
        ({"filled": 0.2}, OrderStatus.PARTIALLY_FILLED),
        ({"status": "closed", "filled": 0.5, "average": 59990.5}, OrderStatus.FILLED),
        ({"status": "closed", "filled": 0.2}, OrderStatus.CANCELLED),
        ({"status": "canceled", "filled": 0.1}, OrderStatus.CANCELLED),
        ({"status": "expired"}, OrderStatus.EXPIRED),
        ({"status": "expired", "filled": 0.5}, OrderStatus.FILLED),
        ({"status": "rejected"}, OrderStatus.REJECTED),
        ({"status": None}, OrderStatus.SUBMITTED),
    ],
)
def test_order_states_from_ccxt(over: dict[str, Any], status: OrderStatus) -> None:
    order = order_from_ccxt("kraken", raw(**over))
    assert order.status is status
    assert order.qty == Decimal("0.5") and order.price == Decimal("60000")
    assert order.created_ts.tzinfo is not None and order.updated_ts >= order.created_ts


def test_order_kinds_and_exact_numbers() -> None:
    assert order_from_ccxt("k", raw(postOnly=True)).type is OrderType.POST_ONLY
    assert order_from_ccxt("k", raw(timeInForce="IOC")).type is OrderType.IOC
    market = order_from_ccxt("k", raw(type="market", price=None))
    assert market.type is OrderType.MARKET and market.price is None
    assert dec(0.1) == Decimal("0.1") and dec(40.0) == Decimal(40) and str(dec(40.0)) == "40"
    assert dec(1e-8) == Decimal("1e-8") and dec(None) is None
    with pytest.raises(ValueError, match="no client order id"):
        order_from_ccxt("k", raw(clientOrderId=None))


async def test_a_wrong_key_is_refused_without_showing_it(kraken_asset_pairs: str) -> None:
    wrong = Credentials(SecretStr("wrong-key-4242"), SecretStr("c2VjcmV0LTQyNDI="), "test")
    async with KrakenLoopback(kraken_asset_pairs, api_key="the-right-key") as server:
        rest = CcxtRest("kraken", "kraken", rest_url=server.url, credentials=wrong)
        try:
            with pytest.raises(ExchangeError) as info:
                await rest.fetch_balances()
        finally:
            await rest.close()
    assert info.value.title == "Venue auth" and not is_retryable(info.value)
    assert "EAPI:Invalid key" in str(info.value)
    assert "wrong-key-4242" not in str(info.value) and "c2VjcmV0" not in str(info.value)
    assert server.seen_keys == {"wrong-key-4242"}
