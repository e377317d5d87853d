"""What the UI sees: immutable view models the core publishes, and the commands it accepts.

A :class:`CockpitState` is a complete picture at one instant. Sections are separate objects so
a client can skip re-rendering a section that did not change (same object in-process, equal
value over the daemon channel). Everything serialises to JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from core.answers import Answer
from core.candles import CandleTail, Timeframe
from core.errors import CockpitError
from core.models import (
    BookSnapshot,
    FeedHealth,
    Instrument,
    LogEvent,
    Model,
    Order,
    OrderRequest,
    Price,
    TradingMode,
    UtcDatetime,
)
from core.plan.models import PendingOrder, PlanOrder, PlanTotals, SkippedItem, TransferHint
from core.plan.outcome import PlanOutcome
from core.risk.forecast.views import ForecastView
from core.risk.models import LimitsReport, RiskReport


class HoldingRow(Model):
    asset: str
    group: str
    location_id: str
    tradable: bool
    qty: Decimal
    price: Price
    value: Decimal
    weight: float
    """Fraction of the total portfolio value."""
    change_24h: float | None = None
    """Fractional price change over 24 h, where known."""
    source: str = "venue"
    """Where the quantity came from (a venue name, an import, 'manual')."""
    as_of: UtcDatetime | None = None
    """When the source last reported the quantity."""
    cost_basis: Decimal | None = None
    """Average cost per unit in USD from the recorded fills on this row's venue, where known."""
    unrealised_pnl: Decimal | None = None
    """(price - cost_basis) x pnl_qty in USD; None without a cost basis or a price."""
    pnl_qty: Decimal | None = None
    """The part of ``qty`` the fills cover (the P&L is on this quantity only)."""
    pnl_complete: bool = True
    """False when the fills cover only part of the holding or of its history (partial P&L)."""
    custody: str | None = None
    """The location's custody (``core.models.Custody``): cold wallets are marked in the pane."""
    imported: bool = False
    """The quantity comes from an import (a snapshot of the past, with its as-of time)."""


class SourceTotal(Model):
    """What one holdings source contributes: a venue, an import, manual positions."""

    source: str
    value: Decimal
    rows: int
    as_of: UtcDatetime | None = None
    """The oldest as-of time among its rows (how old the source's figures are)."""
    imported: bool = False


class GroupTotal(Model):
    group: str
    value: Decimal
    weight: float


class HoldingsView(Model):
    as_of: UtcDatetime
    total: Decimal
    rows: tuple[HoldingRow, ...]
    groups: tuple[GroupTotal, ...]
    locations: tuple[GroupTotal, ...]
    """Totals per location id (``group`` holds the location id)."""
    stale_prices: int = 0
    history: tuple[float, ...] = ()
    """Total value (USD) sampled over the session, oldest first, for the sparkline."""
    sources: tuple[SourceTotal, ...] = ()
    """Value per holdings source (venues, the import, manual), largest first."""
    real: tuple[SourceTotal, ...] = ()
    """Paper mode: the real balances of the venues whose paper account the rows show,
    valued by the same prices; they are not traded and not in ``total``."""


class RiskView(Model):
    """The live risk pane: the full report and the limit gauges, as of a time."""

    as_of: UtcDatetime
    report: RiskReport
    limits: LimitsReport
    forecast: ForecastView | None = None
    """Forecast VaR/ES of the configured model with its backtest (``core/risk/forecast``)."""


class PlanGroupRow(Model):
    group: str
    current_pct: float
    target_pct: float
    drift_pct: float
    band_pct: float
    post_pct: float | None = None
    """Weight after the plan's orders, where a plan was built."""

    @property
    def out_of_band(self) -> bool:
        return abs(self.drift_pct) > self.band_pct


