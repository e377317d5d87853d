"""The command dispatch table: which core service carries out each client command.

Execution commands (orders, the kill switch, plan runs) go to the execution service first;
the rest go to the service named in :func:`core_commands`: market selection, book serving,
chart history, risk, imports and the planner. A command no service handles is answered "not
available yet". A command that changes what the book pane shows asks for a redraw.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core.analytics import Analytics
from core.chart_history import answer as chart_answer
from core.config import Settings
from core.errors import CockpitError
from core.execution.service import ExecutionService
from core.imports import run_import
from core.market_books import MarketBooks
from core.market_selection import MarketSelection
from core.plan_service import PlanService
from core.pnl.performance import answer as performance_answer
from core.ports import Venue
from core.store import Store
from core.venue_candles import VenueBars
from core.views import (
    ChartHistory,
    Command,
    CommandResult,
    CycleMarket,
    GetBook,
    ImportHoldings,
    ImportPrices,
    PerformanceReport,
    RefreshRisk,
    RegeneratePlan,
    SelectMarket,
)

Handler = Callable[[Any], Awaitable[CommandResult]]

REDRAWS: tuple[type[Any], ...] = (SelectMarket, CycleMarket, RefreshRisk)
"""Commands after which the book pane is redrawn (the market or the figures beside it moved)."""


def core_commands(
    selection: MarketSelection,
    books: MarketBooks,
    analytics: Analytics,
    plans: PlanService,
    store: Callable[[], Store | None],
    settings: Callable[[], Settings],
    venues: Mapping[str, Venue],
    venue_bars: VenueBars,
) -> dict[type[Any], Handler]:
    """The handlers of the commands that are not execution's."""

    async def select(command: SelectMarket) -> CommandResult:
        return selection.select(command)

    async def cycle(command: CycleMarket) -> CommandResult:
        return selection.cycle(command)

    async def book(command: GetBook) -> CommandResult:
        return books.answer(command)

    async def risk(_: RefreshRisk) -> CommandResult:
        await analytics.recompute_risk()
        return CommandResult(ok=True)

    async def chart(command: ChartHistory) -> CommandResult:
        return await chart_answer(
            command, store(), analytics.instruments, analytics.closes, venues, venue_bars
        )

    async def performance(_: PerformanceReport) -> CommandResult:
        # Valued as the holdings pane values them (one valuation).
        return await performance_answer(store(), settings(), analytics.service.holdings)

    async def imports(command: ImportHoldings | ImportPrices) -> CommandResult:
        # Parsed and committed here, in the core holding the database; then republished.
        return await run_import(command, store(), settings(), analytics.reload_inputs)

    async def plan(command: RegeneratePlan) -> CommandResult:
        try:
            return await plans.regenerate_plan(command.preset)
        except CockpitError as exc:
            return CommandResult.failure(exc)

    return {
        SelectMarket: select,
        CycleMarket: cycle,
        GetBook: book,
        RefreshRisk: risk,
        ChartHistory: chart,
        PerformanceReport: performance,
        ImportHoldings: imports,
        ImportPrices: imports,
        RegeneratePlan: plan,
    }


class CommandDispatch:
    """Routes a client's command to the service that carries it out."""

    def __init__(
        self,
        execution: Callable[[], ExecutionService | None],
        handlers: Mapping[type[Any], Handler],
        redraw: Callable[[], None],
    ) -> None:
        self._execution = execution
        self._handlers = handlers
        self._redraw = redraw

    async def dispatch(self, command: Command, *, actor: str) -> CommandResult:
        """Carry out ``command``; ``actor`` names the client in the audit trail."""
        execution = self._execution()
        handled = await execution.handle(command, actor=actor) if execution else None
        if handled is not None:
            return handled
        handler = self._handlers.get(type(command))
        if handler is None:
            return CommandResult(ok=False, message=f"{command.kind}: not available yet")
        result = await handler(command)
        if result.ok and isinstance(command, REDRAWS):
            self._redraw()
        return result
