"""A loopback Binance spot REST API: recorded ``exchangeInfo`` and depth, documented order API.

Public: ``GET /api/v3/exchangeInfo`` and ``GET /api/v3/depth?symbol=`` serve recorded bodies,
``GET /api/v3/klines`` the daily candles handed to it
(the depth snapshots also feed :class:`~core.feeds.binance_client.BinanceFeed` and give market
orders a price: the mid of the recorded snapshot). Private (``X-MBX-APIKEY`` checked):
``POST/DELETE/GET /api/v3/order`` (``newClientOrderId`` unique among open orders; queried and
cancelled by ``origClientOrderId``), ``GET /api/v3/openOrders``, ``GET /api/v3/account`` and
``GET /sapi/v1/asset/tradeFee``.
Errors use Binance's ``{"code": -NNNN, "msg": ...}`` bodies with HTTP 400.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from aiohttp import web

from core.venues.loopback.base import DAY_S, LoopbackVenue, LoopOrder, served

INTERVALS = {"1m": 60, "5m": 300, "1h": 3600, "1d": DAY_S}
"""Binance's kline intervals the loopback knows, in seconds."""

STATUS = {"open": "NEW", "closed": "FILLED", "canceled": "CANCELED", "expired": "EXPIRED"}


def _fmt(value: Decimal | None) -> str:
    return "0.00000000" if value is None else format(value, "f")


