"""Typed answers to commands: one model per answer, tagged by ``kind``.

A :class:`~core.views.CommandResult` carries at most one of these in ``data``. In process it is
the model itself; over the control socket it travels as the model's JSON (with its ``kind``)
and :class:`~core.views.CommandResult` validates it back, so a client reads fields by name and
a renamed field fails where it is parsed, not in a modal that indexes a dict by hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from core.candles import ChartView
from core.execution.history import ExecutionHistoryView
from core.execution.planrun import PlanProgress
from core.models import BookSnapshot, Model, Order, Side, TradingMode, UtcDatetime

__all__ = [
    "Answer",
    "BookAnswer",
    "ExecutionHistoryView",
    "HoldingsImportSummary",
    "OrderList",
    "PlanPreview",
    "PlanProgress",
    "PlanRunReport",
    "PreviewOrder",
    "PricesImportSummary",
]


class PreviewOrder(Model):
    """One order of a plan preview, in the order it would be sent (sells first)."""

    seq: int
    venue: str
    symbol: str
    side: Side
    qty: Decimal
    limit: Decimal
    usd: Decimal
    """Notional in USD, to the cent."""


class PlanPreview(Model):
    """What executing a plan would do: what the operator confirms (``PreviewPlan``)."""

    kind: Literal["plan_preview"] = "plan_preview"
    plan_id: str
    mode: TradingMode
    orders: tuple[PreviewOrder, ...]
    sells: int
    buys: int
    notional_usd: Decimal
    portfolio_pct: Decimal
    """Notional as a share of the portfolio, in percent."""
    fees_usd: Decimal
    slippage_usd: Decimal
    expires_at: UtcDatetime
    indicative: int = 0
    """Orders of the plan priced without a live book: never sent, only counted."""


class OrderList(Model):
    """The orders the core knows (``ListOrders``), oldest first."""

    kind: Literal["order_list"] = "order_list"
    mode: TradingMode
    orders: tuple[Order, ...]
    include_final: bool = False
    """False: only orders still working; True: every stored order."""


class BookAnswer(Model):
    """A venue's current order book for one market (``GetBook``); None until it has one."""

    kind: Literal["book"] = "book"
    venue: str
    symbol: str
    book: BookSnapshot | None = None


class PlanRunReport(Model):
    """``cockpit execute-plan --json``: the preview and what came of it, as one document."""

    preview: PlanPreview
    executed: bool
    outcome: Literal["nothing to do", "cancelled", "refused", "done"]
    status: PlanProgress | None = None
    """The run's final progress, when it ran."""
    message: str = ""
    """Why it was refused, when it was."""


class ImportedFile(Model):
    """What one file of an import contributed (``cockpit import cointracking --json``)."""

    path: str
    kind: str
    rows: int
    zero_rows_dropped: int
    negative_rows_kept: int
    file_total_usd: Decimal


class HoldingsImportSummary(Model):
    """An account of a CoinTracking import (``ImportHoldings``, ``--dry-run``): what it holds
    and, once saved, its id and database."""

    kind: Literal["holdings_import"] = "holdings_import"
    as_of: UtcDatetime
    taxonomy_version: str
    files: tuple[ImportedFile, ...]
    holdings: int
    assets: int
    total_usd: Decimal
    shown: int
    """Assets over the dust threshold."""
    dust_hidden: int
    dust_usd: Decimal
    unpriced: int
    unmapped_labels: tuple[str, ...]
    guessed_groups: tuple[str, ...]
    dead: tuple[str, ...]
    import_id: int | None = None
    """None for a dry run (nothing saved)."""
    db: str | None = None


class AssetCloses(Model):
    """How many daily closes of one asset a price import stored, and their span."""

    days: int
    first: str | None
    last: str | None


class PricesImportSummary(Model):
    """An account of ``cockpit import prices`` (``ImportPrices``)."""

    kind: Literal["prices_import"] = "prices_import"
    file: str
    db: str
    source: str
    closes: int
    assets: dict[str, AssetCloses]


Answer = Annotated[
    PlanPreview
    | OrderList
    | BookAnswer
    | PlanProgress
    | ExecutionHistoryView
    | ChartView
    | HoldingsImportSummary
    | PricesImportSummary,
    Field(discriminator="kind"),
]
"""Every typed answer a command may carry."""
