"""The REST half of a live venue: a ccxt *async* exchange behind cockpit's models and errors.

ccxt is imported lazily inside :meth:`CcxtRest._exchange` (it takes over a second to import and
the TUI's first frame must never wait for it). Every call goes through :meth:`CcxtRest._call`,
which maps ccxt's exceptions to :mod:`core.errors` (see :mod:`core.venues.errors`) and runs
ccxt under a local decimal context (ccxt rewrites the current one's rounding and traps).

URLs: ``rest_url`` replaces the scheme and host of every REST endpoint ccxt knows for the venue
(so tests and demos point it at a loopback server). Keys, when given, are handed to ccxt and to
nothing else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal, localcontext
from typing import Any, TypeVar
from urllib.parse import urlsplit

from core.errors import ExchangeError, OrderRejected, TradingDisabled
from core.models import Balance, Instrument, Location, Order, OrderRequest, SubAccount, utcnow
from core.venues.convert import (
    client_id_problem,
    dec,
    instrument_from_market,
    order_args,
    order_from_ccxt,
)
from core.venues.errors import DuplicateOrder, map_ccxt_error
from core.venues.secrets import Credentials, redact_in_logs

log = logging.getLogger(__name__)
T = TypeVar("T")

CCXT_IDS = {"kraken": "kraken", "binance": "binance"}
KRAKEN_EARN_SUFFIXES = (".S", ".M", ".F", ".B", ".P")
"""Kraken balance codes for staked / opt-in rewards / auto-earn / bonded / parachain funds."""


def _rebase(urls: Any, base: str) -> Any:
    """``urls`` with the scheme and host of every URL replaced by ``base``'s."""
    if isinstance(urls, dict):
        return {k: _rebase(v, base) for k, v in urls.items()}
    if isinstance(urls, str) and urls.startswith(("http://", "https://")):
        parts = urlsplit(urls)
        return base.rstrip("/") + urls[len(f"{parts.scheme}://{parts.netloc}") :]
    return urls


