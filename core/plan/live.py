"""The running core's plan: ``build_plan`` on live holdings and books, and its view.

:class:`LivePlanner` keeps the current target preset and the current :class:`Plan` with the
inputs it was built from (so it can be saved and reproduced). It turns a plan into the
:class:`~core.views.PlanView` the plan-diff pane renders, and re-checks the plan's staleness
(expiry, prices moved beyond ``targets.stale_move_pct``) against the live books: a stale plan
is shown as such and cannot be sent. No I/O here: the core passes books in and saves plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from core.config import GROUPS, TargetsConfig
from core.errors import CockpitError
from core.models import BookSnapshot, Holding, Instrument, Location, Order
from core.plan.build import build_plan_from
from core.plan.indicative import IndicativeMarkets
from core.plan.models import Plan, PlanInputs, PlanPolicy, Staleness
from core.plan.outcome import PlanOutcome
from core.plan.strategies import MarketContext, run_strategy
from core.views import PlanGroupRow, PlanView

REDRAW_PP = Decimal("0.05")
"""How far a reached group weight moves (points) before the outcome is shown anew."""
PLAN_BOOK_DEPTH = 50
"""Levels per side the planner walks to price orders and estimate slippage."""


def market_context(
    holdings: Sequence[Holding],
    closes: Mapping[str, Sequence[tuple[date, float]]],
    now: datetime,
) -> MarketContext:
    """What strategies may look at, from live holdings and the recorded daily closes."""
    group_usd: dict[str, Decimal] = {}
    asset_usd: dict[str, Decimal] = {}
    for h in holdings:
        group_usd[h.group] = group_usd.get(h.group, Decimal(0)) + h.value
        asset_usd[h.asset] = asset_usd.get(h.asset, Decimal(0)) + h.value
    total = sum(group_usd.values(), Decimal(0))
    return MarketContext(
        now=now,
        group_weights={g: v * 100 / total for g, v in group_usd.items()} if total else {},
        btc_closes=[c for _, c in closes.get("BTC", ())],
        closes={a: [c for _, c in series] for a, series in closes.items()},
        asset_groups={h.asset: h.group for h in holdings},
        asset_weights={a: float(v / total) for a, v in asset_usd.items()} if total else {},
    )


@dataclass(frozen=True)
class Built:
    """A plan and everything it was built from (stored together)."""

    plan: Plan
    inputs: PlanInputs


def build_live_plan(
    config: TargetsConfig,
    preset: str,
    holdings: Sequence[Holding],
    locations: Iterable[Location],
    instruments: Iterable[Instrument],
    books: Iterable[BookSnapshot],
    closes: Mapping[str, Sequence[tuple[date, float]]],
    now: datetime,
    *,
    indicative: IndicativeMarkets | None = None,
    pending: Sequence[Order] = (),
) -> Built:
    """Run the preset's strategy for targets, then ``build_plan`` on the live inputs.

    ``indicative`` prices venues without a live book; ``pending`` (open orders) are netted out.
    Raises :class:`~core.errors.CockpitError` (bad targets, missing history) with no plan.
    """
    result = run_strategy(config, preset, market_context(holdings, closes, now))
    inputs = PlanInputs(
        holdings=tuple(h for h in holdings if h.price.value is not None),
        locations=tuple(locations),
        targets=result.targets,
        instruments=tuple(instruments),
        books=tuple(books),
        policy=PlanPolicy.from_config(config),
        as_of=now,
        strategy=result.name,
        hold_reason=result.hold_reason,
        indicative=indicative,
        pending=tuple(pending),
    )
    plan = build_plan_from(inputs)
    plan = plan.model_copy(update={"notes": (*result.notes, *plan.notes)})
    return Built(plan, inputs)


def plan_view(
    plan: Plan,
    staleness: Staleness,
    preset: str,
    presets: Sequence[str],
    *,
    executed: bool = False,
    outcome: PlanOutcome | None = None,
) -> PlanView:
    """The plan as the pane shows it: group drift before and after, orders, totals, and the
    last executed plan's promise against outcome."""
    groups = tuple(
        PlanGroupRow(
            group=r.group,
            current_pct=float(r.current_pct),
            target_pct=float(r.target_pct),
            drift_pct=float(r.current_drift_pp),
            band_pct=float(r.band_pp),
            post_pct=float(r.post_pct),
        )
        for r in plan.groups
    )
    return PlanView(
        as_of=plan.as_of,
        total=plan.total_usd,
        groups=groups,
        turnover=plan.totals.turnover_usd,
        plan_id=plan.id,
        expires_at=plan.expires_at,
        preset=preset,
        presets=tuple(presets),
        orders=plan.orders,
        totals=plan.totals,
        skipped=len(plan.skipped),
        transfers=len(plan.transfers),
        skipped_items=plan.skipped,
        transfer_hints=plan.transfers,
        notes=plan.notes,
        stale=staleness.stale,
        stale_reasons=staleness.reasons,
        pending=plan.pending,
        indicative=plan.indicative,
        executed=executed,
        outcome=outcome,
    )


