"""``cockpit risk forecast``: forecast one-day VaR/ES with a model and backtest it.

    cockpit risk forecast --prices PRICES.csv --weights WEIGHTS.json
                          --model ewma|garch|garch-t|fhs|har|qr [--lambda L] [--level 0.99]
                          [--warmup N] [--train N] [--json] [--compare]

The files are ``cockpit risk``'s (same readers, same one-line errors); daily or hourly closes
(hourly ones also give the HAR model its realised variance). Without ``--prices``, the
cockpit's portfolio and stored daily closes, read-only. ``--compare`` backtests every model on
their common forecast days at 95 and 99 %. Conventions: ``core/risk/forecast/__init__.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings
    from core.risk.forecast.daily import DailySample
    from core.risk.forecast.views import BacktestSummary, ForecastReport


def add_forecast_parser(risk: argparse.ArgumentParser) -> None:
    """Add ``forecast`` under ``cockpit risk``."""
    from core.risk.forecast.ewma import DEFAULT_LAMBDA, DEFAULT_WARMUP
    from core.risk.forecast.garch import MIN_TRAIN
    from core.risk.forecast.views import MODEL_NAMES

    sub = risk.add_subparsers(title="risk commands", metavar="COMMAND")
    parser = sub.add_parser(
        "forecast",
        help="forecast 1-day VaR/ES (EWMA, GARCH, FHS, HAR, QR) and backtest it out of sample",
        description="Forecast the portfolio's one-day VaR and ES with a volatility model and "
        "backtest it over the whole history, out of sample (Kupiec, Christoffersen, "
        "McNeil-Frey, Basel zone). Simple returns, zero mean, losses positive.",
    )
    parser.add_argument("--prices", type=Path, help="wide CSV of daily or hourly closes")
    parser.add_argument("--weights", type=Path, help="JSON object: symbol -> weight")
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="read holdings and history from this cockpit database instead of files",
    )
    parser.add_argument(
        "--model", choices=MODEL_NAMES, help="default: the config's risk.forecast.model"
    )
    parser.add_argument(
        "--lambda",
        dest="lam",
        type=float,
        metavar="L",
        help=f"EWMA decay (default: risk.forecast.ewma_lambda, {DEFAULT_LAMBDA})",
    )
    parser.add_argument("--level", type=float, default=0.99, help="VaR level (default 0.99)")
    parser.add_argument(
        "--warmup",
        type=int,
        metavar="N",
        help=f"returns seeding EWMA (default: risk.forecast.warmup, {DEFAULT_WARMUP})",
    )
    parser.add_argument(
        "--train",
        type=int,
        default=MIN_TRAIN,
        metavar="N",
        help=f"returns GARCH, FHS and HAR first fit on (default {MIN_TRAIN})",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--compare", action="store_true", help="backtest every model at 95 and 99 %%"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from core.config import load_settings
    from core.errors import DataError
    from core.risk.forecast.engine import compare, forecast_report, run_model

    settings = load_settings(args.config)
    configured = settings.risk.forecast
    args.model = args.model or configured.model
    args.lam = configured.ewma_lambda if args.lam is None else args.lam
    args.warmup = configured.warmup if args.warmup is None else args.warmup
    if not 0.5 < args.level < 1:
        raise DataError(f"--level must be between 0.5 and 1, not {args.level}")
    if not 0 < args.lam < 1:
        raise DataError(f"--lambda must be between 0 and 1 (exclusive), not {args.lam}")
    if args.warmup < 1:
        raise DataError(f"--warmup must be a positive number of returns, not {args.warmup}")
    if args.train < 40:
        raise DataError(f"--train must be at least 40 returns, not {args.train}")
    sample = _sample(args, settings)
    if sample.excluded:
        sys.stderr.write(
            f"note: the forecast covers {sample.covered_weight:.1%} of the weight; left out: "
            + ", ".join(sample.excluded)
            + "\n"
        )
    if args.compare:
        rows = compare(sample, lam=args.lam, warmup=args.warmup, train=args.train)
        if args.json:
            import json

            sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
            sys.stdout.write("\n")
        else:
            sys.stdout.write(format_comparison(rows))
        return 0
    f = run_model(
        sample, args.model, (args.level,), lam=args.lam, warmup=args.warmup, train=args.train
    )
    report = forecast_report(sample, f, args.level)
    if args.json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(format_forecast(report))
    return 0


def _sample(args: argparse.Namespace, settings: Settings) -> DailySample:
    from core.errors import DataError
    from core.risk.files import read_prices_csv, read_weights_json
    from core.risk.forecast.daily import daily_sample

    db = getattr(args, "db", None)
    if args.prices is None and args.weights is None:
        return _sample_from_db(db or settings.db_path(), settings)
    if args.prices is None or args.weights is None or db is not None:
        raise DataError("give --prices and --weights together, or neither (to read --db)")
    history = read_prices_csv(args.prices)
    weights = read_weights_json(args.weights)
    return daily_sample(history, weights, settings.risk.min_coverage)


def _sample_from_db(path: Path, settings: Settings) -> DailySample:
    import asyncio

    from core.errors import DataError
    from core.models import utcnow
    from core.risk.forecast.daily import daily_sample
    from core.risk.history import PriceHistory
    from core.risk.inputs import RiskInputs, stored_risk_inputs
    from core.store import Store

    if not path.is_file():
        raise DataError(f"{path}: no cockpit database here (run `cockpit` first, or pass --db)")

    async def load() -> RiskInputs:
        store = await Store.open_readonly(path)
        try:
            return await stored_risk_inputs(store, settings, utcnow())
        finally:
            await store.close()

    inputs = asyncio.run(load())
    if inputs.unpriced:
        sys.stderr.write(f"note: no price for {', '.join(inputs.unpriced[:8])}; left out\n")
    history = PriceHistory.from_series(inputs.closes)
    return daily_sample(history, inputs.weights, settings.risk.min_coverage)


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_forecast(report: ForecastReport) -> str:
    """Plain-text summary of one model's forecast and backtest."""
    first = report.series[0][0] if report.series else None
    last = report.series[-1][0] if report.series else None
    return (
        "\n".join(
            [
                f"Forecast {report.model} at {report.level:.0%}: next day VaR "
                f"{report.forecast.var:.2%}, ES {report.forecast.es:.2%}",
                f"Backtest {first} to {last}: {report.exceedances} exceedances in "
                f"{report.n_forecasts} days ({report.exceedances / report.n_forecasts:.2%}, "
                f"expected {1 - report.level:.2%})",
                f"  Kupiec POF        LR {report.kupiec_lr:8.3f}   p {_p(report.kupiec_p)}",
                f"  Christoffersen    LR {report.christoffersen_ind_lr:8.3f}   "
                f"p {_p(report.christoffersen_ind_p)} (independence)",
                f"  Cond. coverage    LR {report.christoffersen_cc_lr:8.3f}   "
                f"p {_p(report.christoffersen_cc_p)}",
                f"  Basel zone (last 250 days): {report.zone}",
            ]
        )
        + "\n"
    )


def format_comparison(rows: list[BacktestSummary]) -> str:
    """The model comparison table (same days for every model)."""
    head = (
        "model    level  days  exceed   rate  Kupiec p  Chr.ind p  Chr.cc p  zone    "
        "MF-ES p    Z2  QLx1e4  VaR next  ES next"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r.model:<8} {r.level:>4.0%} {r.n_forecasts:>6} {r.exceedances:>6} "
            f"{r.exceedance_rate:>7.2%} {r.kupiec_p:>9.3f} {r.christoffersen_ind_p:>10.3f} "
            f"{r.christoffersen_cc_p:>9.3f}  {r.zone:<6} {_p(r.mcneil_frey_p):>8} "
            f"{r.acerbi_szekely_z2:>6.2f} {r.quantile_loss * 1e4:>7.3f} "
            f"{r.forecast.var:>9.2%} {r.forecast.es:>8.2%}"
        )
    return "\n".join(lines) + "\n"
