"""``cockpit execute-plan``: build the current plan from live holdings and books, confirm, run.

    cockpit execute-plan [--yes] [--json]

Prints the plan preview (orders, notional, share of the portfolio, fees, slippage, PAPER/LIVE),
asks for ``yes`` unless ``--yes``, then runs it (sells first, then buys) through the same gate,
printing one progress line per order. Exit 0 when every order was placed, 1 otherwise.

With ``--json`` stdout carries exactly one JSON document (the preview and the outcome: a
:class:`~core.answers.PlanRunReport`); the prompt, progress and ``--verbose`` events go to
stderr. When a cockpit already holds the database (a daemon, a running TUI) the plan is built
and run by it, over its control socket; otherwise by a core started here holding the lock.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from core.answers import PlanPreview, PlanProgress
    from core.client import CoreClient


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "execute-plan", help="run the current rebalancing plan (paper by default)"
    )
    add_common_options(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document on stdout (preview and outcome); the rest goes to stderr",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every order event as it happens"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from cockpit.commands.headless import run_core

    return run_core(args, lambda client: _execute(client, args))


def print_preview(preview: PlanPreview, out: TextIO) -> None:
    print(
        f"[{preview.mode.value.upper()}] plan {preview.plan_id}: {preview.sells} sells, "
        f"{preview.buys} buys, ${preview.notional_usd} ({preview.portfolio_pct}% of portfolio), "
        f"est. fees ${preview.fees_usd}, slippage ${preview.slippage_usd}"
        + (
            f"; {preview.indicative} indicative order(s) not sent (no live book)"
            if preview.indicative
            else ""
        ),
        file=out,
    )
    for o in preview.orders:
        print(
            f"  {o.seq:>4} {o.side.value:<4} {o.qty:>16} {o.symbol:<12} on "
            f"{o.venue:<8} limit {o.limit!s:<14} ${o.usd}",
            file=out,
        )


async def _execute(client: CoreClient, args: argparse.Namespace) -> int:
    from core.answers import PlanPreview, PlanRunReport
    from core.views import ExecutePlan, PreviewPlan

    # With --json, stdout carries exactly one JSON document: everything else goes to stderr.
    out = sys.stderr if args.json else sys.stdout
    result = await client.send(PreviewPlan())
    preview = result.data
    if not result.ok or not isinstance(preview, PlanPreview):
        print(f"refused: {result.message}", file=sys.stderr)
        return 1
    if not args.json:
        print_preview(preview, out)

    def report(code: int, outcome: str, status: PlanProgress | None = None, msg: str = "") -> int:
        if args.json:
            doc = PlanRunReport(
                preview=preview,
                executed=status is not None,
                outcome=outcome,
                status=status,
                message=msg,
            )
            print(doc.model_dump_json(indent=2))
        return code

    if not preview.orders:
        print("nothing to do", file=out)
        return report(0, "nothing to do")
    if not args.yes:
        if args.json:
            print_preview(preview, sys.stderr)
        question = f"execute {len(preview.orders)} {preview.mode.value.upper()} orders? [yes/N] "
        try:
            print(question, end="", file=sys.stderr, flush=True)
            answer = await asyncio.to_thread(sys.stdin.readline)
        except (EOFError, OSError):  # no terminal to ask: never execute without a yes
            answer = ""
        if answer.strip().lower() != "yes":
            print("cancelled", file=out)
            return report(1, "cancelled")
    if args.verbose:
        _print_events(client, out)
    started = await client.send(ExecutePlan(plan_id=preview.plan_id))
    if not started.ok:
        print(f"refused: {started.message}", file=sys.stderr)
        return report(1, "refused", msg=started.message)
    status = await _follow(client, preview.plan_id, out)
    print(f"done: {status.done} placed, {status.failed} failed of {status.total}", file=out)
    ok = status.failed == 0 and not status.aborted
    return report(0 if ok else 1, "done", status)


def _print_events(client: CoreClient, out: TextIO) -> None:
    """``--verbose``: print every event the core logs from now on (either kind of core)."""
    from core.models import LogEvent
    from core.usecases.plan_run import follow_events

    def show(e: LogEvent) -> None:
        print(f"event {e.kind.value} {e.client_order_id or '-'}: {e.message}", file=out, flush=True)

    follow_events(client, show)


async def _follow(client: CoreClient, plan_id: str, out: TextIO) -> PlanProgress:
    """Print a progress line whenever the run moves; return its final status."""
    from core.usecases.plan_run import follow_plan

    def moved(status: PlanProgress) -> None:
        print(
            f"progress {status.done + status.failed}/{status.total} {status.phase}: {status.last}",
            file=out,
            flush=True,
        )

    return await follow_plan(client, plan_id, moved)
