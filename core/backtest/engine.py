"""The path of one portfolio through the price rows: rebalances, equity, orders.

Between two rebalances nothing trades, so the equity of a whole stretch is one matrix-vector
product (cash + marks @ positions); the work is in :func:`core.backtest.kernel.rebalance`, once
per rebalance. For ``bands:X`` the next rebalance row is found by scanning the drift of the
held weights ahead in growing blocks, so a quiet market costs a few vector operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.backtest.kernel import rebalance
from core.backtest.models import BacktestSettings, Orders
from core.backtest.rules import RebalanceRule, calendar_rows
from core.risk.history import FloatArray, IntArray

TargetSource = Callable[[int], FloatArray]
"""Target weights (A,) to rebalance to at a row; called only at rebalance rows."""

_Part = tuple[int, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]
"""Orders of one rebalance: row, assets, shares, prices, notionals, fees."""

_FIRST_SCAN = 32
"""Rows scanned for a band breach at first; the block doubles while none is found."""


@dataclass(frozen=True, eq=False)
class Path:
    """Arrays of one simulated portfolio (see :class:`core.backtest.models.BacktestResult`)."""

    equity: FloatArray
    cash: FloatArray
    orders: Orders
    rebalance_rows: IntArray


def forward_marks(closes: FloatArray) -> FloatArray:
    """Each asset's last known close at each row (NaN before its first close)."""
    t = closes.shape[0]
    idx = np.where(np.isnan(closes), 0, np.arange(t)[:, None])
    np.maximum.accumulate(idx, axis=0, out=idx)
    marks = np.take_along_axis(closes, idx, axis=0)
    return np.asarray(marks)


def _segment_equity(marks: FloatArray, positions: FloatArray, cash: float) -> FloatArray:
    held = np.flatnonzero(positions)
    if held.size == 0:
        return np.full(marks.shape[0], cash)
    return np.asarray(cash + marks[:, held] @ positions[held])


def _next_breach(
    closes: FloatArray,
    marks: FloatArray,
    positions: FloatArray,
    cash: float,
    targets: FloatArray,
    band: float,
    start: int,
    check_every: int = 1,
) -> int:
    """First row >= ``start`` (and a multiple of ``check_every``) where an asset with a close
    there is more than ``band`` from its target weight; the row count if none is."""
    t = closes.shape[0]
    held = np.flatnonzero(positions)
    block = _FIRST_SCAN
    row = start
    while row < t:
        stop = min(t, row + block)
        m = marks[row:stop]
        values = m[:, held] * positions[held]
        total = cash + values.sum(axis=1)
        weights = np.zeros((stop - row, targets.shape[0]))
        weights[:, held] = values / total[:, None]
        drift = np.abs(weights - targets)
        drift[np.isnan(closes[row:stop])] = 0.0
        if check_every > 1:
            drift[np.arange(row, stop) % check_every != 0] = 0.0
        hit = np.flatnonzero((drift > band).any(axis=1))
        if hit.size:
            return row + int(hit[0])
        row = stop
        block *= 2
    return int(t)


def simulate(
    closes: FloatArray,
    times: IntArray,
    targets: TargetSource,
    rule: RebalanceRule,
    settings: BacktestSettings,
) -> Path:
    """Run one portfolio from ``settings.cash`` over ``closes`` (rows × assets, NaN allowed)
    at the price rows ``times`` (epoch seconds), rebalancing as ``rule`` says."""
    if rule.kind == "bands":
        marks = forward_marks(closes)
        return _run(closes, marks, targets, rule.band, settings, None, rule.every or 1)
    return _run(closes, forward_marks(closes), targets, 0.0, settings, calendar_rows(times, rule))


def simulate_rows(
    closes: FloatArray,
    targets: TargetSource,
    rows: IntArray,
    settings: BacktestSettings,
) -> Path:
    """Run one portfolio rebalancing exactly at ``rows`` (ascending)."""
    return _run(closes, forward_marks(closes), targets, 0.0, settings, np.asarray(rows))


def _run(
    closes: FloatArray,
    marks: FloatArray,
    targets: TargetSource,
    band: float,
    settings: BacktestSettings,
    fixed_rows: IntArray | None,
    check_every: int = 1,
) -> Path:
    """Rebalance at ``fixed_rows``, or (None) at row 0 and then at each ``band`` breach found
    on rows that are multiples of ``check_every``."""
    t, a = closes.shape
    equity = np.empty(t)
    cash_curve = np.empty(t)
    positions = np.zeros(a)
    cash = settings.cash
    parts: list[_Part] = []
    done: list[int] = []
    row = 0
    if fixed_rows is not None:  # all cash before the first rebalance
        row = int(fixed_rows[0]) if fixed_rows.size else t
        equity[:row] = cash
        cash_curve[:row] = cash
    i_fixed = 0
    while row < t:
        w = targets(row)
        q, c, fills = rebalance(
            positions[None, :],
            np.array([cash]),
            w[None, :],
            closes[row],
            marks[row],
            settings.fee_rate,
            settings.slippage,
            settings.min_trade,
        )
        done.append(row)
        positions, cash = q[0], float(c[0])
        if fills.filled.any():
            cols = np.flatnonzero(fills.filled[0]).astype(np.int64)
            shares = fills.shares[0, cols]
            # sells first, then buys, as they executed
            order = np.argsort(shares > 0, kind="stable")
            cols, shares = cols[order], shares[order]
            parts.append(
                (
                    row,
                    cols,
                    shares,
                    fills.notional[0, cols] / np.abs(shares),
                    fills.notional[0, cols],
                    fills.fees[0, cols],
                )
            )
        if fixed_rows is not None:
            i_fixed += 1
            nxt = int(fixed_rows[i_fixed]) if i_fixed < fixed_rows.size else t
        else:
            nxt = _next_breach(closes, marks, positions, cash, w, band, row + 1, check_every)
        equity[row:nxt] = _segment_equity(marks[row:nxt], positions, cash)
        cash_curve[row:nxt] = cash
        row = nxt
    return Path(equity, cash_curve, _collect(parts), np.asarray(done, dtype=np.int64))


def _collect(
    parts: list[_Part],
) -> Orders:
    if not parts:
        z = np.zeros(0)
        return Orders(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), z, z, z, z)
    rows = np.concatenate([np.full(p[1].size, p[0], dtype=np.int64) for p in parts])
    return Orders(
        row=rows,
        asset=np.concatenate([p[1] for p in parts]).astype(np.int64),
        shares=np.concatenate([p[2] for p in parts]),
        price=np.concatenate([p[3] for p in parts]),
        notional=np.concatenate([p[4] for p in parts]),
        fees=np.concatenate([p[5] for p in parts]),
    )
