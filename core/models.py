"""Frozen value types shared by the core, the store, the daemon channel and the UI.

Prices and quantities are :class:`~decimal.Decimal`, never floats; timestamps are timezone-aware
UTC. Every model is immutable, so a snapshot handed to the UI can never change under it, and
serialises to JSON (``model_dump_json``) for the store and the daemon's control channel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

ZERO = Decimal(0)


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_utc)]


def utcnow() -> datetime:
    """The current time, aware and in UTC."""
    return datetime.now(UTC)


class Model(BaseModel):
    """Base of every value type: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- enums


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for buys, -1 for sells: the direction of the base-asset position change."""
        return 1 if self is Side.BUY else -1


class TradingMode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"
    POST_ONLY = "post_only"
    IOC = "ioc"


class OrderStatus(StrEnum):
    NEW = "new"
    SUBMITTED = "submitted"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in _FINAL_STATUSES


_FINAL_STATUSES = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


class FeedState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RESYNCING = "resyncing"
    STALE = "stale"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


class BookIntegrity(StrEnum):
    """How far a book can be trusted: only ``VERIFIED`` books may be traded against."""

    VERIFIED = "verified"
    RESYNCING = "resyncing"
    STALE = "stale"
    UNVERIFIED = "unverified"


class Custody(StrEnum):
    EXCHANGE = "exchange"
    SOFTWARE_WALLET = "software_wallet"
    DEFI = "defi"
    COLD = "cold"
    MANUAL = "manual"


class SubAccount(StrEnum):
    SPOT = "spot"
    EARN = "earn"
    STAKED = "staked"
    FUNDING = "funding"
    FUTURES = "futures"
    MARGIN = "margin"
    WALLET = "wallet"


class PriceSource(StrEnum):
    """Where a price came from, strongest first."""

    BOOK_MID = "book_mid"
    LAST_TRADE = "last_trade"
    TICKER = "ticker"
    CACHED = "cached"
    IMPORT = "import"
    CLOSE = "close"
    """The last stored daily close (``cockpit import prices``, venue OHLCV, the simulator)."""
    CONFIG = "config"
    NONE = "none"


class EventLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ALERT = "alert"
    ERROR = "error"


class EventKind(StrEnum):
    ORDER_SUBMITTED = "order_submitted"
    ORDER_ACKED = "order_acked"
    ORDER_FILLED = "order_filled"
    ORDER_PARTIAL = "order_partial"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REJECTED = "order_rejected"
    FEED = "feed"
    RISK = "risk"
    PLAN = "plan"
    SYSTEM = "system"
    ALERT = "alert"
    MARKET = "market"


# --------------------------------------------------------------------------- market data


class Instrument(Model):
    """A tradable market on a venue, with the increments every order must respect."""

    venue: str
    symbol: str = Field(description="Unified symbol, BASE/QUOTE, e.g. 'BTC/USDT'.")
    base: str
    quote: str
    price_tick: Decimal = Field(gt=0)
    qty_step: Decimal = Field(gt=0)
    min_qty: Decimal = ZERO
    min_notional: Decimal = ZERO
    maker_fee: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.001")
    venue_symbol: str | None = Field(default=None, description="The venue's own spelling.")

    @property
    def key(self) -> str:
        return f"{self.venue}:{self.symbol}"

    def round_price(self, price: Decimal) -> Decimal:
        """Round a price down onto the tick grid."""
        return (price / self.price_tick).to_integral_value(rounding="ROUND_FLOOR") * self.price_tick

    def round_qty(self, qty: Decimal) -> Decimal:
        """Round a quantity down onto the step grid (never up: never sell more than held)."""
        return (qty / self.qty_step).to_integral_value(rounding="ROUND_FLOOR") * self.qty_step


class BookLevel(Model):
    price: Decimal
    qty: Decimal


class BookSnapshot(Model):
    """An immutable top-of-book picture for display and planning; bids high→low, asks low→high."""

    venue: str
    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    ts: UtcDatetime
    integrity: BookIntegrity = BookIntegrity.UNVERIFIED
    sequence: int | None = None

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return (self.bids[0].price + self.asks[0].price) / 2

    @property
    def spread(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return self.asks[0].price - self.bids[0].price

    @property
    def is_crossed(self) -> bool:
        return bool(self.bids and self.asks and self.bids[0].price >= self.asks[0].price)


class Trade(Model):
    """A public trade print; ``side`` is the taker's side."""

    venue: str
    symbol: str
    price: Decimal
    qty: Decimal
    side: Side
    ts: UtcDatetime
    trade_id: str | None = None


