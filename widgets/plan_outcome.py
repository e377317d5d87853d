"""The plan pane's "promise vs outcome" lines and its computed net-cash verdict.

After a plan runs, the pane sets beside each group the drift the plan promised and the drift
the portfolio reached, then accounts for every order that did not fill, with why (an unfilled
limit, refused, cancelled, expired, never sent). Nothing here is a fixed label: every figure
and verdict comes from the :class:`~core.plan.outcome.PlanOutcome` and
:class:`~core.plan.models.PlanTotals` handed down.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from rich.style import Style
from rich.text import Text

from core.models import Side
from core.plan.models import PlanTotals
from core.plan.outcome import OrderOutcome, PlanOutcome

StyleOf = Callable[[str], Style]
SETTLED_PP = Decimal("0.05")
"""A reached drift this close to the promise counts as kept."""


def net_verdict(t: PlanTotals, money: Callable[[Decimal], str]) -> tuple[str, bool]:
    """The net-cash verdict in words, and whether it is good news (computed, never a label)."""
    slack = money(t.net_slack_usd)
    if t.net_within_fees:
        return f"≈0 within fees+slippage {slack}", True
    if t.net_explained:
        return f"≠0: skipped pieces {money(t.undone_usd)} (fees+slippage {slack})", True
    return f"! not within fees+slippage {slack} (skipped {money(t.undone_usd)})", False


def _pp(value: Decimal | None) -> str:
    return "   n/a" if value is None else f"{float(value):+6.2f}"


def outcome_lines(
    outcome: PlanOutcome, style_of: StyleOf, mask: Callable[[str], str]
) -> list[Text]:
    """The promise-vs-outcome section for the last executed plan (``mask`` hides amounts in
    free text in privacy mode)."""
    dim, header = style_of("dim"), style_of("header")
    valued = f" · valued {outcome.valued_at:%H:%M:%S}Z" if outcome.valued_at else ""
    lines = [
        Text(f"promise vs outcome · {outcome.plan_id}{valued}", style=header),
        Text(f"{'Group':<13} {'Target':>6} {'Promised':>8} {'Reached':>8}", style=dim),
    ]
    for g in outcome.groups:
        gap = g.gap_pp
        kept = gap is not None and abs(gap) <= SETTLED_PP
        text = Text(
            f"{g.group[:13]:<13} {float(g.target_pct):>5.1f}% {_pp(g.promised_drift_pp):>8}"
        )
        mark = "" if gap is None else (" ✓" if kept else " ✗")
        text.append(
            f" {_pp(g.reached_drift_pp):>8}{mark}",
            style=style_of("gain" if kept else "stale") if gap is not None else dim,
        )
        lines.append(text)
    reached = outcome.reached_max_pp
    lines.append(
        Text(
            f"residual drift max: promised {float(outcome.promised_max_pp):.2f} pp · reached "
            + ("n/a" if reached is None else f"{float(reached):.2f} pp"),
            style=style_of("accent"),
        )
    )
    counts = [
        f"{outcome.count(kind)} {kind.value.replace('_', ' ')}"
        for kind in OrderOutcome
        if outcome.count(kind) or kind in (OrderOutcome.FILLED, OrderOutcome.OPEN)
    ]
    lines.append(Text(f"{len(outcome.orders)} order(s): " + " · ".join(counts), style=header))
    for o in outcome.not_done:
        side = style_of("gain" if o.side is Side.BUY else "loss")
        arrow = "▲" if o.side is Side.BUY else "▼"
        text = Text(f"  {o.outcome.value.replace('_', ' '):<9} ")
        text.append(f"{arrow}{o.side.value:<4}", style=side)
        text.append(f" {o.symbol[:10]:<10} {o.venue[:6]:<6} {mask(o.why)}", style=dim)
        lines.append(text)
    return lines
