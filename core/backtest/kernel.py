"""One rebalance at one close, for many portfolios at once (vectorised numpy).

This is the execution model of the backtest, the one of vectorbt's
``Portfolio.from_orders(size_type="targetpercent", group_by=True, cash_sharing=True,
call_seq="auto")``:

* the portfolio value ``V`` is cash plus every position at its last known close;
* each asset's order is ``w * V / price - position`` shares (the target weight of ``V``);
* orders run in ascending order of their value ``w * V - position * price``, so every sell
  comes before every buy and the largest buy comes last;
* a sell receives ``shares * price * (1 - slippage)`` less the fee on that notional;
* a buy costs ``shares * price * (1 + slippage)`` plus the fee; one that lacks cash is cut to
  the cash left (fee included), and later buys find no cash;
* an asset without a close at this row is not traded (its share of ``V`` stays in cash).

Amounts within vectorbt's tolerances (1e-9 relative, 1e-12 absolute) of zero count as zero, as
they do there, so the two agree on which orders exist. Rows of every array are portfolios
(configurations), columns assets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.risk.history import BoolArray, FloatArray

REL_TOL = 1e-9
ABS_TOL = 1e-12


def _close(a: FloatArray, b: FloatArray | float) -> BoolArray:
    """``|a - b| <= max(1e-9 * max(|a|, |b|), 1e-12)`` (vectorbt's ``is_close_nb``)."""
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.asarray(np.abs(a - b) <= np.maximum(REL_TOL * scale, ABS_TOL))


@dataclass(frozen=True, slots=True)
class Fills:
    """What one rebalance did, per portfolio and asset (zero where nothing was filled)."""

    shares: FloatArray
    """Signed shares filled: positive bought, negative sold."""
    notional: FloatArray
    """``|shares| * fill price`` (the fill price includes slippage)."""
    fees: FloatArray
    filled: BoolArray


def portfolio_value(positions: FloatArray, cash: FloatArray, marks: FloatArray) -> FloatArray:
    """Cash plus every held position at its mark (an unheld asset adds nothing, even unpriced)."""
    held = np.where(positions != 0, positions * marks, 0.0)
    return np.asarray(cash + held.sum(axis=1))


def rebalance(
    positions: FloatArray,
    cash: FloatArray,
    targets: FloatArray,
    close: FloatArray,
    marks: FloatArray,
    fee_rate: FloatArray | float,
    slippage: float = 0.0,
    min_notional: float = 0.0,
) -> tuple[FloatArray, FloatArray, Fills]:
    """Trade ``positions`` (K, A) and ``cash`` (K,) to ``targets`` (K, A) at this row's close.

    ``close`` (A,) is this row's close (NaN: no trade), ``marks`` (A,) the last known close of
    each asset (NaN before its first). ``fee_rate`` is a rate of traded notional, per
    portfolio or one for all; ``slippage`` a fraction of the price; orders below
    ``min_notional`` (USD at the close) are skipped. Returns new positions, cash and the fills.
    """
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN closes and marks are expected
        return _rebalance(positions, cash, targets, close, marks, fee_rate, slippage, min_notional)


def _rebalance(
    positions: FloatArray,
    cash: FloatArray,
    targets: FloatArray,
    close: FloatArray,
    marks: FloatArray,
    fee_rate: FloatArray | float,
    slippage: float,
    min_notional: float,
) -> tuple[FloatArray, FloatArray, Fills]:
    k, a = positions.shape
    fee = np.broadcast_to(np.asarray(fee_rate, dtype=np.float64), (k,))[:, None]
    value = portfolio_value(positions, cash, marks)
    target_value = targets * value[:, None]
    order = target_value / marks - positions
    # |order| <= 1e-12 is vectorbt's is_close(order, 0); NaN (no mark) fails every test
    tradable = (np.abs(order) > ABS_TOL) & np.isfinite(close) & (value > 0)[:, None]
    if min_notional > 0:
        tradable &= np.abs(order) * close >= min_notional
    sell = tradable & (order < 0)
    buy = tradable & (order > 0)

    # Sells first: they only add cash, so their order among themselves does not matter.
    sold = np.where(sell, -order, 0.0)
    proceeds = np.where(sell, sold * (close * (1.0 - slippage)), 0.0)
    sell_fees = proceeds * fee
    cash_after_sells = cash + (proceeds - sell_fees).sum(axis=1)
    cash_after_sells[np.abs(cash_after_sells) <= ABS_TOL] = 0.0

    # Buys in ascending order value (stable: ties keep column order), each from the cash left.
    buy_price = close * (1.0 + slippage)
    key = np.where(buy, target_value - positions * marks, np.inf)
    seq = np.argsort(key, axis=1, kind="stable")
    r = np.arange(k)[:, None]
    is_buy = buy[r, seq]
    wanted = np.where(is_buy, order[r, seq], 0.0)
    unit = np.where(is_buy, buy_price[seq], 0.0)
    cost = wanted * unit
    cost_fees = cost * fee
    total = cost + cost_fees
    available = cash_after_sells[:, None] - (np.cumsum(total, axis=1) - total)
    exact = _close(total, available)
    full = is_buy & ((total <= available) | exact)
    # A buy that empties the cash (within tolerance), or one cut short, stops the later buys.
    stops = is_buy & (~full | exact)
    stopped = np.zeros_like(stops)
    np.logical_or.accumulate(stops[:, :-1], axis=1, out=stopped[:, 1:])
    live = ~stopped & (available > ABS_TOL)
    partial = is_buy & ~full & live
    full &= live
    affordable = np.where(partial, available / (1.0 + fee), 0.0)
    bought_sorted = np.where(full, wanted, np.where(partial, affordable / unit, 0.0))
    paid_sorted = np.where(full, total, np.where(partial, available, 0.0))
    buy_fees_sorted = np.where(full, cost_fees, np.where(partial, available - affordable, 0.0))
    done = full | partial
    emptied = (stops & done).any(axis=1)
    cash_after = np.where(emptied, 0.0, cash_after_sells - paid_sorted.sum(axis=1))

    bought = np.zeros((k, a))
    buy_fees = np.zeros((k, a))
    bought_filled = np.zeros((k, a), dtype=bool)
    bought[r, seq] = bought_sorted
    buy_fees[r, seq] = buy_fees_sorted
    bought_filled[r, seq] = done

    shares = bought - sold
    # vectorbt's add_nb: a sell of (nearly) the whole position leaves exactly none
    new_positions = positions + shares
    new_positions[sell & _close(positions, sold)] = 0.0
    notional = np.where(sell, proceeds, np.where(bought_filled, bought * buy_price, 0.0))
    fills = Fills(
        shares=shares,
        notional=notional,
        fees=sell_fees + buy_fees,
        filled=sell | bought_filled,
    )
    return new_positions, np.asarray(cash_after), fills