class PlanView(Model):
    as_of: UtcDatetime
    total: Decimal
    groups: tuple[PlanGroupRow, ...]
    turnover: Decimal = Decimal(0)
    """Notional that would need to trade to reach target (half the sum of |Δ|)."""
    plan_id: str | None = None
    """The saved plan this view shows; what ``ExecutePlan`` names."""
    expires_at: UtcDatetime | None = None
    preset: str = ""
    presets: tuple[str, ...] = ()
    """Target presets the pane can cycle through, in config order."""
    orders: tuple[PlanOrder, ...] = ()
    totals: PlanTotals | None = None
    skipped: int = 0
    transfers: int = 0
    skipped_items: tuple[SkippedItem, ...] = ()
    """Every piece that is not an order, with its reason (nothing is dropped silently)."""
    transfer_hints: tuple[TransferHint, ...] = ()
    """Holdings to move to a venue before they can be sold."""
    notes: tuple[str, ...] = ()
    stale: bool = False
    """Expired or priced at books that moved beyond the threshold: it cannot be sent."""
    stale_reasons: tuple[str, ...] = ()
    error: str | None = None
    """Why no plan could be built (e.g. invalid targets), shown instead of orders."""
    pending: tuple[PendingOrder, ...] = ()
    """Open orders the plan netted out (never proposed again)."""
    indicative: bool = False
    """Some orders are priced without a live book: those are never sent."""
    executed: bool = False
    """This plan has been sent to execution already (it runs once)."""
    outcome: PlanOutcome | None = None
    """The last executed plan's promise against outcome (that plan may not be this one)."""


class MarketRef(Model):
    venue: str
    symbol: str

    @property
    def key(self) -> str:
        return f"{self.venue}:{self.symbol}"


class CockpitState(Model):
    version: int
    ts: UtcDatetime
    mode: TradingMode
    venues: tuple[str, ...]
    session_id: int | None = None
    holdings: HoldingsView | None = None
    risk: RiskView | None = None
    plan: PlanView | None = None
    book: BookSnapshot | None = None
    market: MarketRef | None = None
    markets: tuple[MarketRef, ...] = ()
    events: tuple[LogEvent, ...] = ()
    feeds: tuple[FeedHealth, ...] = ()
    trading_enabled: bool = True
    trading_reason: str | None = None
    """Why trading is disabled (kill switch, reconciling, breaker), when it is."""
    kill_level: int = 0
    """0 armed, 1 paused, 2 open orders cancelled, 3 flattened (core.execution.safety)."""
    replay: bool = False
    chart: CandleTail | None = None
    """The selected market's newest 1-minute candles (the chart's live end)."""
    orders: tuple[Order, ...] = ()
    """Open orders (not final) on every trading venue, oldest first: the open-orders view."""
    instrument: Instrument | None = None
    """The selected market's tick, step, minimums and fees: the order ticket rounds to them."""


# --------------------------------------------------------------------------- commands


class SelectMarket(Model):
    kind: Literal["select_market"] = "select_market"
    venue: str
    symbol: str


class CycleMarket(Model):
    kind: Literal["cycle_market"] = "cycle_market"
    step: int = Field(default=1, ge=-1000, le=1000)


class RefreshRisk(Model):
    kind: Literal["refresh_risk"] = "refresh_risk"


class PlaceOrder(Model):
    """Place one order; it goes through the pre-trade gate like every other order."""

    kind: Literal["place_order"] = "place_order"
    request: OrderRequest


class CancelOrder(Model):
    kind: Literal["cancel_order"] = "cancel_order"
    venue: str
    symbol: str
    client_order_id: str


class CancelAll(Model):
    kind: Literal["cancel_all"] = "cancel_all"
    venue: str | None = None
    """Only this venue's open orders; every venue when None."""


class KillSwitch(Model):
    """Engage (cancel every open order, refuse new ones) or release the kill switch."""

    kind: Literal["kill_switch"] = "kill_switch"
    engage: bool = True
    reason: str = Field(default="", max_length=200)
    level: int | None = Field(default=None, ge=1, le=3)
    """Escalate to this level (1 pause, 2 cancel all, 3 flatten); one step when None."""


class AcknowledgeAudit(Model):
    """Accept a broken audit trail's breaks (an audited row names them) and re-anchor it, so
    trading paused at start-up by the break may resume. Operator only."""

    kind: Literal["acknowledge_audit"] = "acknowledge_audit"
    note: str = Field(default="", max_length=500)
    """Why, kept in the acknowledgement row."""


class RegeneratePlan(Model):
    kind: Literal["regenerate_plan"] = "regenerate_plan"
    preset: str | None = None
    """Switch to this target preset first; keep the current one when None."""


class ExecutePlan(Model):
    """Send the orders of a plan to execution. Refused if the plan is not the current one or
    has expired: the user confirmed what they saw, nothing else."""

    kind: Literal["execute_plan"] = "execute_plan"
    plan_id: str


class PreviewPlan(Model):
    """What executing a plan would do (orders, notional, fees, slippage, mode), for a
    confirmation; ``plan_id`` None builds a fresh current plan first."""

    kind: Literal["preview_plan"] = "preview_plan"
    plan_id: str | None = None