class FeedHealth(Model):
    """How a venue's market-data feed is doing, for the status line and the breakers."""

    venue: str
    state: FeedState
    last_message_ts: UtcDatetime | None = None
    messages_per_s: float = 0.0
    checksum_failures: int = 0
    gaps: int = 0
    resyncs: int = 0
    reconnects: int = 0
    clock_offset_ms: float | None = None
    stale_symbols: tuple[str, ...] = ()
    resyncing_symbols: tuple[str, ...] = ()
    """Symbols whose book awaits a fresh snapshot (after a detected fault or a reconnect)."""
    detail: str | None = None
    """What the operator should know about the venue beyond its feed (e.g. no API keys)."""

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the last message, or None if none arrived yet."""
        if self.last_message_ts is None:
            return None
        return max(0.0, (now - self.last_message_ts).total_seconds())


# --------------------------------------------------------------------------- portfolio


class Location(Model):
    """Where a holding sits: a venue sub-account or a wallet, and whether we can trade there."""

    id: str = Field(description="Stable registry id, e.g. 'kraken:spot' or 'ledger:cold'.")
    venue: str
    sub_account: SubAccount = SubAccount.SPOT
    custody: Custody = Custody.EXCHANGE
    tradable: bool = True
    label: str | None = None


class Balance(Model):
    """An asset balance at one location as the source reported it."""

    location_id: str
    asset: str
    total: Decimal
    free: Decimal
    ts: UtcDatetime
    source: str = "venue"


class Price(Model):
    """A USD price with its provenance: where it came from and when."""

    asset: str
    value: Decimal | None
    source: PriceSource
    ts: UtcDatetime | None = None
    stale: bool = False
    detail: str | None = Field(
        default=None,
        description="How the price was derived, e.g. 'BTC/USDT mid on kraken × USDT 0.9998'.",
    )


class Holding(Model):
    """A position in one asset at one location, valued at a price with provenance."""

    asset: str
    location_id: str
    qty: Decimal
    price: Price
    group: str
    source: str = "venue"
    as_of: UtcDatetime | None = None

    @property
    def value(self) -> Decimal:
        if self.price.value is None:
            return ZERO
        return self.qty * self.price.value


# --------------------------------------------------------------------------- orders


class OrderRequest(Model):
    """What the user (or a plan) asks for; the gate checks it before anything else sees it."""

    client_order_id: str
    venue: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal = Field(gt=0)
    price: Decimal | None = None
    plan_id: str | None = None
    reason: str | None = None
    indicative: bool = False
    """From a plan order priced without a live book: the gate refuses it."""


class Order(Model):
    """The current state of one order, as the order manager knows it."""

    client_order_id: str
    venue: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None
    status: OrderStatus
    filled_qty: Decimal = ZERO
    avg_price: Decimal | None = None
    fee_paid: Decimal = ZERO
    exchange_order_id: str | None = None
    created_ts: UtcDatetime
    updated_ts: UtcDatetime
    arrival_mid: Decimal | None = None
    plan_id: str | None = None
    reason: str | None = None

    @classmethod
    def from_request(
        cls,
        request: OrderRequest,
        status: OrderStatus,
        *,
        venue: str | None = None,
        exchange_order_id: str | None = None,
        arrival_mid: Decimal | None = None,
    ) -> Order:
        """A new order for ``request``, stamped now (the one place requests become orders)."""
        now = utcnow()
        return cls(
            client_order_id=request.client_order_id,
            venue=venue or request.venue,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            qty=request.qty,
            price=request.price,
            status=status,
            exchange_order_id=exchange_order_id,
            created_ts=now,
            updated_ts=now,
            arrival_mid=arrival_mid,
            plan_id=request.plan_id,
            reason=request.reason,
        )

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled_qty


class Fill(Model):
    """One execution against an order."""

    client_order_id: str
    venue: str
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    fee_asset: str
    liquidity: Liquidity
    ts: UtcDatetime
    trade_id: str


class LogEvent(Model):
    """One line of the execution log: order lifecycle, alerts, feed and system events."""

    ts: UtcDatetime
    kind: EventKind
    level: EventLevel = EventLevel.INFO
    message: str
    venue: str | None = None
    symbol: str | None = None
    client_order_id: str | None = None
    side: Side | None = None
    qty: Decimal | None = None
    price: Decimal | None = None
    fee: Decimal | None = None
    slippage_bps: float | None = None
    latency_ms: float | None = None


Mode = Literal["paper", "live"]
