"""Backtests of target weights over daily or hourly closes, with costs and benchmarks.

Vectorised numpy and sans-I/O: prices come in as a :class:`core.risk.history.PriceHistory`,
results go out as typed models. The execution model is vectorbt's
``Portfolio.from_orders(size_type="targetpercent", group_by=True, cash_sharing=True,
call_seq="auto")`` (the tests prove equality); the conventions are in
:data:`core.backtest.run.CONVENTION_RULES` and the README.

    rules    hold / monthly / every:N / bands:X
    kernel   one rebalance at one close, for many portfolios at once
    engine   one portfolio's path: rebalances, equity, orders
    metrics  the risk engine's figures on an equity curve
    run      run_backtest(): the strategy and its benchmarks
"""

from __future__ import annotations

from core.backtest.models import (
    BacktestConventions,
    BacktestReport,
    BacktestResult,
    BacktestSettings,
    EquityMetrics,
    Orders,
)
from core.backtest.rules import RebalanceRule, parse_rule
from core.backtest.run import CONVENTION_RULES, run_backtest

__all__ = [
    "CONVENTION_RULES",
    "BacktestConventions",
    "BacktestReport",
    "BacktestResult",
    "BacktestSettings",
    "EquityMetrics",
    "Orders",
    "RebalanceRule",
    "parse_rule",
    "run_backtest",
]
