"""``cockpit pnl``: realised and unrealised P&L, fees, the daily equity curve and its TWR.

    cockpit pnl [--db PATH] [--since DATE] [--by asset|group] [--json|--csv]

Read-only on the database. Average cost per (base, quote); a balance change no fill explains is
a deposit or withdrawal, taken out of the time-weighted return (conventions in ``--json``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.pnl import PnlReport


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "pnl",
        help="P&L history: realised/unrealised per asset or group, fees, equity, TWR",
        description="Average-cost P&L per asset or group from the recorded fills, fees paid, "
        "the daily equity curve from the stored snapshots and its time-weighted return net "
        "of deposits and withdrawals. Read-only on the database.",
    )
    parser.add_argument("--since", type=_date, metavar="DATE", help="from this UTC day on")
    parser.add_argument("--by", choices=("asset", "group"), default="asset")
    parser.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help="read this cockpit database"
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the whole report as JSON")
    out.add_argument("--csv", action="store_true", help="print the P&L table as CSV")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from core.config import load_settings
    from core.errors import DataError
    from core.models import utcnow
    from core.pnl.stored import stored_pnl
    from core.store import Store

    settings = load_settings(args.config)
    path = args.db or settings.db_path()
    if not path.is_file():
        raise DataError(f"{path}: no cockpit database here (run `cockpit` first, or pass --db)")

    async def load() -> PnlReport:
        store = await Store.open_readonly(path)
        try:
            return await stored_pnl(store, settings, utcnow(), args.since)
        finally:
            await store.close()

    report = asyncio.run(load())
    if args.json:
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    elif args.csv:
        _write_csv(report, args.by)
    else:
        sys.stdout.write(format_pnl(report, args.by))
    return 0


def _rows(report: PnlReport, by: str) -> list[tuple[str, float, float, float]]:
    if by == "group":
        return [(g.group, g.realised_usd, g.unrealised_usd, g.fees_usd) for g in report.groups]
    return [(a.asset, a.realised_usd, a.unrealised_usd or 0.0, a.fees_usd) for a in report.assets]


def _write_csv(report: PnlReport, by: str) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow((by, "realised_usd", "unrealised_usd", "fees_usd"))
    writer.writerows(_rows(report, by))


def format_pnl(report: PnlReport, by: str) -> str:
    """The P&L table, the totals and the time-weighted return."""
    since = f" since {report.since}" if report.since else ""
    twr = "n/a" if report.twr is None else f"{report.twr:+.2%}"
    lines = [
        f"P&L{since} (average cost, USD)",
        f"{by:<14} {'realised':>14} {'unrealised':>14} {'fees':>12}",
    ]
    for key, realised, unrealised, fees in _rows(report, by):
        lines.append(f"{key:<14} {realised:>+14,.2f} {unrealised:>+14,.2f} {fees:>12,.2f}")
    lines.append(
        f"{'total':<14} {report.realised_usd:>+14,.2f} {report.unrealised_usd:>+14,.2f} "
        f"{report.fees_usd:>12,.2f}"
    )
    days = len(report.equity)
    flows = sum(p.flow_usd for p in report.equity)
    lines.append(f"equity: {days} day(s), net flows {flows:+,.2f}; time-weighted return {twr}")
    return "\n".join(lines) + "\n"
