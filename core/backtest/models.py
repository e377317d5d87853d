"""Typed inputs and results of the backtest engine.

:class:`BacktestSettings` is what a run is given besides prices and targets (cash, costs);
:class:`BacktestResult` is one simulated portfolio (the strategy or a benchmark) with its equity
curve, orders and figures; :class:`BacktestReport` is a strategy with its benchmarks and the
conventions they follow. Arrays stay numpy arrays (a result can hold a million orders); the
JSON document is built by :meth:`BacktestReport.to_json_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ConfigDict, Field

from core.models import Model
from core.risk.history import DAY, FloatArray, IntArray, to_datetime
from core.risk.models import TailTable


class BacktestSettings(Model):
    """Cash and costs of a backtest (the same for the strategy and its benchmarks)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    cash: float = Field(default=10_000.0, gt=0, description="Starting cash, USD.")
    fee_rate: float = Field(
        default=0.0, ge=0, lt=1, description="Fee as a fraction of traded notional, from cash."
    )
    slippage_bps: float = Field(
        default=0.0,
        ge=0,
        lt=10_000,
        description="Fill price this many bps worse than the close (buys above, sells below).",
    )
    min_trade: float = Field(
        default=0.0, ge=0, description="Orders below this notional (USD at the close) are skipped."
    )

    @property
    def slippage(self) -> float:
        """Slippage as a fraction of the price."""
        return self.slippage_bps / 10_000


class EquityMetrics(Model):
    """The risk engine's figures on an equity curve (see ``core/risk/CONVENTIONS.md``)."""

    n_observations: int
    annualization: int | float
    volatility: float | None
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float | None
    var: TailTable
    cvar: TailTable
    beta_btc: float | None


class BacktestConventions(Model):
    """How a backtest was run; travels in every JSON document."""

    start_cash: float
    fee_rate: float
    slippage_bps: float
    min_trade: float
    rebalance: str
    bar: str
    rules: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Orders:
    """Filled orders, one entry each: row by row, the sells before the buys, each in column
    order (within a row the buys ran from the smallest to the largest)."""

    row: IntArray
    asset: IntArray
    shares: FloatArray
    """Signed: positive bought, negative sold."""
    price: FloatArray
    """Fill price (the close, with slippage)."""
    notional: FloatArray
    fees: FloatArray

    def __len__(self) -> int:
        return int(self.row.shape[0])


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """One simulated portfolio over the price rows."""

    name: str
    symbols: tuple[str, ...]
    times: IntArray
    """Epoch seconds of the price rows."""
    equity: FloatArray
    """Portfolio value at each row's close, after that row's orders."""
    cash: FloatArray
    orders: Orders
    rebalance_rows: IntArray
    """Rows where the rule asked for a rebalance (whether or not anything was traded)."""
    metrics: EquityMetrics
    turnover: float
    """Traded notional (buys and sells, the first rebalance included) over mean equity."""
    bar_seconds: int = DAY

    @property
    def final_value(self) -> float:
        return float(self.equity[-1])

    @property
    def total_fees(self) -> float:
        return float(self.orders.fees.sum())

    @property
    def n_orders(self) -> int:
        return len(self.orders)

    def equity_points(self) -> list[list[Any]]:
        """``[[date, value], ...]``, one per price row (dates for daily bars, else ISO UTC)."""
        daily = self.bar_seconds % DAY == 0
        out: list[list[Any]] = []
        for t, v in zip(self.times.tolist(), self.equity.tolist(), strict=True):
            stamp = to_datetime(t)
            out.append(
                [stamp.date().isoformat() if daily else stamp.isoformat().replace("+00:00", "Z"), v]
            )
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "final_value": self.final_value,
            "total_fees": self.total_fees,
            "n_orders": self.n_orders,
            "turnover": self.turnover,
            "equity": self.equity_points(),
            "metrics": self.metrics.model_dump(mode="json"),
        }


@dataclass(frozen=True, eq=False)
class BacktestReport:
    """A strategy's backtest, its benchmarks run alongside, and the conventions."""

    strategy: BacktestResult
    benchmarks: dict[str, BacktestResult]
    conventions: BacktestConventions
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``cockpit backtest --json`` document (keys in the order the issue names)."""
        doc = self.strategy.to_json_dict()
        doc["benchmarks"] = {k: v.to_json_dict() for k, v in self.benchmarks.items()}
        doc["conventions"] = self.conventions.model_dump(mode="json")
        if self.notes:
            doc["notes"] = list(self.notes)
        return doc


def empty_orders() -> Orders:
    z = np.zeros(0)
    zi = np.zeros(0, dtype=np.int64)
    return Orders(zi, zi, z, z, z, z)
