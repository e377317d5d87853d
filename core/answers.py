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
from core.pnl.performance import PerformanceView

__all__ = [
    "Answer",
    "BookAnswer",
    "ExecutionHistoryView",
    "OrderList",
    "PerformanceView",
    "PlanPreview",
    "PlanProgress",
    "PlanRunReport",
    "PreviewOrder",
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


Answer = Annotated[
    PlanPreview
    | OrderList
    | BookAnswer
    | PlanProgress
    | ExecutionHistoryView
    | ChartView
    | PerformanceView,
    Field(discriminator="kind"),
]
"""Every typed answer a command may carry."""
