"""What the execution layer needs of the rest of the core, as small typed ports.

The order manager and the modules around it depend on these protocols, not on the core: a
trading venue (the execution and account ports of :mod:`core.ports`), the gate's view of
markets and the portfolio (:class:`~core.market_view.GateMarketView` over the running core,
a static one in tests), a sink for execution log events, the accounts whose balances the
portfolio shows, and the current plan. ``core.execution`` never imports the core that
composes it (an import-linter contract in ``pyproject.toml`` keeps it so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any, Protocol

from core.models import BookSnapshot, Instrument, LogEvent
from core.plan.models import Plan
from core.ports import AccountPort, ExecutionPort
from core.views import CommandResult


class TradingVenue(ExecutionPort, AccountPort, Protocol):
    """What the manager needs of a venue: execution and its account."""


class MarketView(Protocol):
    """What the gate reads about markets and the portfolio (the core provides it)."""

    def instrument(self, venue: str, symbol: str) -> Instrument | None: ...

    def book(self, venue: str, symbol: str) -> BookSnapshot | None: ...

    def usd_price(self, asset: str) -> Decimal | None: ...

    def portfolio_usd(self) -> Decimal: ...


EventSink = Callable[[LogEvent], None]


Spawn = Callable[[str, Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]
"""Start a named task the core supervises (and cancels when it stops)."""


class ShownAccounts(Protocol):
    """The accounts whose balances the portfolio shows; paper mode puts paper accounts in."""

    accounts: list[AccountPort]

    async def poll(self) -> None:
        """Read every account's balances again (the holdings follow a fill at once)."""
        ...


class CurrentPlan(Protocol):
    """The plan the operator sees (the plan pane's), the only one that may be executed."""

    def current_plan(self) -> Plan | None: ...

    async def regenerate_plan(self, preset: str | None = None) -> CommandResult:
        """Build a fresh plan on the live books and make it the current one."""
        ...
