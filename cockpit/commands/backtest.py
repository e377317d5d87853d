"""``cockpit backtest``: target weights over past closes, with costs and benchmarks.

    cockpit backtest --prices PRICES.csv --weights WEIGHTS.json
                     [--rebalance hold|monthly|every:N|bands:X] [--fees RATE]
                     [--slippage BPS] [--cash USD] [--min-trade USD] [--strategy PRESET]
                     [--json | --csv | --orders]
    cockpit backtest --sweep [--bands X,Y,..] [--periods N,M,..] [--fee-levels R,S,..]
                     [--sort METRIC] ...

PRICES.csv is the wide CSV ``cockpit risk`` reads (``date``, then one close column per
symbol); WEIGHTS.json maps symbol to weight (summing to 1). Without ``--prices`` the daily
closes stored in the cockpit's database are used (opened read-only), and without
``--weights`` the current portfolio's weights. The conventions are printed with ``--json``
and listed in the README. Bad input exits 1 with one line naming the file and the problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.backtest import BacktestReport
    from core.backtest.sweep import SweepResult
    from core.config import Settings
    from core.risk.history import PriceHistory


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="backtest target weights over past closes, after fees, against benchmarks",
        description="Simulate rebalancing to target weights over a wide CSV of closes (or the "
        "stored daily closes), with fees, slippage and a minimum trade, beside three "
        "benchmarks: the initial weights held, equal weights rebalanced monthly, and BTC.",
    )
    parser.add_argument("--prices", type=Path, help="wide CSV: date, then one close per symbol")
    parser.add_argument("--weights", type=Path, help="JSON object: symbol -> weight (sum 1)")
    parser.add_argument(
        "--rebalance",
        default="hold",
        metavar="RULE",
        help="hold | monthly | every:N (rows) | bands:X (absolute weight) (default: hold)",
    )
    parser.add_argument("--fees", type=float, default=0.0, metavar="RATE", help="fee rate")
    parser.add_argument("--slippage", type=float, default=0.0, metavar="BPS", help="in bps")
    parser.add_argument("--cash", type=float, default=10_000.0, metavar="USD", help="start cash")
    parser.add_argument(
        "--min-trade", type=float, default=0.0, metavar="USD", help="skip smaller orders"
    )
    parser.add_argument(
        "--strategy",
        metavar="PRESET",
        help="a plan preset (fixed, bands, monthly, regime, min-variance, max-sharpe, "
        "risk-parity, hrp, or one from the config) re-estimated at each rebalance",
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="run every combination of --bands x --periods x --fee-levels in one pass",
    )
    parser.add_argument("--bands", default="0,0.02,0.05,0.1", help="sweep: band widths")
    parser.add_argument("--periods", default="1,7,30", help="sweep: rows between checks")
    parser.add_argument("--fee-levels", default="0,0.001,0.0025", help="sweep: fee rates")
    parser.add_argument("--sort", default="sharpe", metavar="METRIC", help="sweep: sort key")
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="read closes (and weights) from this cockpit database instead of --prices",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--csv", action="store_true", help="print the equity curves as CSV")
    out.add_argument(
        "--orders", action="store_true", help="print the strategy's filled orders as CSV"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from core.backtest import BacktestSettings, parse_rule
    from core.errors import DataError

    try:
        settings = BacktestSettings(
            cash=args.cash,
            fee_rate=args.fees,
            slippage_bps=args.slippage,
            min_trade=args.min_trade,
        )
    except ValueError as exc:
        raise DataError(_first_problem(exc)) from None
    rule = parse_rule(args.rebalance)
    history, weights, source = _inputs(args)
    if args.sweep:
        if args.strategy:
            raise DataError("--sweep runs the weights as given: drop --strategy")
        from core.backtest.sweep import SweepGrid, run_sweep

        grid = SweepGrid.parse(args.bands, args.periods, args.fee_levels)
        result = run_sweep(history, weights, grid, settings, source=source)
        _print_sweep(result, args.sort, args)
        return 0
    if args.strategy:
        from core.backtest.presets import run_preset

        report = run_preset(
            history, weights, args.strategy, rule, settings, _settings(args), source=source
        )
    else:
        from core.backtest import run_backtest

        report = run_backtest(history, weights, rule, settings, source=source)
    if args.json:
        import json

        sys.stdout.write(json.dumps(report.to_json_dict(), indent=2) + "\n")
    elif args.csv:
        sys.stdout.write(_equity_csv(report))
    elif args.orders:
        sys.stdout.write(_orders_csv(report))
    else:
        sys.stdout.write(format_report(report))
    return 0


def _first_problem(exc: ValueError) -> str:
    """A pydantic validation error as one line: the option and what is wrong."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError) and exc.errors():
        err = exc.errors()[0]
        option = {"fee_rate": "--fees", "slippage_bps": "--slippage", "min_trade": "--min-trade"}
        field = str(err["loc"][0]) if err["loc"] else ""
        return f"{option.get(field, '--' + field)}: {err['msg']}"
    return str(exc)


