"""``cockpit plan``: print the rebalancing plan (table, JSON or CSV).

    cockpit plan --inputs FILE [--targets FILE] [--strategy NAME] [--json | --csv]
    cockpit plan --db PATH [--show ID|latest] [--json | --csv]
    cockpit plan --db PATH --build [--targets FILE] [--strategy NAME] [--json | --csv]

``--inputs`` is a JSON snapshot of what the plan is a function of: ``holdings``, ``locations``,
``instruments`` and ``books`` (the shapes of :mod:`core.models`), optionally ``fees`` (venue ->
taker rate), ``as_of``, ``last_rebalance``, ``btc_closes`` and ``closes`` (asset -> daily closes)
for the strategies that need history.

With ``--db`` (and no ``--inputs``) it reads the plans the running cockpit saved: a list of
them, newest first, or one plan with ``--show ID`` (``latest`` for the newest), printed the
same way as a freshly built one. With ``--build`` it builds a new plan from the recorded
holdings and prices (see :mod:`core.usecases.recorded_plan`).
"""

from __future__ import annotations

import argparse
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.csvsafe import csv_writer


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="print the rebalancing plan",
        description="Build the rebalancing plan from holdings, markets and books, and print it.",
    )
    parser.add_argument("--inputs", type=Path, help="JSON snapshot of holdings/markets/books")
    parser.add_argument("--targets", type=Path, help="targets file (YAML/JSON) to use instead")
    parser.add_argument("--strategy", help="preset name (default: targets.strategy)")
    parser.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="SQLite database")
    parser.add_argument(
        "--show", metavar="ID", help="with --db: print saved plan ID ('latest' for the newest)"
    )
    parser.add_argument(
        "--build",
        action="store_true",
        help="with --db: a new plan from the recorded holdings and prices, on the markets and"
        " books of the newest saved plan",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the whole plan as JSON")
    out.add_argument("--csv", action="store_true", help="the orders as CSV")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from core.config import load_settings
    from core.errors import ConfigError, ConfigProblem, DataError
    from core.plan.targets import load_targets_file
    from core.usecases.plans import load_snapshot, plan_from_snapshot

    settings = load_settings(args.config)
    config = settings.targets
    if args.targets is not None:
        config = load_targets_file(args.targets, base=config)
    # Targets and the preset are checked before anything is read (a database, inputs).
    if args.strategy is not None and args.strategy not in config.presets:
        problem = f"unknown preset {args.strategy!r} ({', '.join(config.presets)})"
        raise ConfigError("--strategy", [ConfigProblem("strategy", problem)])
    if args.inputs is None:
        db = getattr(args, "db", None)
        if db is None:
            raise DataError("pass --inputs FILE (a JSON snapshot) or --db PATH (saved plans)")
        if args.build:
            import asyncio

            from core.models import utcnow
            from core.usecases.recorded_plan import recorded_plan

            built = recorded_plan(Path(db), settings, config, args.strategy, utcnow())
            _print_plan(asyncio.run(built), args)
            return 0
        return _saved(args, Path(db))
    snap = load_snapshot(args.inputs)
    _print_plan(plan_from_snapshot(snap, config, args.strategy), args)
    return 0


def _print_plan(plan: Any, args: argparse.Namespace) -> None:
    if args.json:
        print(plan.model_dump_json(indent=2))
    elif args.csv:
        print(_csv(plan), end="")
    else:
        print(_table(plan))


def _saved(args: argparse.Namespace, db: Path) -> int:
    """List the saved plans, or print one (``--show``)."""
    import asyncio

    from core.usecases.plans import saved_plan, saved_plans

    if args.show:
        plan, outcome = asyncio.run(saved_plan(db, args.show))
        if outcome is not None and args.json:
            # An executed plan: the plan's fields, plus what its run did.
            data = json.loads(plan.model_dump_json())
            data["outcome"] = json.loads(outcome.model_dump_json())
            print(json.dumps(data, indent=2))
            return 0
        _print_plan(plan, args)
        if outcome is not None and not args.csv:
            print("\n" + _outcome_table(outcome))
        return 0
    found = asyncio.run(saved_plans(db))
    if args.json:
        print(json.dumps([p.model_dump(mode="json") for p in found], indent=2))
    elif args.csv:
        buf = io.StringIO()
        writer = csv_writer(buf)
        writer.writerow(
            ["id", "created_at", "as_of", "expires_at", "strategy", "total_usd", "orders"]
        )
        for p in found:
            writer.writerow(
                [p.id, p.created_at.isoformat(), p.as_of.isoformat(), p.expires_at.isoformat(),
                 p.strategy, p.total_usd, p.orders]
            )  # fmt: skip
        print(buf.getvalue(), end="")
    elif not found:
        print(f"no saved plans in {db}")
    else:
        print(f"{'id':<22} {'created (UTC)':<19} {'strategy':<13} {'total':>14} {'orders':>6}")
        for p in found:
            print(
                f"{p.id:<22} {p.created_at:%Y-%m-%d %H:%M:%S} {p.strategy:<13}"
                f" ${p.total_usd:>13,.2f} {p.orders:>6}"
            )
    return 0


def _csv(plan: Any) -> str:
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(
        [
            "seq",
            "venue",
            "symbol",
            "side",
            "qty",
            "limit_price",
            "est_avg_price",
            "notional_usd",
            "fee_usd",
            "slippage_usd",
            "asset",
            "group",
            "location",
            "route",
            "leg",
            "indicative",
        ]
    )
    for o in plan.orders:
        writer.writerow(
            [
                o.seq,
                o.venue,
                o.symbol,
                o.side.value,
                o.qty,
                o.limit_price,
                o.est_avg_price,
                o.notional_usd,
                o.fee_usd,
                o.slippage_usd,
                o.asset,
                o.group,
                o.location_id or "",
                o.route or "",
                f"{o.leg}/{o.legs}",
                "yes" if o.indicative else "",
            ]
        )
    return buf.getvalue()


def _table(plan: Any) -> str:
    lines = [
        f"plan {plan.id}  strategy {plan.strategy}  as of {plan.as_of:%Y-%m-%d %H:%M}Z  "
        f"expires {plan.expires_at:%H:%M}Z  total ${plan.total_usd:,.2f}",
    ]
    if plan.indicative:
        lines.append(
            f"INDICATIVE: {len(plan.indicative_orders)} of {len(plan.orders)} order(s) priced"
            " without a live book (marked ~): never sent"
        )
    lines.append("")
    lines.append(f"{'group':<14}{'now %':>8}{'target':>8}{'after':>8}{'drift':>8}{'band':>6}")
    for r in plan.groups:
        flag = "" if r.in_band else "  OUT"
        lines.append(
            f"{r.group:<14}{r.current_pct:>8.2f}{r.target_pct:>8.2f}{r.post_pct:>8.2f}"
            f"{r.drift_pp:>+8.2f}{r.band_pp:>6.1f}{flag}"
        )
    lines += ["", f"{len(plan.orders)} orders (sells first)"]
    for o in plan.orders:
        route = f"  [{o.route} {o.leg}/{o.legs}]" if o.route else ""
        mark = "~" if o.indicative else " "
        lines.append(
            f"{o.seq:>4}{mark}{o.side.value:<4} {o.qty:>16f} {o.symbol:<14} on {o.venue:<10}"
            f" @ {o.limit_price:<14f} ${o.notional_usd:>11,.2f}{route}"
        )
    if plan.transfers:
        lines += ["", "transfer first:"]
        lines += [
            f"  {t.qty:.8f} {t.asset} from {t.from_location} to {t.to_venue or '?'}"
            f" (${t.usd:,.2f}): {t.reason}"
            for t in plan.transfers
        ]
    if plan.skipped:
        lines += ["", "skipped:"]
        lines += [
            f"  {s.reason.value:<15} {s.asset:<10} ${s.usd:>10,.2f}  {s.detail}"
            for s in plan.skipped
        ]
    if plan.pending:
        lines += ["", "pending (open orders, netted out):"]
        lines += [
            f"  {p.client_order_id} {p.side.value} {p.remaining_qty:f} {p.symbol} on {p.venue}"
            f" (${p.usd:,.2f})"
            for p in plan.pending
        ]
    t = plan.totals
    lines += [
        "",
        f"turnover ${t.turnover_usd:,.2f}  fees ${t.fees_usd:,.2f}  slippage "
        f"${t.slippage_usd:,.2f}  net cash ${t.net_usd:,.2f} vs targets ({net_verdict(t)})"
        f"  residual drift max {t.residual_drift_max_pp} pp",
    ]
    lines += [f"note: {n}" for n in plan.notes]
    return "\n".join(lines)


def net_verdict(totals: Any) -> str:
    """Whether the plan's net cash is zero within fees, and if not what accounts for it."""
    slack = f"${totals.net_slack_usd:,.2f}"
    if totals.net_within_fees:
        return f"within fees, slippage and rounding {slack}"
    if totals.net_explained:
        undone = f"${totals.undone_usd:,.2f}"
        return f"not within fees {slack}; the skipped pieces ({undone}) account for it"
    return f"NOT within fees {slack} even with the skipped pieces (${totals.undone_usd:,.2f})"


def _outcome_table(outcome: Any) -> str:
    """An executed plan's promise per group against what was reached, and every order that
    did not fill with why."""

    def pp(value: Decimal | None) -> str:
        return "n/a" if value is None else f"{value:+.2f}"

    valued = f"{outcome.valued_at:%Y-%m-%d %H:%M:%S}Z" if outcome.valued_at else "not yet"
    lines = [
        f"promise vs outcome (portfolio valued {valued})",
        f"{'group':<14}{'target':>8}{'promised':>10}{'reached':>10}",
    ]
    lines += [
        f"{g.group:<14}{g.target_pct:>8.2f}{pp(g.promised_drift_pp):>10}"
        f"{pp(g.reached_drift_pp):>10}"
        for g in outcome.groups
    ]
    reached = pp(outcome.reached_max_pp).lstrip("+")
    lines.append(
        f"residual drift max: promised {outcome.promised_max_pp:.2f} pp, reached {reached} pp"
    )
    counts: dict[str, int] = {}
    for o in outcome.orders:
        counts[o.outcome.value] = counts.get(o.outcome.value, 0) + 1
    lines.append(
        f"{len(outcome.orders)} order(s): "
        + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))
    )
    lines += [
        f"  {o.outcome.value:<9} {o.side.value:<4} {o.qty:f} {o.symbol} on {o.venue}: {o.why}"
        for o in outcome.not_done
    ]
    return "\n".join(lines)
