"""ccxt REST adapter against loopback Kraken and Binance serving the recorded bodies."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from core.errors import OrderRejected
from core.models import Instrument, OrderRequest, OrderStatus, OrderType, Side, SubAccount
from core.venues.loopback import BinanceLoopback, KrakenLoopback
from core.venues.rest import CcxtRest


def request(
    venue: str,
    cid: str,
    symbol: str,
    side: Side,
    kind: OrderType,
    qty: str,
    price: str | None = None,
) -> OrderRequest:
    return OrderRequest(
        client_order_id=cid,
        venue=venue,
        symbol=symbol,
        side=side,
        type=kind,
        qty=Decimal(qty),
        price=None if price is None else Decimal(price),
    )


async def fresh_instruments(kind: str, url: str) -> list[Instrument]:
    rest = CcxtRest(kind, kind, rest_url=url, rate_limit=False)
    try:
        return await rest.load_instruments()
    finally:
        await rest.close()


async def test_kraken_markets_from_the_recorded_asset_pairs(
    kraken_pairs_raw: dict[str, Any], kraken_server: KrakenLoopback
) -> None:
    found = await fresh_instruments("kraken", kraken_server.url)
    instruments = {i.symbol: i for i in found}
    # Only the public AssetPairs call: no Assets request, no dark-pool pair served.
    assert kraken_server.requests == [("GET", "/0/public/AssetPairs")]
    assert not any(i.venue_symbol.endswith(".d") for i in instruments.values() if i.venue_symbol)
    btc = instruments["BTC/USD"]
    assert btc.venue_symbol == "XXBTZUSD"
    assert (btc.price_tick, btc.qty_step) == (Decimal("0.1"), Decimal("1e-8"))
    # Every instrument agrees with its raw recorded pair.
    for inst in instruments.values():
        raw = kraken_pairs_raw[inst.venue_symbol]
        assert inst.price_tick == Decimal(1).scaleb(-raw["pair_decimals"])
        assert inst.qty_step == Decimal(1).scaleb(-raw["lot_decimals"])
        assert inst.min_qty == Decimal(raw["ordermin"])
        assert inst.taker_fee == Decimal(str(raw["fees"][0][1])) / 100
        assert inst.maker_fee == Decimal(str(raw["fees_maker"][0][1])) / 100
    eth = instruments["ETH/EUR"]
    assert eth.venue_symbol == "XETHZEUR" and eth.price_tick == Decimal("0.01")
    listed = {k for k in kraken_pairs_raw if not k.endswith(".d")}
    missing = listed - {i.venue_symbol for i in instruments.values()}
    # ccxt spells REPV2 as REP, so those four pairs share symbols with the XREP pairs.
    assert missing == {k for k in listed if kraken_pairs_raw[k]["base"] == "REPV2"}
    assert len(missing) == 4


async def test_binance_markets_from_the_recorded_exchange_info(
    binance_exchange_info: str, binance_server: BinanceLoopback
) -> None:
    found = await fresh_instruments("binance", binance_server.url)
    instruments = {i.venue_symbol: i for i in found}
    assert binance_server.requests == [("GET", "/api/v3/exchangeInfo")]
    raw = {s["symbol"]: s for s in json.loads(binance_exchange_info)["symbols"]}
    trading = {k for k, s in raw.items() if s["status"] == "TRADING"}
    assert set(instruments) == trading
    nkn = instruments["NKNUSDT"]
    assert (nkn.symbol, nkn.price_tick, nkn.qty_step) == ("NKN/USDT", Decimal("0.0001"), Decimal(1))
    assert nkn.min_notional == Decimal(10)
    for symbol in ("NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR", "BTCUSDT", "ETHBTC"):
        filters = {f["filterType"]: f for f in raw[symbol]["filters"]}
        inst = instruments[symbol]
        assert inst.price_tick == Decimal(filters["PRICE_FILTER"]["tickSize"])
        assert inst.qty_step == Decimal(filters["LOT_SIZE"]["stepSize"])
        assert inst.min_qty == Decimal(filters["LOT_SIZE"]["minQty"])
        assert inst.min_notional == Decimal(filters["MIN_NOTIONAL"]["minNotional"])


async def test_kraken_balances_split_spot_and_earn(kraken_rest: CcxtRest) -> None:
    balances = {(b.location_id, b.asset): b for b in await kraken_rest.fetch_balances()}
    assert {k: b.total for k, b in balances.items()} == {
        ("kraken:spot", "USD"): Decimal("250100"),  # ZUSD plus USD.HOLD
        ("kraken:spot", "BTC"): Decimal("1.5"),
        ("kraken:spot", "ETH"): Decimal("12.25"),
        ("kraken:earn", "DOT"): Decimal("40"),
        ("kraken:earn", "BTC"): Decimal("0.25"),
    }
    assert all(b.source == "kraken" and b.ts.tzinfo is not None for b in balances.values())
    locations = {loc.id: loc for loc in kraken_rest.locations()}
    assert locations["kraken:spot"].tradable and not locations["kraken:earn"].tradable
    assert locations["kraken:earn"].sub_account is SubAccount.EARN


async def test_binance_balances_and_locked_funds(
    binance_rest: CcxtRest, binance_server: BinanceLoopback
) -> None:
    placed = await binance_rest.submit(
        request("binance", "lock-1", "NKN/USDT", Side.SELL, OrderType.LIMIT, "300", "0.5")
    )
    assert placed.status is OrderStatus.OPEN
    balances = {(b.location_id, b.asset): b for b in await binance_rest.fetch_balances()}
    nkn = balances[("binance:spot", "NKN")]
    assert (nkn.total, nkn.free) == (Decimal(800), Decimal(500))
    assert balances[("binance:earn", "BTC")].total == Decimal("0.05")
    # "LD" + asset is Simple Earn, but a coin whose name starts with LD is itself.
    assert balances[("binance:spot", "LDO")].total == Decimal(3)
    assert balances[("binance:spot", "USDT")].free == Decimal(5000)


@pytest.mark.parametrize("kind", [OrderType.LIMIT, OrderType.POST_ONLY])
async def test_kraken_submit_fetch_cancel_round_trip(
    kraken_rest: CcxtRest, kraken_server: KrakenLoopback, kind: OrderType
) -> None:
    cid = f"rt-{kind.value}"
    req = request("kraken", cid, "BTC/USD", Side.BUY, kind, "0.5", "60000.0")
    placed = await kraken_rest.submit(req)
    assert placed.client_order_id == cid and placed.exchange_order_id
    (held,) = kraken_server.by_client_id(cid)
    assert held.exchange_id == placed.exchange_order_id and held.post_only == (
        kind is OrderType.POST_ONLY
    )
    fetched = await kraken_rest.fetch_order(cid, "BTC/USD")
    assert fetched is not None and fetched.status is OrderStatus.OPEN
    assert (fetched.qty, fetched.price) == (Decimal("0.5"), Decimal("60000.0"))
    assert [o.client_order_id for o in await kraken_rest.fetch_open_orders()] == [cid]
    cancelled = await kraken_rest.cancel(cid, "BTC/USD")
    assert cancelled.status is OrderStatus.CANCELLED and held.status == "canceled"
    assert await kraken_rest.fetch_open_orders() == []
    assert await kraken_rest.fetch_order("never-sent", "BTC/USD") is None


async def test_kraken_market_and_ioc_orders(
    kraken_rest: CcxtRest, kraken_server: KrakenLoopback
) -> None:
    await kraken_rest.submit(
        request("kraken", "mkt-1", "BTC/USD", Side.BUY, OrderType.MARKET, "0.1")
    )
    done = await kraken_rest.fetch_order("mkt-1", "BTC/USD")
    assert done is not None and done.status is OrderStatus.FILLED
    assert (done.filled_qty, done.avg_price) == (Decimal("0.1"), Decimal("61234.5"))
    assert kraken_server.balances["XXBT"] == Decimal("1.6")
    # An IOC below the market cannot fill: it expires instead of resting.
    await kraken_rest.submit(
        request("kraken", "ioc-1", "BTC/USD", Side.BUY, OrderType.IOC, "0.1", "50000")
    )
    ioc = await kraken_rest.fetch_order("ioc-1", "BTC/USD")
    assert ioc is not None and ioc.status is OrderStatus.EXPIRED and ioc.filled_qty == 0


async def test_binance_submit_fetch_cancel_round_trip(
    binance_rest: CcxtRest, binance_server: BinanceLoopback
) -> None:
    req = request("binance", "b-rt-1", "NKN/USDT", Side.BUY, OrderType.LIMIT, "100", "0.3")
    placed = await binance_rest.submit(req)
    assert placed.status is OrderStatus.OPEN and placed.client_order_id == "b-rt-1"
    fetched = await binance_rest.fetch_order("b-rt-1", "NKN/USDT")
    assert fetched is not None and fetched.exchange_order_id == placed.exchange_order_id
    assert [o.client_order_id for o in await binance_rest.fetch_open_orders()] == ["b-rt-1"]
    cancelled = await binance_rest.cancel("b-rt-1", "NKN/USDT")
    assert cancelled.status is OrderStatus.CANCELLED
    # A market order fills at the recorded depth snapshot's mid.
    depth = json.loads(binance_server.depth["NKNUSDT"])
    mid = (Decimal(depth["bids"][0][0]) + Decimal(depth["asks"][0][0])) / 2
    filled = await binance_rest.submit(
        request("binance", "b-mkt-1", "NKN/USDT", Side.BUY, OrderType.MARKET, "20")
    )
    assert filled.status is OrderStatus.FILLED and filled.avg_price == mid
    assert binance_server.balances["NKN"] == Decimal(820)


async def test_rejections_are_order_rejected(
    kraken_rest: CcxtRest, binance_rest: CcxtRest, kraken_server: KrakenLoopback
) -> None:
    with pytest.raises(OrderRejected, match="Insufficient funds"):
        await kraken_rest.submit(
            request("kraken", "big", "BTC/USD", Side.BUY, OrderType.LIMIT, "100", "60000")
        )
    with pytest.raises(OrderRejected, match="Post only"):
        await kraken_rest.submit(
            request("kraken", "po", "BTC/USD", Side.BUY, OrderType.POST_ONLY, "0.1", "62000")
        )
    with pytest.raises(OrderRejected, match="insufficient balance"):
        await binance_rest.submit(
            request("binance", "big", "NKN/USDT", Side.SELL, OrderType.LIMIT, "10000", "0.5")
        )
    with pytest.raises(OrderRejected, match="immediately match"):
        await binance_rest.submit(
            request("binance", "po", "NKN/USDT", Side.BUY, OrderType.POST_ONLY, "100", "0.9")
        )
    assert kraken_server.accepted == []


async def test_a_retried_submit_returns_the_order_already_held(
    binance_rest: CcxtRest, binance_server: BinanceLoopback
) -> None:
    req = request("binance", "dup-1", "NKN/USDT", Side.BUY, OrderType.LIMIT, "100", "0.3")
    first = await binance_rest.submit(req)
    again = await binance_rest.submit(req)
    assert again.exchange_order_id == first.exchange_order_id
    assert binance_server.accepted == ["dup-1"]


async def test_fees_from_the_account_tier_or_the_base_schedule(
    kraken_rest: CcxtRest,
    kraken_server: KrakenLoopback,
    kraken_pairs_raw: dict[str, Any],
    binance_rest: CcxtRest,
    binance_server: BinanceLoopback,
) -> None:
    schedule = kraken_pairs_raw["XXBTZUSD"]
    kraken_server.fee_tier = 2  # the account traded enough for the recorded third tier
    maker, taker = await kraken_rest.fetch_fees("BTC/USD")
    assert taker == Decimal(str(schedule["fees"][2][1])) / 100
    assert maker == Decimal(str(schedule["fees_maker"][2][1])) / 100
    assert taker < Decimal(str(schedule["fees"][0][1])) / 100
    public = CcxtRest("kraken", "kraken", rest_url=kraken_server.url, rate_limit=False)
    try:
        assert await public.fetch_fees("BTC/USD") == (
            Decimal(str(schedule["fees_maker"][0][1])) / 100,
            Decimal(str(schedule["fees"][0][1])) / 100,
        )
    finally:
        await public.close()
    binance_server.commission = (Decimal("0.00075"), Decimal("0.00075"))
    assert await binance_rest.fetch_fees("NKN/USDT") == (Decimal("0.00075"), Decimal("0.00075"))


async def test_client_ids_the_venue_would_refuse_are_rejected_before_sending(
    kraken_rest: CcxtRest, kraken_server: KrakenLoopback, binance_rest: CcxtRest
) -> None:
    too_long = "cockpit-plan-7-leg-12"  # 21 characters of free text
    with pytest.raises(OrderRejected, match="at most 18 characters"):
        await kraken_rest.submit(
            request("kraken", too_long, "BTC/USD", Side.BUY, OrderType.LIMIT, "0.1", "60000")
        )
    assert not any(path.endswith("AddOrder") for _, path in kraken_server.requests)
    uuid = "d15708c1-dbb6-465d-b77d-47258319cc90"
    placed = await kraken_rest.submit(
        request("kraken", uuid, "BTC/USD", Side.BUY, OrderType.LIMIT, "0.1", "60000")
    )
    assert placed.client_order_id == uuid and kraken_server.accepted == [uuid]
    with pytest.raises(OrderRejected, match="1-36 characters"):
        await binance_rest.submit(
            request("binance", "has space", "NKN/USDT", Side.BUY, OrderType.LIMIT, "100", "0.3")
        )
