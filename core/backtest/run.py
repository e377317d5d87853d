"""``run_backtest``: a target set over a price history, with its benchmarks, in one call.

The strategy and three benchmarks run on the same rows with the same cash and costs:

    hold          the strategy's initial weights, bought at the first close and held
    equal_weight  every asset of the target set at an equal weight, rebalanced monthly
    btc           BTC alone, bought at the first close and held (when the history has BTC)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from core.backtest.engine import Path, TargetSource, simulate
from core.backtest.metrics import equity_metrics
from core.backtest.models import (
    BacktestConventions,
    BacktestReport,
    BacktestResult,
    BacktestSettings,
)
from core.backtest.rules import RebalanceRule, parse_rule
from core.errors import DataError
from core.risk.history import FloatArray, IntArray, PriceHistory, resolve_benchmark
from core.risk.settings import RiskConfig

WEIGHT_SUM_TOLERANCE = 1e-6
"""How far from 1 the target weights may sum (rounding in a hand-written file)."""

CONVENTION_RULES: tuple[str, ...] = (
    "rows are the price rows: timestamps with at least one close; an asset without a close at"
    " a row is valued at its last close and not traded there",
    "start with cash only; the first rebalance is at the first close",
    "hold = the first rebalance only; monthly = the first row of each calendar month (UTC);"
    " every:N = every N rows from the first; bands:X = whenever the weight of an asset with a"
    " close is more than X (absolute) from its target",
    "orders execute at the close of their row; each asset is sized to target weight x"
    " portfolio value at that close (positions at their last close plus cash)",
    "sells first, then buys from the smallest to the largest; a buy lacking cash is cut to"
    " the cash left, and later buys find none",
    "fees = rate x traded notional, taken from cash; slippage moves the fill price by bps"
    " against the order (buys above, sells below the close); orders below min_trade USD are"
    " skipped",
    "equity = cash + positions at their last close, after the row's orders",
    "turnover = traded notional (buys and sells, first rebalance included) / mean equity",
    "metrics: the risk engine's figures on the equity curve (core/risk/CONVENTIONS.md); no"
    " return spans a gap in the rows",
    "same as vectorbt Portfolio.from_orders(size_type='targetpercent', group_by=True,"
    " cash_sharing=True, call_seq='auto', fees=rate, slippage=bps/1e4)",
    "benchmarks on the same rows, cash and costs: hold (initial weights held), equal_weight"
    " (equal weights, monthly), btc (BTC alone, held)",
)


def check_weights(
    history: PriceHistory, weights: Mapping[str, float], source: str | None = None
) -> dict[str, float]:
    """Target weights by column of ``history``: known symbols (exactly, or by base asset:
    ``BTC`` finds ``BTC-USD``), non-negative, summing to 1. ``source`` names the weights file
    in errors."""
    if not weights:
        raise DataError("no target weights", path=source)
    out: dict[str, float] = {}
    for symbol, w in weights.items():
        column = resolve_benchmark(history.symbols, symbol)
        if column is None:
            known = ", ".join(history.symbols[:12]) + (", ..." if len(history.symbols) > 12 else "")
            raise DataError(f"unknown symbol {symbol!r}: the prices have {known}", path=source)
        if not (math.isfinite(w) and w >= 0):
            raise DataError(f"weight of {symbol} must be a number >= 0, not {w}", path=source)
        if column in out:
            raise DataError(f"{symbol!r} and another key are both {column}", path=source)
        out[column] = float(w)
    total = sum(out.values())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise DataError(f"weights sum to {total:.10g}, not 1", path=source)
    return out


def price_rows(history: PriceHistory) -> IntArray:
    """Indices of grid rows with at least one close (the backtest's rows)."""
    return np.flatnonzero(~np.isnan(history.closes).all(axis=1)).astype(np.int64)


def weighted_closes(history: PriceHistory, symbols: Sequence[str]) -> tuple[IntArray, FloatArray]:
    """The backtest's rows (:func:`price_rows`) and the closes of ``symbols`` on them."""
    rows = price_rows(history)
    cols: list[int] = []
    for s in symbols:
        col = history.column(s)
        if col is None:
            raise DataError(f"unknown symbol {s!r}")
        cols.append(col)
    return rows, np.asarray(history.closes[np.ix_(rows, np.array(cols, dtype=np.int64))])


def run_backtest(
    history: PriceHistory,
    weights: Mapping[str, float],
    rebalance: str | RebalanceRule = "hold",
    settings: BacktestSettings | None = None,
    *,
    risk: RiskConfig | None = None,
    targets: TargetSource | None = None,
    benchmarks: bool = True,
    name: str = "strategy",
    source: str | None = None,
) -> BacktestReport:
    """Backtest ``weights`` (symbol -> fraction, summing to 1) over ``history``.

    ``rebalance`` is a rule (``hold``, ``monthly``, ``every:N``, ``bands:X``); ``targets``,
    when given, supplies the weights at each rebalance row instead (a plan preset), with
    ``weights`` the initial ones. ``source`` names the weights file in errors. The
    conventions are in :data:`CONVENTION_RULES`.
    """
    settings = settings or BacktestSettings()
    rule = parse_rule(rebalance) if isinstance(rebalance, str) else rebalance
    w = check_weights(history, weights, source)
    symbols = tuple(w)
    rows, closes = weighted_closes(history, symbols)
    if rows.size == 0:
        raise DataError("the prices have no close at all")
    times = history.times[rows]
    btc_symbol = resolve_benchmark(history.symbols, risk.benchmark if risk else "BTC")
    btc = None if btc_symbol is None else weighted_closes(history, [btc_symbol])[1][:, 0]
    fixed = np.array([w[s] for s in symbols])

    def result(label: str, path: Path, names: tuple[str, ...]) -> BacktestResult:
        return _result(label, names, times, path, history.bar_seconds, btc, risk)

    strategy = simulate(closes, times, targets or (lambda _row: fixed), rule, settings)
    out = {}
    notes: list[str] = []
    if benchmarks:
        hold = simulate(closes, times, lambda _row: fixed, RebalanceRule("hold"), settings)
        out["hold"] = result("hold", hold, symbols)
        equal = np.full(len(symbols), 1.0 / len(symbols))
        ew = simulate(closes, times, lambda _row: equal, RebalanceRule("monthly"), settings)
        out["equal_weight"] = result("equal_weight", ew, symbols)
        if btc is not None and btc_symbol is not None:
            alone = simulate(
                btc[:, None], times, lambda _row: np.ones(1), RebalanceRule("hold"), settings
            )
            out["btc"] = result("btc", alone, (btc_symbol,))
        else:
            notes.append("no BTC column in the prices: the btc benchmark is left out")
    conventions = BacktestConventions(
        start_cash=settings.cash,
        fee_rate=settings.fee_rate,
        slippage_bps=settings.slippage_bps,
        min_trade=settings.min_trade,
        rebalance=rule.spec,
        bar=history.bar,
        rules=CONVENTION_RULES,
    )
    return BacktestReport(
        strategy=result(name, strategy, symbols),
        benchmarks=out,
        conventions=conventions,
        notes=tuple(notes),
    )


def _result(
    name: str,
    symbols: tuple[str, ...],
    times: IntArray,
    path: Path,
    bar_seconds: int,
    btc: FloatArray | None,
    risk: RiskConfig | None,
) -> BacktestResult:
    mean_equity = float(path.equity.mean())
    traded = float(path.orders.notional.sum())
    return BacktestResult(
        name=name,
        symbols=symbols,
        times=times,
        equity=path.equity,
        cash=path.cash,
        orders=path.orders,
        rebalance_rows=path.rebalance_rows,
        metrics=equity_metrics(times, path.equity, bar_seconds, btc, risk),
        turnover=traded / mean_equity if mean_equity > 0 else math.nan,
        bar_seconds=bar_seconds,
    )