class CcxtRest:
    """One venue's REST API through ccxt; ``kind`` is ``kraken`` or ``binance``."""

    def __init__(
        self,
        venue: str,
        kind: str,
        *,
        rest_url: str | None = None,
        credentials: Credentials | None = None,
        timeout_s: float = 10.0,
        rate_limit: bool = True,
        markets: dict[str, Any] | None = None,
    ) -> None:
        if kind not in CCXT_IDS:
            raise ValueError(f"no ccxt venue for kind {kind!r}")
        self.venue = venue
        self.kind = kind
        self.rest_url = rest_url
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.rate_limit = rate_limit
        self.markets_loaded = False
        self.saved_markets = markets
        """ccxt markets saved from an earlier load (``markets()``): loading sends nothing."""
        self._sent: set[str] = set()
        """Client ids this adapter has sent (a retry looks them up before sending again)."""
        self.last_status: int | None = None
        """HTTP status of the latest REST response."""
        self._ccxt: Any = None
        self._venue_names: dict[str, str] | None = None

    def __repr__(self) -> str:
        keys = "with keys" if self.credentials else "public only"
        return f"CcxtRest({self.venue!r}, {self.kind!r}, {keys})"

    @property
    def can_trade(self) -> bool:
        return self.credentials is not None

    def _exchange(self) -> Any:
        if self._ccxt is None:
            import ccxt.async_support as ccxt_async  # lazy: slow import

            config: dict[str, Any] = {
                "enableRateLimit": self.rate_limit,
                "timeout": int(self.timeout_s * 1000),
                "options": {"warnOnFetchOpenOrdersWithoutSymbol": False},
            }
            if self.kind == "binance":
                config["options"].update(
                    {
                        "fetchMarkets": {"types": ["spot"]},
                        "fetchCurrencies": False,
                        "fetchMargins": False,
                    }
                )
            if self.credentials is not None:
                config["apiKey"] = self.credentials.key.get_secret_value()
                config["secret"] = self.credentials.secret.get_secret_value()
            exchange = getattr(ccxt_async, CCXT_IDS[self.kind])(config)
            if self.credentials is not None:
                redact_in_logs(exchange.logger, self.credentials)
            if self.rest_url:
                exchange.urls["api"] = _rebase(exchange.urls["api"], self.rest_url)
            exchange.on_rest_response = self._checked_response(exchange, ccxt_async)
            self._ccxt = exchange
        return self._ccxt

    def _checked_response(self, exchange: Any, ccxt_module: Any) -> Callable[..., Any]:
        """ccxt's response hook, made strict: a 2xx body that is not JSON is refused (some
        ccxt parsers would read it as an empty result, e.g. "no open orders"), and the
        status code is kept for telling HTTP 429 from other throttling."""
        original = exchange.on_rest_response

        def hook(
            code: Any, reason: Any, url: str, method: str, headers: Any, body: Any, *rest: Any
        ) -> Any:
            self.last_status = int(code) if code is not None else None
            if 200 <= (self.last_status or 0) < 300 and isinstance(body, str) and body.strip():
                try:
                    json.loads(body)
                except ValueError:
                    path = urlsplit(url).path
                    raise ccxt_module.BadResponse(
                        f"{method} {path}: HTTP {code} body is not valid JSON ({len(body)} bytes)"
                    ) from None
            return original(code, reason, url, method, headers, body, *rest)

        return hook

    async def _call(
        self, action: str, call: Callable[[Any], Awaitable[T]], *, placing: bool = False
    ) -> T:
        exchange = self._exchange()
        try:
            # ccxt's decimal_to_precision sets the *current* decimal context's rounding to
            # HALF_UP and traps Underflow, and never restores them: without a local context
            # every later Decimal operation of the caller (P&L, fills, quantities) would round
            # differently after the first order is placed.
            with localcontext():
                return await call(exchange)
        except Exception as exc:
            mapped = map_ccxt_error(
                exc, self.venue, action, exchange, placing=placing, status=self.last_status
            )
            if mapped is exc:
                raise
            raise mapped from None  # ccxt's exception text may carry request details

    def _need_keys(self, action: str) -> None:
        if self.credentials is None:
            raise TradingDisabled(
                f"{self.venue}: {action} needs API keys (set api_key_env/api_secret_env or "
                "secret_file in the venue's config)"
            )

    async def close(self) -> None:
        if self._ccxt is not None:
            await self._ccxt.close()
            self._ccxt = None

    # ------------------------------------------------------------------ instruments

    async def load_instruments(self) -> list[Instrument]:
        """Spot markets with tick, step, minimums and the venue's base fee rates."""

        async def load(ex: Any) -> dict[str, Any]:
            if self.saved_markets is not None:
                saved: dict[str, Any] = ex.set_markets(self.saved_markets)
                return saved
            if self.kind == "kraken":
                # AssetPairs alone: Kraken's asset list only adds currency precisions we do
                # not use, and costs a request.
                markets: dict[str, Any] = ex.set_markets(await ex.fetch_markets())
                return markets
            loaded: dict[str, Any] = await ex.load_markets()
            return loaded

        markets = await self._call("load markets", load)
        self.markets_loaded = True
        out = []
        for market in markets.values():
            inst = instrument_from_market(self.venue, market)
            if inst is not None:
                out.append(inst)
        if not out:
            raise ExchangeError(f"{self.venue}: the venue listed no tradable spot market")
        return sorted(out, key=lambda i: i.symbol)

    async def _markets(self) -> None:
        if not self.markets_loaded:
            await self.load_instruments()

    # ------------------------------------------------------------------ account

    def locations(self) -> list[Location]:
        """Spot (tradable) and earn/staked (not tradable) sub-accounts, ids ``<venue>:<sub>``."""
        title = self.kind.capitalize()
        return [
            Location(id=f"{self.venue}:spot", venue=self.venue, label=title),
            Location(
                id=f"{self.venue}:earn",
                venue=self.venue,
                sub_account=SubAccount.EARN,
                tradable=False,
                label=f"{title} Earn",
            ),
        ]

    def _split(self, ex: Any, code: str) -> tuple[str, SubAccount]:
        """A balance code as (unified asset, sub-account): Kraken ``DOT.S`` is staked DOT,
        Binance ``LDBTC`` is BTC in Simple Earn."""
        if self.kind == "kraken":
            if code.endswith(".HOLD"):  # fiat held for the account: spot money all the same
                return str(ex.safe_currency_code(code[:-5])), SubAccount.SPOT
            for suffix in KRAKEN_EARN_SUFFIXES:
                if code.endswith(suffix):
                    return str(ex.safe_currency_code(code[: -len(suffix)])), SubAccount.EARN
        if self.kind == "binance" and code.startswith("LD"):
            # LDBTC is BTC in Simple Earn; LDO (Lido) is a coin of its own.
            assets = self._assets(ex)
            if code not in assets and code[2:] in assets:
                return code[2:], SubAccount.EARN
        return code, SubAccount.SPOT

    @staticmethod
    def _assets(ex: Any) -> set[str]:
        """Every asset the venue's markets trade (bases and quotes)."""
        return {m["base"] for m in ex.markets.values()} | {m["quote"] for m in ex.markets.values()}

    async def fetch_balances(self) -> list[Balance]:
        """Every non-zero balance, spot and earn apart, stamped with the time it was read."""
        self._need_keys("balances")
        await self._markets()
        raw: dict[str, Any] = await self._call("balances", lambda ex: ex.fetch_balance())
        ex = self._exchange()
        now = utcnow()
        totals: dict[tuple[str, SubAccount], tuple[Decimal, Decimal]] = {}
        for code, total_value in (raw.get("total") or {}).items():
            total = dec(total_value)
            if not total:
                continue
            free = dec((raw.get("free") or {}).get(code))
            asset, sub = self._split(ex, code)
            old_total, old_free = totals.get((asset, sub), (Decimal(0), Decimal(0)))
            totals[(asset, sub)] = (
                old_total + total,
                old_free + (total if free is None else free),
            )
        return [
            Balance(
                location_id=f"{self.venue}:{sub.value}",
                asset=asset,
                total=total,
                free=free,
                ts=now,
                source=self.venue,
            )
            for (asset, sub), (total, free) in sorted(totals.items())
        ]

    # ------------------------------------------------------------------ execution

    async def submit(self, request: OrderRequest) -> Order:
        """Place ``request`` with its client order id as the venue's client id.

        Retrying is safe: a client id this adapter already sent is first looked up, and an
        order the venue holds is returned instead of being placed again (venues only refuse
        duplicate ids among *open* orders, so a filled first attempt would otherwise be
        doubled). A duplicate-id rejection is answered the same way.
        """
        self._need_keys("trading")
        problem = client_id_problem(self.kind, request.client_order_id)
        if problem is not None:
            raise OrderRejected(
                f"{self.venue}: client order id {request.client_order_id!r} refused: {problem}"
            )
        await self._markets()
        if request.client_order_id in self._sent:
            held = await self.fetch_order(request.client_order_id, request.symbol)
            if held is not None:
                log.info(
                    "%s: %s already placed; not sending it again", self.venue, held.client_order_id
                )
                return held
        kind, side, price, params = order_args(request)
        action = f"submit {request.client_order_id}"
        self._sent.add(request.client_order_id)
        try:
            raw: dict[str, Any] = await self._call(
                action,
                lambda ex: ex.create_order(
                    request.symbol, kind, side, str(request.qty), price, params
                ),
                placing=True,
            )
        except DuplicateOrder:
            existing = await self.fetch_order(request.client_order_id, request.symbol)
            if existing is None:
                raise
            log.info("%s: %s was already accepted; using it", self.venue, request.client_order_id)
            return existing
        try:
            return self._order(raw, request.symbol, request)
        except ValueError as exc:
            raise ExchangeError(f"{self.venue}: {action}: malformed response: {exc}") from None

    async def cancel(self, client_order_id: str, symbol: str) -> Order:
        """Cancel by client order id; returns the order as the venue then reports it.

        An order that filled (or ended otherwise) before the cancel arrived is refused by the
        venue as unknown (Binance -2011, Kraken ``EOrder:Unknown order``); it is returned as
        it ended rather than raised, so the caller learns of the fill. A refusal of an order
        that is still open, or unknown to the venue, is raised.
        """
        self._need_keys("trading")
        await self._markets()
        if self.kind == "binance":
            params = {"origClientOrderId": client_order_id}
        else:
            params = {"clientOrderId": client_order_id}
        try:
            await self._call(
                f"cancel {client_order_id}", lambda ex: ex.cancel_order(None, symbol, params)
            )
        except OrderRejected:
            ended = await self.fetch_order(client_order_id, symbol)
            if ended is None or not ended.status.is_final:
                raise
            log.info(
                "%s: %s ended as %s before the cancel",
                self.venue,
                client_order_id,
                ended.status.value,
            )
            return ended
        order = await self.fetch_order(client_order_id, symbol)
        if order is None:
            raise ExchangeError(f"{self.venue}: cancelled {client_order_id} but cannot find it")
        return order

    async def fetch_order(self, client_order_id: str, symbol: str) -> Order | None:
        """The venue's view of one order by our client id, ``None`` if it never saw it."""
        self._need_keys("order queries")
        await self._markets()
        import ccxt  # already imported by _exchange; cheap here

        action = f"fetch order {client_order_id}"
        if self.kind == "binance":
            params = {"origClientOrderId": client_order_id}

            async def one(ex: Any) -> list[dict[str, Any]]:
                try:
                    return [await ex.fetch_order(None, symbol, params)]
                except ccxt.OrderNotFound:
                    return []

            found = await self._call(action, one)
        else:

            async def search(ex: Any) -> list[dict[str, Any]]:
                query = {"cl_ord_id": client_order_id}
                opened: list[dict[str, Any]] = await ex.fetch_open_orders(None, None, None, query)
                if opened:
                    return opened
                closed: list[dict[str, Any]] = await ex.fetch_closed_orders(None, None, None, query)
                return closed

            found = await self._call(action, search)
        found = [o for o in found if o.get("clientOrderId") in (None, client_order_id)]
        if len(found) > 1:
            raise ExchangeError(
                f"{self.venue}: {len(found)} orders carry client id {client_order_id}"
            )
        return self._order(found[0], symbol) if found else None

    async def fetch_open_orders(self) -> list[Order]:
        self._need_keys("order queries")
        await self._markets()
        raw: list[dict[str, Any]] = await self._call(
            "fetch open orders", lambda ex: ex.fetch_open_orders()
        )
        return [self._order(o) for o in raw if o.get("clientOrderId")]

    def _order(
        self, raw: dict[str, Any], symbol: str | None = None, request: OrderRequest | None = None
    ) -> Order:
        """A ccxt order as an :class:`Order` under its unified symbol.

        ccxt names a market it cannot resolve by the venue's own pair name (Kraken reports
        ``descr.pair`` as the altname ``XBTUSD``, which ccxt maps only when it downloaded the
        markets itself): the symbol is then taken from the call (``symbol``) or looked up by
        the venue's id and altname, so an order always names the market it was placed on.
        """
        order = order_from_ccxt(self.venue, raw, request)
        markets: dict[str, Any] = self._exchange().markets or {}
        if order.symbol in markets:
            return order
        unified = symbol or self._by_venue_name().get(order.symbol)
        return order if unified is None else order.model_copy(update={"symbol": unified})

    def _by_venue_name(self) -> dict[str, str]:
        """Unified symbol by the venue's market id and altname (Kraken's ``XBTUSD``)."""
        markets: dict[str, Any] = self._exchange().markets or {}
        if self._venue_names is None and markets:  # (built once the markets are loaded)
            names: dict[str, str] = {}
            for unified, market in markets.items():
                for name in (
                    market.get("id"),
                    market.get("altname"),
                    market["info"].get("altname"),
                ):
                    if name:
                        names.setdefault(str(name), unified)
            self._venue_names = names
        return self._venue_names or {}

    async def fetch_fees(self, symbol: str) -> tuple[Decimal, Decimal]:
        """``(maker, taker)`` fee rates for ``symbol``: the account's own tier when keys are
        configured (Kraken ``TradeVolume``, Binance ``asset/tradeFee``), else the venue's
        published base schedule from the market data."""
        await self._markets()
        ex = self._exchange()
        if self.credentials is None:
            market = ex.market(symbol)
            maker, taker = dec(market.get("maker")), dec(market.get("taker"))
        else:
            fee: dict[str, Any] = await self._call(
                f"fees {symbol}", lambda ex: ex.fetch_trading_fee(symbol)
            )
            maker, taker = dec(fee.get("maker")), dec(fee.get("taker"))
        if maker is None or taker is None:
            raise ExchangeError(f"{self.venue}: no fee rates for {symbol}")
        return maker, taker

    async def spot_symbols(self) -> set[str]:
        """Unified symbols of the venue's spot markets (loads them if needed)."""
        markets = await self.markets()
        return {symbol for symbol, m in markets.items() if m.get("spot", True)}

    async def daily_candles(self, symbol: str, since_ms: int) -> list[list[Any]]:
        """Public daily candles of ``symbol`` from ``since_ms`` (``fetch_ohlcv``, no keys)."""
        rows: list[list[Any]] = await self._call(
            f"daily candles {symbol}", lambda ex: ex.fetch_ohlcv(symbol, "1d", since_ms)
        )
        return rows

    cache_bars = True
    """A venue's closed candles never change: the chart caches them (``core.venue_candles``)."""

    async def ohlcv(
        self, symbol: str, timeframe: str, since_ms: int, limit: int
    ) -> list[list[Any]]:
        """Public ``timeframe`` candles of ``symbol`` from ``since_ms`` (``fetch_ohlcv``)."""
        await self._markets()  # the venue's own market loader (ccxt's asks more of a venue)
        rows: list[list[Any]] = await self._call(
            f"{timeframe} candles {symbol}",
            lambda ex: ex.fetch_ohlcv(symbol, timeframe, since_ms, limit),
        )
        return rows

    async def markets(self) -> dict[str, Any]:
        """ccxt's market structures by unified symbol (loads them if needed); hand them to
        another adapter as ``markets=`` to skip the download."""
        await self._markets()
        markets: dict[str, Any] = self._exchange().markets
        return markets
