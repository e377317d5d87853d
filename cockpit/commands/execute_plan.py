"""``cockpit execute-plan``: build the current plan from live holdings and books, confirm, run.

    cockpit execute-plan [--yes] [--json]

Prints the plan preview (orders, notional, share of the portfolio, fees, slippage, PAPER/LIVE),
asks for ``yes`` unless ``--yes``, then runs it (sells first, then buys) through the same gate,
printing one progress line per order. Exit 0 when every order was placed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from cockpit.cli import add_common_options

    parser = subparsers.add_parser(
        "execute-plan", help="run the current rebalancing plan (paper by default)"
    )
    add_common_options(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--json", action="store_true", help="print the preview as JSON")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every order event as it happens"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from cockpit.commands.headless import run_core

    return run_core(args, lambda core: _execute(core, args))


def print_preview(data: dict[str, Any]) -> None:
    badge = data["mode"].upper()
    print(
        f"[{badge}] plan {data['plan_id']}: {data['sells']} sells, {data['buys']} buys, "
        f"${data['notional_usd']} ({data['portfolio_pct']}% of portfolio), "
        f"est. fees ${data['fees_usd']}, slippage ${data['slippage_usd']}"
        + (
            f"; {data['indicative']} indicative order(s) not sent (no live book)"
            if data.get("indicative")
            else ""
        )
    )
    for o in data["orders"]:
        print(
            f"  {o['seq']:>4} {o['side']:<4} {o['qty']:>16} {o['symbol']:<12} on "
            f"{o['venue']:<8} limit {o['limit']:<14} ${o['usd']}"
        )


async def _execute(core: Any, args: argparse.Namespace) -> int:
    from core.views import ExecutePlan, PreviewPlan

    preview = await core.execute(PreviewPlan())
    if not preview.ok or preview.data is None:
        print(f"refused: {preview.message}", file=sys.stderr)
        return 1
    data = preview.data
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print_preview(data)
    if not data["orders"]:
        print("nothing to do")
        return 0
    if not args.yes:
        question = f"execute {len(data['orders'])} {data['mode'].upper()} orders? [yes/N] "
        try:
            answer = await asyncio.to_thread(input, question)
        except (EOFError, OSError):  # no terminal to ask: never execute without a yes
            answer = ""
        if answer.strip().lower() != "yes":
            print("cancelled")
            return 1
    service = core.execution
    service.progress_listeners.append(
        lambda p: print(f"progress {p.done + p.failed}/{p.total} {p.phase}: {p.last}", flush=True)
    )
    if args.verbose:
        service.event_listeners.append(
            lambda e: print(
                f"event {e.kind.value} {e.client_order_id or '-'}: {e.message}", flush=True
            )
        )
    started = await core.execute(ExecutePlan(plan_id=data["plan_id"]))
    if not started.ok:
        print(f"refused: {started.message}", file=sys.stderr)
        return 1
    progress = await service.plan_tasks[data["plan_id"]]
    print(f"done: {progress.done} placed, {progress.failed} failed of {progress.total}")
    return 0 if progress.failed == 0 and not progress.aborted else 1