class BinanceLoopback(LoopbackVenue):
    """Serve Binance's spot REST API on 127.0.0.1 from recorded ``exchange_info`` and
    ``depth`` bodies (``{"NKNUSDT": body, ...}``)."""

    def __init__(self, exchange_info: str, depth: dict[str, str], **options: Any) -> None:
        self.exchange_info = exchange_info
        self.depth = dict(depth)
        self.symbols: dict[str, dict[str, Any]] = {
            s["symbol"]: s for s in json.loads(exchange_info)["symbols"]
        }
        super().__init__(**options)
        self.commission = (Decimal("0.001"), Decimal("0.001"))
        """The account's (maker, taker) rates that ``asset/tradeFee`` reports."""
        for symbol, body in self.depth.items():
            book = json.loads(body)
            if book["bids"] and book["asks"]:
                mid = (Decimal(book["bids"][0][0]) + Decimal(book["asks"][0][0])) / 2
                self.marks[symbol] = mid

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v3/exchangeInfo", self._exchange_info)
        app.router.add_get("/api/v3/depth", self._depth)
        app.router.add_get("/api/v3/klines", self._klines)
        app.router.add_route("*", "/api/v3/order", self._order)
        app.router.add_get("/api/v3/openOrders", self._open_orders)
        app.router.add_get("/api/v3/account", self._account)
        app.router.add_get("/sapi/v1/asset/tradeFee", self._trade_fee)

    def _is_order_path(self, request: web.Request) -> bool:
        return request.path == "/api/v3/order" and request.method == "POST"

    def _rate_limit_body(self) -> str:
        return '{"code":-1003,"msg":"Too many requests; current limit is 1200 request weight."}'

    def assets_of(self, symbol: str) -> tuple[str, str]:
        item = self.symbols[symbol]
        return str(item["baseAsset"]), str(item["quoteAsset"])

    @staticmethod
    def _error(code: int, msg: str, status: int = 400) -> web.Response:
        return web.json_response({"code": code, "msg": msg}, status=status)

    async def _exchange_info(self, request: web.Request) -> web.Response:
        return web.Response(text=self.exchange_info, content_type="application/json")

    async def _depth(self, request: web.Request) -> web.Response:
        body = self.depth.get(request.query.get("symbol", ""))
        if body is None:
            return self._error(-1121, "Invalid symbol.")
        return web.Response(text=body, content_type="application/json")

    async def _klines(self, request: web.Request) -> web.Response:
        """``klines``: the candles of ``interval`` (``1d``, or intraday ones handed to ``bars``)
        from ``startTime`` to ``endTime`` (ms), the first ``limit`` (default 500, at most
        1000), in Binance's 12-field rows."""
        symbol = request.query.get("symbol", "")
        if symbol not in self.symbols:
            return self._error(-1121, "Invalid symbol.")
        interval = INTERVALS.get(request.query.get("interval", ""))
        candles = served(self, symbol, interval) if interval is not None else None
        if interval is None or candles is None:
            return self._error(-1120, "Invalid interval (not served by the loopback).")
        start = int(request.query.get("startTime", "0"))
        end = int(request.query.get("endTime", str(2**62)))
        limit = min(int(request.query.get("limit", "500")), 1000)
        rows = [c for c in candles if start <= c.open_time * 1000 <= end][:limit]
        body = [
            [c.open_time * 1000, _fmt(c.open), _fmt(c.high), _fmt(c.low), _fmt(c.close),
             _fmt(c.volume), (c.open_time + interval) * 1000 - 1, _fmt(c.volume * c.close), 1,
             "0", "0", "0"]
            for c in rows
        ]  # fmt: skip
        return web.json_response(body)

    async def _params(self, request: web.Request) -> tuple[dict[str, str], web.Response | None]:
        key = request.headers.get("X-MBX-APIKEY", "")
        self.seen_keys.add(key)
        params = {k: str(v) for k, v in request.query.items()}
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        if self.api_key is not None and key != self.api_key:
            return params, self._error(
                -2015, "Invalid API-key, IP, or permissions for action.", 401
            )
        self.seen_signatures.add(params.get("signature", ""))
        if "signature" not in params or "timestamp" not in params:
            return params, self._error(-1102, "Mandatory parameter 'signature' was not sent.")
        return params, None

    def _render(self, order: LoopOrder) -> dict[str, Any]:
        binance_type = "LIMIT_MAKER" if order.post_only else order.type.upper()
        created_ms = int(order.created * 1000)
        return {
            "symbol": order.symbol,
            "orderId": int(order.exchange_id),
            "orderListId": -1,
            "clientOrderId": order.client_id,
            "price": _fmt(order.price),
            "origQty": _fmt(order.qty),
            "executedQty": _fmt(order.filled),
            "cummulativeQuoteQty": _fmt(order.filled * (order.avg_price or 0)),
            "status": STATUS[order.status],
            "timeInForce": "IOC" if order.ioc else "GTC",
            "type": binance_type,
            "side": order.side.upper(),
            "stopPrice": "0.00000000",
            "icebergQty": "0.00000000",
            "time": created_ms,
            "updateTime": int((order.closed or order.created) * 1000),
            "isWorking": order.status == "open",
            "workingTime": created_ms,
            "origQuoteOrderQty": "0.00000000",
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }

    async def _order(self, request: web.Request) -> web.Response:
        params, refused = await self._params(request)
        if refused is not None:
            return refused
        if request.method == "POST":
            return await self._new_order(params)
        client_id = params.get("origClientOrderId")
        found = self.by_client_id(client_id) if client_id else []
        if not client_id and params.get("orderId") in self.orders:
            found = [self.orders[params["orderId"]]]
        if request.method == "GET":
            if not found:
                return self._error(-2013, "Order does not exist.")
            return web.json_response(self._render(found[-1]))
        if request.method == "DELETE":
            live = [o for o in found if o.status == "open"]
            if not live:
                return self._error(-2011, "Unknown order sent.")
            live[0].status, live[0].closed = "canceled", time.time()
            return web.json_response(self._render(live[0]))
        return self._error(-1100, f"method {request.method} not allowed")

    async def _new_order(self, params: dict[str, str]) -> web.Response:
        symbol = params.get("symbol", "")
        if symbol not in self.symbols:
            return self._error(-1121, "Invalid symbol.")
        client_id = params.get("newClientOrderId", "")
        if client_id and any(o.client_id == client_id for o in self.open_orders()):
            return self._error(-2010, "Duplicate order sent.")
        kind = params.get("type", "")
        if kind not in ("LIMIT", "MARKET", "LIMIT_MAKER"):
            return self._error(-1116, "Invalid orderType.")
        try:
            qty = Decimal(params["quantity"])
            price = Decimal(params["price"]) if kind != "MARKET" else None
        except (KeyError, ArithmeticError):
            return self._error(-1102, "Mandatory parameter 'quantity' or 'price' was not sent.")
        order = LoopOrder(
            client_id=client_id,
            exchange_id=str(self.next_id()),
            symbol=symbol,
            side=params.get("side", "").lower(),
            type="market" if kind == "MARKET" else "limit",
            qty=qty,
            price=price,
            post_only=kind == "LIMIT_MAKER",
            ioc=params.get("timeInForce") == "IOC",
            created=time.time(),
        )
        base, quote = self.assets_of(symbol)
        why = self.refusal(order, base, quote)
        if why == "post only":
            return self._error(-2010, "Order would immediately match and take.")
        if why is not None:
            return self._error(-2010, "Account has insufficient balance for requested action.")
        self.orders[order.exchange_id] = order
        self.accepted.append(client_id)
        self.execute(order, time.time())
        await self._after_accept()
        body = self._render(order)
        body["transactTime"] = body["time"]
        body["fills"] = (
            [
                {
                    "price": _fmt(order.avg_price),
                    "qty": _fmt(order.filled),
                    "commission": "0",
                    "commissionAsset": base,
                    "tradeId": int(order.exchange_id),
                }
            ]
            if order.filled
            else []
        )
        return web.json_response(body)

    async def _open_orders(self, request: web.Request) -> web.Response:
        params, refused = await self._params(request)
        if refused is not None:
            return refused
        symbol = params.get("symbol")
        rows = [o for o in self.open_orders() if symbol in (None, o.symbol)]
        return web.json_response([self._render(o) for o in rows])

    async def _trade_fee(self, request: web.Request) -> web.Response:
        params, refused = await self._params(request)
        if refused is not None:
            return refused
        symbols = [params["symbol"]] if "symbol" in params else sorted(self.symbols)
        maker, taker = self.commission
        return web.json_response(
            [
                {"symbol": s, "makerCommission": _fmt(maker), "takerCommission": _fmt(taker)}
                for s in symbols
            ]
        )

    async def _account(self, request: web.Request) -> web.Response:
        _, refused = await self._params(request)
        if refused is not None:
            return refused
        balances = [
            {"asset": a, "free": _fmt(self.free(a)), "locked": _fmt(q - self.free(a))}
            for a, q in sorted(self.balances.items())
        ]
        return web.json_response(
            {
                "makerCommission": 10,
                "takerCommission": 10,
                "canTrade": True,
                "canWithdraw": True,
                "canDeposit": True,
                "accountType": "SPOT",
                "balances": balances,
                "permissions": ["SPOT"],
            }
        )
