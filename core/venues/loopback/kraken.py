"""A loopback Kraken REST API: recorded ``AssetPairs`` plus the documented private endpoints.

Public: ``GET /0/public/AssetPairs`` serves a recorded body with dark-pool ``*.d`` pairs removed
(current ccxt would map ``BTC/USD`` to ``XXBTZUSD.d`` otherwise); ``GET /0/public/OHLC`` serves
the daily candles handed to it (``LoopbackVenue.candles``). Private (``POST``, form encoded,
``API-Key`` header checked): ``AddOrder`` (``cl_ord_id`` unique among open orders),
``CancelOrder`` (by ``txid`` or ``cl_ord_id``), ``QueryOrders``, ``OpenOrders`` and
``ClosedOrders`` (both filter on ``cl_ord_id``), ``Balance``, ``BalanceEx`` and
``TradeVolume`` (fees from the recorded schedule). Bodies follow
Kraken's documented shapes: ``{"error": [...], "result": {...}}``.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from aiohttp import web

from core.venues.loopback.base import LoopbackVenue, LoopOrder, served


def asset_pairs_body(recorded: str) -> str:
    """A recorded ``AssetPairs`` body without its dark-pool (``.d``) pairs."""
    body = json.loads(recorded)
    body["result"] = {k: v for k, v in body["result"].items() if not k.endswith(".d")}
    return json.dumps(body)


def _fmt(value: Decimal | None) -> str:
    return "0" if value is None else format(value, "f")


class KrakenLoopback(LoopbackVenue):
    """Serve Kraken's REST API on 127.0.0.1 from ``asset_pairs`` (a recorded body)."""

    def __init__(self, asset_pairs: str, **options: Any) -> None:
        self.asset_pairs = asset_pairs_body(asset_pairs)
        self.pairs: dict[str, dict[str, Any]] = json.loads(self.asset_pairs)["result"]
        self.fee_tier = 0
        """Row of each pair's recorded fee schedule that ``TradeVolume`` reports."""
        super().__init__(**options)

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/0/public/AssetPairs", self._asset_pairs)
        app.router.add_get("/0/public/OHLC", self._ohlc)
        app.router.add_post("/0/private/{method}", self._private)

    def _is_order_path(self, request: web.Request) -> bool:
        return request.path.endswith("/AddOrder")

    def _rate_limit_body(self) -> str:
        return '{"error":["EAPI:Rate limit exceeded"]}'

    def assets_of(self, symbol: str) -> tuple[str, str]:
        pair = self.pairs[symbol]
        return str(pair["base"]), str(pair["quote"])

    def _pair_id(self, name: str) -> str | None:
        if name in self.pairs:
            return name
        return next((k for k, v in self.pairs.items() if v.get("altname") == name), None)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"error": [], "result": result})

    @staticmethod
    def _error(*errors: str) -> web.Response:
        return web.json_response({"error": list(errors)})

    async def _asset_pairs(self, request: web.Request) -> web.Response:
        return web.Response(text=self.asset_pairs, content_type="application/json")

    async def _ohlc(self, request: web.Request) -> web.Response:
        """``OHLC``: the candles of ``interval`` minutes (daily, or intraday ones handed to
        ``bars``) after ``since``, at most the 720 newest (Kraken's documented limit),
        ``[time, o, h, l, c, vwap, volume, count]``."""
        pair = self._pair_id(request.query.get("pair", ""))
        if pair is None:
            return self._error("EQuery:Unknown asset pair")
        candles = served(self, pair, int(request.query.get("interval", "1") or 1) * 60)
        if candles is None:
            return self._error("EGeneral:Invalid arguments:interval (not served by the loopback)")
        since = int(request.query.get("since", "0") or 0)
        rows = [c for c in candles if c.open_time > since][-720:]
        body = [
            [c.open_time, _fmt(c.open), _fmt(c.high), _fmt(c.low), _fmt(c.close),
             _fmt(c.close), _fmt(c.volume), 1]
            for c in rows
        ]  # fmt: skip
        last = rows[-1].open_time if rows else since
        return self._ok({pair: body, "last": last})

    async def _private(self, request: web.Request) -> web.Response:
        key = request.headers.get("API-Key", "")
        self.seen_keys.add(key)
        self.seen_signatures.add(request.headers.get("API-Sign", ""))
        if self.api_key is not None and key != self.api_key:
            return self._error("EAPI:Invalid key")
        form = {k: str(v) for k, v in (await request.post()).items()}
        method = request.match_info["method"]
        handlers = {
            "AddOrder": self._add_order,
            "CancelOrder": self._cancel_order,
            "QueryOrders": self._query_orders,
            "OpenOrders": self._open_orders,
            "ClosedOrders": self._closed_orders,
            "TradeVolume": self._trade_volume,
            "Balance": self._balance,
            "BalanceEx": self._balance_ex,
        }
        handler = handlers.get(method)
        if handler is None:
            return self._error("EGeneral:Unknown method")
        return await handler(form)

    # ------------------------------------------------------------------ orders

    async def _add_order(self, form: dict[str, str]) -> web.Response:
        pair = self._pair_id(form.get("pair", ""))
        if pair is None:
            return self._error("EQuery:Unknown asset pair")
        client_id = form.get("cl_ord_id", "")
        if client_id and any(o.client_id == client_id for o in self.open_orders()):
            # Kraken enforces cl_ord_id uniqueness among open orders (exact text assumed).
            return self._error("EOrder:Invalid order:duplicate cl_ord_id")
        ordertype = form.get("ordertype", "")
        if ordertype not in ("limit", "market"):
            return self._error("EGeneral:Invalid arguments:ordertype")
        try:
            qty = Decimal(form["volume"])
            price = Decimal(form["price"]) if ordertype == "limit" else None
        except (KeyError, ArithmeticError):
            return self._error("EGeneral:Invalid arguments:volume")
        minimum = Decimal(str(self.pairs[pair].get("ordermin", "0")))
        if qty < minimum:
            return self._error("EOrder:Order minimum not met")
        order = LoopOrder(
            client_id=client_id,
            exchange_id=f"O{self.next_id():05d}-LOOPB-ACKXYZ",
            symbol=pair,
            side=form.get("type", ""),
            type=ordertype,
            qty=qty,
            price=price,
            post_only="post" in form.get("oflags", ""),
            ioc=form.get("timeinforce") == "IOC",
            created=time.time(),
            extra={"userref": form.get("userref")},
        )
        base, quote = self.assets_of(pair)
        refused = self.refusal(order, base, quote)
        if refused == "post only":
            return self._error("EOrder:Post only order")
        if refused is not None:
            return self._error("EOrder:Insufficient funds")
        self.orders[order.exchange_id] = order
        self.accepted.append(client_id)
        self.execute(order, time.time())
        await self._after_accept()
        return self._ok({"descr": {"order": self._describe(order)}, "txid": [order.exchange_id]})

    def _describe(self, order: LoopOrder) -> str:
        """Kraken's order description: ``buy 0.5 XBTUSD @ limit 50000.0``."""
        text = (
            f"{order.side} {_fmt(order.qty)} {self.pairs[order.symbol]['altname']} @ {order.type}"
        )
        return text if order.price is None else f"{text} {_fmt(order.price)}"

    def _find(self, form: dict[str, str]) -> list[LoopOrder]:
        if form.get("cl_ord_id"):
            return self.by_client_id(form["cl_ord_id"])
        ids = [t for t in form.get("txid", "").split(",") if t]
        return [self.orders[t] for t in ids if t in self.orders]

    async def _cancel_order(self, form: dict[str, str]) -> web.Response:
        found = [o for o in self._find(form) if o.status == "open"]
        if not found:
            return self._error("EOrder:Unknown order")
        for order in found:
            order.status, order.closed = "canceled", time.time()
        return self._ok({"count": len(found)})

    def _render(self, order: LoopOrder) -> dict[str, Any]:
        status = {"expired": "expired"}.get(order.status, order.status)
        body: dict[str, Any] = {
            "refid": None,
            "userref": order.extra.get("userref"),
            "cl_ord_id": order.client_id or None,
            "status": status,
            "opentm": order.created,
            "starttm": 0,
            "expiretm": 0,
            "descr": {
                "pair": self.pairs[order.symbol]["altname"],
                "type": order.side,
                "ordertype": order.type,
                "price": _fmt(order.price),
                "price2": "0",
                "leverage": "none",
                "order": self._describe(order),
                "close": "",
            },
            "vol": _fmt(order.qty),
            "vol_exec": _fmt(order.filled),
            "cost": _fmt(order.filled * (order.avg_price or 0)),
            "fee": "0.00000",
            "price": _fmt(order.avg_price),
            "stopprice": "0.00000",
            "limitprice": "0.00000",
            "misc": "",
            "oflags": "fciq,post" if order.post_only else "fciq",
        }
        if order.closed is not None:
            body["closetm"] = order.closed
        return body

    async def _query_orders(self, form: dict[str, str]) -> web.Response:
        found = self._find(form)
        if not found:
            return self._error("EOrder:Unknown order")
        return self._ok({o.exchange_id: self._render(o) for o in found})

    def _listed(self, form: dict[str, str], open_: bool) -> dict[str, Any]:
        rows = [o for o in self.orders.values() if (o.status == "open") == open_]
        if form.get("cl_ord_id"):
            rows = [o for o in rows if o.client_id == form["cl_ord_id"]]
        return {o.exchange_id: self._render(o) for o in rows}

    async def _open_orders(self, form: dict[str, str]) -> web.Response:
        return self._ok({"open": self._listed(form, True)})

    async def _closed_orders(self, form: dict[str, str]) -> web.Response:
        closed = self._listed(form, False)
        return self._ok({"closed": closed, "count": len(closed)})

    async def _trade_volume(self, form: dict[str, str]) -> web.Response:
        """The account's fee tier (``fee_tier``) from the pair's recorded fee schedule."""
        fees: dict[str, Any] = {}
        makers: dict[str, Any] = {}
        for name in [p for p in form.get("pair", "").split(",") if p]:
            pair = self._pair_id(name)
            if pair is None:
                return self._error("EQuery:Unknown asset pair")
            taker_row = self.pairs[pair]["fees"][self.fee_tier]
            maker_row = self.pairs[pair]["fees_maker"][self.fee_tier]
            fees[pair] = {"fee": f"{taker_row[1]:.4f}", "tiervolume": f"{taker_row[0]:.4f}"}
            makers[pair] = {"fee": f"{maker_row[1]:.4f}", "tiervolume": f"{maker_row[0]:.4f}"}
        return self._ok(
            {"currency": "ZUSD", "volume": "0.0000", "fees": fees, "fees_maker": makers}
        )

    # ------------------------------------------------------------------ balances

    async def _balance(self, form: dict[str, str]) -> web.Response:
        return self._ok({a: _fmt(q) for a, q in self.balances.items()})

    async def _balance_ex(self, form: dict[str, str]) -> web.Response:
        result = {
            a: {"balance": _fmt(q), "hold_trade": _fmt(q - self.free(a))}
            for a, q in self.balances.items()
        }
        return self._ok(result)