def _settings(args: argparse.Namespace) -> Settings:
    from core.config import load_settings

    return load_settings(args.config)


def _inputs(args: argparse.Namespace) -> tuple[PriceHistory, dict[str, float], str | None]:
    """Prices and weights from the files, or from the database."""
    from core.errors import DataError
    from core.risk.files import read_prices_csv, read_weights_json

    weights = read_weights_json(args.weights) if args.weights else None
    source = str(args.weights) if args.weights else None
    if args.prices is not None:
        if args.db is not None:
            raise DataError("give --prices or --db, not both")
        if weights is None:
            raise DataError("--prices needs --weights (symbol -> weight)")
        return read_prices_csv(args.prices), weights, source
    import asyncio

    from core.backtest.stored import check_database, stored_inputs
    from core.config import load_settings
    from core.models import utcnow

    settings = load_settings(args.config)
    path = args.db or settings.db_path()
    check_database(path)
    stored = asyncio.run(stored_inputs(path, settings, weights, utcnow()))
    return stored.history, stored.weights, source


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def format_report(report: BacktestReport) -> str:
    """A table: the strategy and each benchmark, one line each."""
    c = report.conventions
    s = report.strategy
    first, last = s.equity_points()[0][0], s.equity_points()[-1][0]
    lines = [
        f"Backtest {c.rebalance}, {len(s.times)} {c.bar} rows {first} to {last}; "
        f"cash {c.start_cash:,.0f}, fees {c.fee_rate:g}, slippage {c.slippage_bps:g} bps",
        "",
        f"  {'':<14}{'final':>12}{'return':>9}{'fees':>10}{'orders':>8}{'turnover':>9}"
        f"{'CAGR':>9}{'vol':>8}{'Sharpe':>8}{'max DD':>8}",
    ]
    for name, r in [(s.name, s), *report.benchmarks.items()]:
        m = r.metrics
        lines.append(
            f"  {name:<14}{r.final_value:>12,.2f}{_pct(r.final_value / c.start_cash - 1):>9}"
            f"{r.total_fees:>10,.2f}{r.n_orders:>8}{r.turnover:>9.2f}{_pct(m.cagr):>9}"
            f"{_pct(m.volatility):>8}{_num(m.sharpe):>8}{_pct(m.max_drawdown):>8}"
        )
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines) + "\n"


def _equity_csv(report: BacktestReport) -> str:
    """``date,strategy,<benchmark>...``: one row per price row."""
    import io

    from core.csvsafe import csv_writer

    runs = [("strategy", report.strategy), *report.benchmarks.items()]
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow(["date", *(name for name, _ in runs)])
    dates = [d for d, _ in report.strategy.equity_points()]
    columns = [r.equity.tolist() for _, r in runs]
    for i, d in enumerate(dates):
        writer.writerow([d, *(repr(col[i]) for col in columns)])
    return buf.getvalue()


def _orders_csv(report: BacktestReport) -> str:
    """``date,symbol,side,shares,price,notional,fee``: each filled order, as executed."""
    import io

    from core.csvsafe import csv_writer

    s = report.strategy
    o = s.orders
    dates = [d for d, _ in s.equity_points()]
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow(["date", "symbol", "side", "shares", "price", "notional", "fee"])
    for i in range(len(o)):
        shares = float(o.shares[i])
        writer.writerow(
            [
                dates[int(o.row[i])],
                s.symbols[int(o.asset[i])],
                "buy" if shares > 0 else "sell",
                abs(shares),
                float(o.price[i]),
                float(o.notional[i]),
                float(o.fees[i]),
            ]
        )
    return buf.getvalue()


def _print_sweep(result: SweepResult, sort: str, args: argparse.Namespace) -> None:
    from core.backtest.sweep import format_sweep, sweep_csv

    table = result.sorted_by(sort)
    if args.json:
        import json

        sys.stdout.write(json.dumps(table.to_json_dict(), indent=2) + "\n")
    elif args.csv:
        sys.stdout.write(sweep_csv(table))
    else:
        sys.stdout.write(format_sweep(table))