class AbortPlan(Model):
    """Stop placing the orders of running plans (orders in flight finish)."""

    kind: Literal["abort_plan"] = "abort_plan"


class PlaceEmulated(Model):
    """A client-side order type (stop, trailing stop, OCO, iceberg); each order it sends goes
    through the pre-trade gate (see ``core.execution.emulation``)."""

    kind: Literal["place_emulated"] = "place_emulated"
    type: Literal["stop", "trailing_stop", "oco", "iceberg"]
    request: OrderRequest
    trigger: Decimal | None = None
    trail: Decimal | None = None
    visible: Decimal | None = None


class ExecutionHistory(Model):
    """Fills with fees and slippage against the arrival mid, per plan (read from the store by
    the core; the answer's ``data`` is a :class:`~core.execution.history.ExecutionHistoryView`)."""

    kind: Literal["execution_history"] = "execution_history"
    limit: int = Field(default=2000, ge=1, le=100_000)
    """The newest fills to include."""


class ChartHistory(Model):
    """Candles of one market before the current minute (the answer's ``data`` is a
    ``core.candles.ChartView``); the live minutes follow in each state's ``chart``."""

    kind: Literal["chart_history"] = "chart_history"
    venue: str
    symbol: str
    timeframe: Timeframe = Timeframe.M1
    limit: int = Field(default=400, ge=1, le=5000)


class ListOrders(Model):
    """The orders the core knows; answered with a :class:`~core.answers.OrderList`."""

    kind: Literal["list_orders"] = "list_orders"
    include_final: bool = False
    """Also orders that are done (filled, cancelled, rejected, expired)."""


class GetBook(Model):
    """A venue's order book for one market; answered with a :class:`~core.answers.BookAnswer`."""

    kind: Literal["get_book"] = "get_book"
    venue: str
    symbol: str
    depth: int = Field(default=10, ge=1, le=1000)


class PlanStatus(Model):
    """How far a plan run has got; answered with a :class:`~core.answers.PlanProgress`."""

    kind: Literal["plan_status"] = "plan_status"
    plan_id: str


class ImportHoldings(Model):
    """Import CoinTracking CSV exports as one snapshot (``cockpit import cointracking``).

    The core holding the database reads the files (it runs as the operator's own user: the
    operator role is only granted to it), checks them whole, commits the import in one
    transaction and republishes the merged portfolio; a bad file fails with its
    ``file:line:column`` and writes nothing. Answered with a
    :class:`~core.answers.HoldingsImportSummary`.
    """

    kind: Literal["import_cointracking"] = "import_cointracking"
    files: tuple[str, ...] = Field(min_length=1, max_length=64)
    """Absolute paths of the exports, taken together as one snapshot."""
    as_of: UtcDatetime | None = None
    """Snapshot time; the date in a file name, else its mtime, when None."""
    allow_negative: bool = False
    """Keep negative amounts outside margin/futures/loan accounts."""


class ImportPrices(Model):
    """Store daily closes from a wide CSV (``cockpit import prices``); the core checks the
    whole file before writing, then reloads closes and risk. Answered with a
    :class:`~core.answers.PricesImportSummary`."""

    kind: Literal["import_prices"] = "import_prices"
    file: str
    """Absolute path of the CSV."""


Command = Annotated[
    SelectMarket
    | CycleMarket
    | RefreshRisk
    | PlaceOrder
    | CancelOrder
    | CancelAll
    | KillSwitch
    | AcknowledgeAudit
    | RegeneratePlan
    | ExecutePlan
    | PreviewPlan
    | AbortPlan
    | ExecutionHistory
    | ChartHistory
    | PlaceEmulated
    | ListOrders
    | GetBook
    | PlanStatus
    | ImportHoldings
    | ImportPrices,
    Field(discriminator="kind"),
]


class CommandResult(Model):
    """A command's outcome: ``ok`` and a message; a failure also carries its error's title and
    whether retrying may succeed; ``data`` is the typed answer where a command has one."""

    ok: bool
    message: str = ""
    title: str = ""
    """A failure's short title (the :class:`~core.errors.CockpitError`'s), '' on success."""
    retryable: bool = False
    """Whether the same command may succeed if sent again (transient trouble)."""
    data: Answer | None = None

    @classmethod
    def failure(cls, exc: Exception) -> CommandResult:
        """The result of a command that raised ``exc`` (title and retryable kept)."""
        if isinstance(exc, CockpitError):
            return cls(ok=False, message=str(exc), title=exc.title, retryable=exc.retryable)
        return cls(ok=False, message=str(exc), title="Refused")
