"""``cockpit attribution``: Brinson–Fachler attribution, as text, JSON or CSV.

    cockpit attribution --segments FILE.csv [--link carino|menchero] [--json|--csv]
    cockpit attribution [--db PATH] [--link carino|menchero] [--json|--csv]
    cockpit attribution --prices PRICES.csv --weights WEIGHTS.json [--groups GROUPS.json]
                        [--rebalance RULE] [--fees RATE] [--slippage BPS] [...]

FILE.csv has the columns ``period,segment,portfolio_weight,portfolio_return,benchmark_weight,
benchmark_return`` (fractions; weights at the start of the period). Without ``--segments`` the
recorded portfolio is attributed by group against the plan's target group weights, daily periods
rolled up to calendar months. With ``--prices``: a backtest of the weights rebalanced by the
rule against holding them (``core.attribution.backtest``: before trading costs; cash is its own
segment). Periods are linked with Carino's logarithmic smoothing unless
``--link menchero``. Bad input exits 1 with one line naming file, line and column.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.attribution import Attribution


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "attribution",
        help="Brinson–Fachler attribution (allocation, selection, interaction)",
        description="Split the active return into allocation (wp-wb)(rb-Rb), selection "
        "wb(rp-rb) and interaction (wp-wb)(rp-rb) per segment and period, and link the "
        "periods (Carino by default) so the effects sum to the cumulative active return.",
    )
    parser.add_argument(
        "--segments",
        type=Path,
        metavar="FILE.csv",
        help="CSV: period,segment,portfolio_weight,portfolio_return,benchmark_weight,"
        "benchmark_return (default: the recorded portfolio by group against the targets)",
    )
    parser.add_argument(
        "--prices", type=Path, help="a backtest instead: wide CSV of closes (as cockpit backtest)"
    )
    parser.add_argument("--weights", type=Path, help="with --prices: JSON symbol -> weight")
    parser.add_argument("--groups", type=Path, help="with --prices: JSON symbol -> group")
    parser.add_argument(
        "--rebalance", default="monthly", help="with --prices: hold|monthly|every:N|bands:X"
    )
    parser.add_argument("--fees", type=float, default=0.0, metavar="RATE", help="with --prices")
    parser.add_argument("--slippage", type=float, default=0.0, metavar="BPS", help="with --prices")
    parser.add_argument(
        "--link", choices=("carino", "menchero"), default="carino", help="linking method"
    )
    parser.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help="read this cockpit database"
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--csv", action="store_true", help="print one row per period and segment")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from core.attribution import attribute
    from core.attribution.files import attribute_file
    from core.errors import DataError

    if args.segments is not None and args.prices is not None:
        raise DataError("give --segments or --prices, not both")
    if args.segments is not None:
        result = attribute(attribute_file(args.segments), args.link)
    elif args.prices is not None:
        result = _from_backtest(args)
    else:
        result = _from_db(args)
    if args.json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    elif args.csv:
        _write_csv(result)
    else:
        sys.stdout.write(format_attribution(result))
    return 0


def _from_db(args: argparse.Namespace) -> Attribution:
    import asyncio

    from core.attribution.recorded import recorded_attribution
    from core.config import load_settings
    from core.errors import DataError
    from core.store import Store

    settings = load_settings(args.config)
    path = args.db or settings.db_path()
    if not path.is_file():
        raise DataError(f"{path}: no cockpit database here (run `cockpit` first, or pass --db)")

    async def load() -> Attribution:
        store = await Store.open_readonly(path)
        try:
            return await recorded_attribution(store, settings, args.link)
        finally:
            await store.close()

    return asyncio.run(load())


def _from_backtest(args: argparse.Namespace) -> Attribution:
    """The backtest of ``--weights`` rebalanced by ``--rebalance`` against holding them."""
    from pydantic import ValidationError

    from core.attribution.backtest import backtest_attribution
    from core.backtest import BacktestSettings, run_backtest
    from core.errors import DataError
    from core.risk.files import read_groups_json, read_prices_csv, read_weights_json

    if args.weights is None:
        raise DataError("--prices needs --weights")
    history = read_prices_csv(args.prices)
    weights = read_weights_json(args.weights)
    total = sum(weights.values())
    groups = read_groups_json(args.groups) if args.groups else {}
    try:
        settings = BacktestSettings(fee_rate=args.fees, slippage_bps=args.slippage)
    except ValidationError as exc:
        raise DataError(f"--fees/--slippage: {exc.errors()[0]['msg']}") from None
    report = run_backtest(
        history, {k: v / total for k, v in weights.items()}, args.rebalance, settings
    )
    return backtest_attribution(
        report.strategy, report.benchmarks["hold"], history, groups, args.link
    )


def _write_csv(result: Attribution) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("period", "segment", "allocation", "selection", "interaction", "total"))
    for period in result.periods:
        for s in period.segments:
            writer.writerow(
                (period.period, s.segment, s.allocation, s.selection, s.interaction, s.total)
            )
    label = f"linked:{result.linked.method}"
    for s in result.linked.segments:
        writer.writerow((label, s.segment, s.allocation, s.selection, s.interaction, s.total))


def format_attribution(result: Attribution) -> str:
    """A short text report: the linked effects per segment, then each period's totals."""
    linked = result.linked
    t = linked.total
    lines = [
        f"Brinson–Fachler attribution, {len(result.periods)} period(s), linked by {linked.method}",
        f"portfolio {t.portfolio_return:+.4%}  benchmark {t.benchmark_return:+.4%}  "
        f"active {t.active:+.4%}",
        "",
        f"{'segment':<20} {'allocation':>11} {'selection':>11} {'interaction':>11} {'total':>11}",
    ]
    for s in linked.segments:
        lines.append(
            f"{s.segment:<20} {s.allocation:>+11.4%} {s.selection:>+11.4%} "
            f"{s.interaction:>+11.4%} {s.total:>+11.4%}"
        )
    lines.append(
        f"{'total':<20} {t.allocation:>+11.4%} {t.selection:>+11.4%} {t.interaction:>+11.4%} "
        f"{t.allocation + t.selection + t.interaction:>+11.4%}"
    )
    lines += ["", f"{'period':<20} {'portfolio':>11} {'benchmark':>11} {'active':>11}"]
    for p in result.periods:
        lines.append(
            f"{p.period:<20} {p.portfolio_return:>+11.4%} {p.benchmark_return:>+11.4%} "
            f"{p.active_return:>+11.4%}"
        )
    return "\n".join(lines) + "\n"
