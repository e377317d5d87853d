"""``cockpit risk``: the full risk report of a portfolio, as text or JSON.

    cockpit risk [--db PATH] [--window DAYS] [--json]
    cockpit risk --prices PRICES.csv --weights WEIGHTS.json [--groups GROUPS.json]
                 [--window DAYS] [--json]

Without files it reads the cockpit's database (``--db``, default the configured store): the
merged portfolio the holdings pane shows (the import, the stored venue balances, manual
positions, valued by the one valuation) and the daily closes stored from every source
(``cockpit import prices``, venue OHLCV, the simulator); the report's ``coverage.history``
says what history each held asset has.

PRICES.csv is wide (``date`` in ISO UTC, one column of closes per symbol), WEIGHTS.json maps
symbol to weight. ``--json`` prints the report document (keys in ``core/risk/CONVENTIONS.md``);
without it a short text summary. Bad input exits 1 with one line naming file, line and column.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings
    from core.risk.models import RiskReport, TailMethod


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "risk",
        help="risk report (VaR, CVaR, drawdown, stress...) of a portfolio",
        description="Compute the full risk report of a portfolio from a wide CSV of closes "
        "and a JSON map of weights. Conventions: simple returns on UTC closes, annualised with "
        "365 (8760 hourly), VaR/CVaR as positive one-period fractions.",
    )
    parser.add_argument(
        "--prices", type=Path, help="wide CSV: date, then one close column per symbol"
    )
    parser.add_argument("--weights", type=Path, help="JSON object: symbol -> weight")
    parser.add_argument("--groups", type=Path, help="JSON object: symbol -> group (optional)")
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,  # `cockpit --db X risk` too: never hide the global option
        help="read holdings and history from this cockpit database (default: the configured "
        "store) instead of files",
    )
    parser.add_argument(
        "--window", type=int, metavar="DAYS", help="history window in days (default: config)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=_run)
    from cockpit.commands.risk_forecast import add_forecast_parser

    add_forecast_parser(parser)


def _run(args: argparse.Namespace) -> int:
    from core.config import load_settings
    from core.errors import DataError
    from core.risk.files import read_groups_json, read_prices_csv, read_weights_json
    from core.risk.report import compute_report

    if args.window is not None and args.window < 1:
        raise DataError(f"--window must be a positive number of days, not {args.window}")
    settings = load_settings(args.config)
    if args.prices is None and args.weights is None:
        report = _report_of_db(settings, args)
    elif args.prices is None or args.weights is None or args.db is not None:
        raise DataError("give --prices and --weights together, or neither (to read --db)")
    else:
        history = read_prices_csv(args.prices)
        weights = read_weights_json(args.weights)
        groups = read_groups_json(args.groups) if args.groups else None
        report = compute_report(history, weights, groups, settings.risk, window_days=args.window)
    if args.json:
        sys.stdout.write(report.to_json(indent=2) + "\n")
    else:
        sys.stdout.write(format_report(report))
    return 0


def _report_of_db(settings: Settings, args: argparse.Namespace) -> RiskReport:
    """The database's report (the running cockpit's when one holds it); unpriced assets are
    noted on stderr."""
    import asyncio

    from cockpit.commands.headless import CLI_CLIENT
    from core.usecases.risk import portfolio_risk

    risk = asyncio.run(portfolio_risk(settings, args.db, args.window, client=CLI_CLIENT))
    if risk.unpriced:
        shown = ", ".join(risk.unpriced[:8])
        more = f" and {len(risk.unpriced) - 8} more" if len(risk.unpriced) > 8 else ""
        sys.stderr.write(f"note: no price for {shown}{more}; left out\n")
    return risk.report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _signed(value: float | None) -> str:
    """Stress results carry their sign: + is a gain, - a loss."""
    return "n/a" if value is None else f"{value:+.2%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _history_line(report: RiskReport) -> list[str]:
    """How much stored history the held assets have (only for a report on a portfolio)."""
    history = report.coverage.history
    if not history:
        return []
    have = [h for h in history if h.days]
    firsts = [h.first for h in have if h.first]
    lasts = [h.last for h in have if h.last]
    span = f", {min(firsts)} to {max(lasts)}" if firsts and lasts else ""
    return [f"History: {len(have)} of {len(history)} held assets have daily closes{span}"]


def format_report(report: RiskReport) -> str:
    """A plain-text summary for the terminal (the JSON has everything)."""
    c = report.coverage
    lines = [
        f"Risk report: {report.n_observations} {report.conventions.bar} returns, "
        f"{c.window_start:%Y-%m-%d} to {c.window_end:%Y-%m-%d}, "
        f"annualised x{report.annualization:g}"
        if c.window_start and c.window_end
        else f"Risk report: {report.n_observations} returns",
        f"Covered weight {c.covered_weight:.1%}"
        + (f"; excluded (short history): {', '.join(c.excluded)}" if c.excluded else ""),
        *_history_line(report),
        "",
        f"  Volatility     {_pct(report.volatility):>10}    CAGR         {_pct(report.cagr):>10}",
        f"  Sharpe         {_num(report.sharpe):>10}    Sortino      {_num(report.sortino):>10}",
        f"  Max drawdown   {_pct(report.max_drawdown):>10}    Calmar       "
        f"{_num(report.calmar):>10}",
        f"  Beta to BTC    {_num(report.beta_btc):>10}    Eff. assets  "
        f"{_num(report.effective_assets):>10}",
        f"  Divers. ratio  {_num(report.diversification_ratio):>10}    PC1 share    "
        + (
            f"{report.pca_explained_variance_ratio[0]:>10.1%}"
            if report.pca_explained_variance_ratio
            else f"{'n/a':>10}"
        ),
        "",
        "  One-period loss      VaR 95     VaR 99    CVaR 95    CVaR 99",
    ]
    methods: tuple[TailMethod, ...] = ("historical", "gaussian", "cornish_fisher")
    for method in methods:
        v, cv = report.var[method], report.cvar[method]
        flag = (
            " (outside valid range)"
            if method == "cornish_fisher" and not (report.tail_moments.cornish_fisher_valid)
            else ""
        )
        lines.append(
            f"  {method.replace('_', '-'):<16} {_pct(v['95']):>10} {_pct(v['99']):>10} "
            f"{_pct(cv['95']):>10} {_pct(cv['99']):>10}{flag}"
        )
    lines += ["", "  Stress (signed)                 return   covered"]
    for s in report.stress:
        covered = s.covered_weight + s.proxied_weight
        lines.append(f"  {s.name:<28} {_signed(s.portfolio_return):>9}   {covered:>6.0%}")
    return "\n".join(lines) + "\n"