def error_view(
    message: str,
    preset: str,
    presets: Sequence[str],
    now: datetime,
    outcome: PlanOutcome | None = None,
) -> PlanView:
    """No plan: the reason, in place of orders (the groups listed with zero weights)."""
    return PlanView(
        as_of=now,
        total=Decimal(0),
        groups=tuple(
            PlanGroupRow(group=g, current_pct=0.0, target_pct=0.0, drift_pct=0.0, band_pct=0.0)
            for g in GROUPS
        ),
        preset=preset,
        presets=tuple(presets),
        stale=True,
        error=message,
        outcome=outcome,
    )


@dataclass
class LivePlanner:
    """The current preset and plan; the view is rebuilt only when the plan or staleness changes."""

    config: TargetsConfig
    preset: str = ""
    current: Built | None = None
    error: str | None = None
    staleness: Staleness = field(default_factory=lambda: Staleness(stale=False))
    view: PlanView | None = None
    executed: set[str] = field(default_factory=set)
    """Plans sent to execution (each runs once)."""
    outcome: PlanOutcome | None = None
    """The last executed plan's promise against outcome."""

    def __post_init__(self) -> None:
        self.preset = self.preset or self.config.strategy

    @property
    def presets(self) -> tuple[str, ...]:
        return tuple(self.config.presets)

    def select(self, preset: str | None) -> None:
        """Switch preset (refused with a clear error if it is not configured)."""
        if preset is None:
            return
        if preset not in self.config.presets:
            raise CockpitError(f"unknown preset {preset!r} ({', '.join(self.presets)})")
        self.preset = preset

    def build(
        self,
        holdings: Sequence[Holding],
        locations: Iterable[Location],
        instruments: Iterable[Instrument],
        books: Sequence[BookSnapshot],
        closes: Mapping[str, Sequence[tuple[date, float]]],
        now: datetime,
        *,
        indicative: IndicativeMarkets | None = None,
        pending: Sequence[Order] = (),
    ) -> Built | str:
        """A fresh plan for the current preset, or why none could be built. Changes nothing:
        the caller saves the plan, then :meth:`adopt` s it, so a shown plan is always saved."""
        try:
            return build_live_plan(
                self.config,
                self.preset,
                holdings,
                locations,
                instruments,
                books,
                closes,
                now,
                indicative=indicative,
                pending=pending,
            )
        except CockpitError as exc:
            return str(exc)

    def adopt(self, built: Built | str, books: Iterable[BookSnapshot], now: datetime) -> None:
        """Make ``built`` the current plan (or show the reason there is none)."""
        if isinstance(built, str):
            self.current, self.error = None, built
            self.view = error_view(built, self.preset, self.presets, now, self.outcome)
            return
        self.current, self.error = built, None
        self.staleness = built.plan.staleness(books, now)
        self._rebuild_view()

    def _rebuild_view(self) -> None:
        if self.current is None:
            if self.view is not None and self.view.outcome != self.outcome:
                self.view = self.view.model_copy(update={"outcome": self.outcome})
            return
        plan = self.current.plan
        self.view = plan_view(
            plan,
            self.staleness,
            self.preset,
            self.presets,
            executed=plan.id in self.executed,
            outcome=self.outcome,
        )

    def check(self, books: Iterable[BookSnapshot], now: datetime) -> bool:
        """Re-check staleness against live books; True if the view changed."""
        if self.current is None:
            return False
        staleness = self.current.plan.staleness(books, now)
        if staleness == self.staleness:
            return False
        self.staleness = staleness
        self._rebuild_view()
        return True

    def record_outcome(self, outcome: PlanOutcome) -> bool:
        """Show ``outcome`` (its plan was executed); True if the view changed."""
        self.executed.add(outcome.plan_id)
        old = self.outcome
        # Prices tick all the time: the view (published, drawn, journaled) changes when an
        # order does, or a reached weight moves by REDRAW_PP, not on every tick.
        if old is not None and old.plan_id == outcome.plan_id and old.orders == outcome.orders:
            moved = [
                abs(a.reached_pct - b.reached_pct) >= REDRAW_PP
                if a.reached_pct is not None and b.reached_pct is not None
                else a.reached_pct != b.reached_pct
                for a, b in zip(old.groups, outcome.groups, strict=True)
            ]
            if not any(moved):
                return False
        self.outcome = outcome
        self._rebuild_view()
        return True

    def sendable(self, plan_id: str) -> str | None:
        """None if ``plan_id`` is the current, fresh plan; else why it cannot be sent."""
        if self.current is None or self.current.plan.id != plan_id:
            return f"plan {plan_id} is not the current plan"
        if plan_id in self.executed:
            return f"plan {plan_id} was already executed: press r for a new plan"
        if self.staleness.stale:
            return f"plan {plan_id} is stale: {'; '.join(self.staleness.reasons)}"
        plan = self.current.plan
        if plan.orders and all(o.indicative for o in plan.orders):
            return f"plan {plan_id} is indicative (no live book at its venues): never sent"
        return None
