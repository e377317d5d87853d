"""From holdings and targets to a USD change per asset (before any market is looked at).

Group targets become asset targets: by the configured split where a group has one, otherwise
by scaling the assets already held in the group (its mix is kept). A group with a target but
nothing held and no split cannot be bought (there is no honest asset to buy; buying a
pseudo-symbol named after the group was one of the seed project's bugs): it is listed as
skipped. Changes smaller than the minimum trade are folded into the largest change of the same
sign in the group, so a group of many small holdings still reaches its target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from core.config import GROUPS
from core.models import Holding
from core.plan.models import SkippedItem, SkipReason
from core.plan.targets import Targets

ZERO = Decimal(0)
CASH_GROUP = "Stablecoins"
"""The group cash currencies belong to: its target can always be held as cash."""
KNOWN_GROUPS = frozenset(GROUPS)


@dataclass(slots=True)
class AssetState:
    """One asset across all its locations, and what the plan wants of it (USD)."""

    asset: str
    group: str
    price_usd: Decimal | None
    qty: Decimal = ZERO
    value: Decimal = ZERO
    target: Decimal = ZERO
    sellable: Decimal = ZERO

    @property
    def delta(self) -> Decimal:
        return self.target - self.value


@dataclass(slots=True)
class Allocation:
    total_usd: Decimal
    assets: dict[str, AssetState]
    holdings: list[Holding]
    group_current: dict[str, Decimal]
    skipped: list[SkippedItem] = field(default_factory=list)


def allocate(
    holdings: Sequence[Holding],
    targets: Targets,
    *,
    group_of: Callable[[str], str] | None,
    cash_assets: Sequence[str],
    sellable: Callable[[Holding], bool] | None = None,
    mix: Mapping[str, Decimal] | None = None,
) -> Allocation:
    """Value the holdings, then set each asset's USD target from the group targets.

    ``sellable`` says which holdings can be sold where they sit: an overweight group without a
    split sells those first (pro rata to their value), so cold storage is only asked to move
    when the tradable holdings of the group cannot cover the cut.

    ``mix`` (asset -> USD), when given, is the mix a growing group keeps instead of the
    holdings' own: the holdings then count pending orders as filled, and a resting buy must
    not tilt its group's mix towards the asset it buys (which would buy it again).
    """
    skipped: list[SkippedItem] = []
    assets: dict[str, AssetState] = {}
    kept: list[Holding] = []
    for h in sorted(holdings, key=attrgetter("asset", "location_id")):
        group = group_of(h.asset) if group_of is not None else h.group
        if group not in KNOWN_GROUPS:
            skipped.append(_skip(h, group, SkipReason.UNKNOWN_GROUP, f"group {group!r} unknown"))
            continue
        price = h.price.value
        if price is None or price <= ZERO:
            skipped.append(_skip(h, group, SkipReason.NO_PRICE, "no price: not valued, not traded"))
            continue
        state = assets.get(h.asset)
        if state is None:
            state = assets[h.asset] = AssetState(h.asset, group, price)
        if h.qty <= ZERO:
            continue
        # Each holding at its own price: the plan's values are the pane's (a simulated
        # venue's rows at the sim's price, real rows at real prices).
        value = h.qty * price
        state.qty += h.qty
        state.value += value
        if sellable is None or sellable(h):
            state.sellable += value
        kept.append(h)
    total = ZERO
    current = {g: ZERO for g in GROUPS}
    members: dict[str, list[AssetState]] = {g: [] for g in GROUPS}
    for state in assets.values():
        total += state.value
        current[state.group] += state.value
        members[state.group].append(state)
    if total > 0:
        for group in GROUPS:
            _set_group_targets(
                group,
                total,
                current[group],
                targets,
                assets,
                members[group],
                skipped,
                tuple(cash_assets),
                mix,
            )
        _fold_small(targets.min_trade_usd, targets, assets, set(cash_assets), skipped)
    return Allocation(total, assets, kept, current, skipped)


def _skip(h: Holding, group: str, reason: SkipReason, detail: str) -> SkippedItem:
    return SkippedItem(
        asset=h.asset,
        group=group if group in GROUPS else None,
        usd=h.value.quantize(Decimal("0.01")),
        reason=reason,
        detail=detail,
        location_id=h.location_id,
    )


def _set_group_targets(
    group: str,
    total: Decimal,
    current: Decimal,
    targets: Targets,
    assets: dict[str, AssetState],
    members: list[AssetState],
    skipped: list[SkippedItem],
    cash_assets: tuple[str, ...],
    mix: Mapping[str, Decimal] | None = None,
) -> None:
    """Set the targets of ``members``, the valued assets of ``group``."""
    goal = total * targets.groups[group] / 100
    split = targets.assets.get(group)
    if split:
        for member in members:
            member.target = ZERO
        for asset, pct in sorted(split.items()):
            state = assets.get(asset)
            if state is None:
                state = assets[asset] = AssetState(asset, group, None)
            elif state.group != group:
                skipped.append(
                    SkippedItem(
                        asset=asset,
                        group=group,
                        usd=(goal * pct / 100).quantize(Decimal("0.01")),
                        reason=SkipReason.UNKNOWN_GROUP,
                        detail=f"{asset} is classified as {state.group!r}, not {group!r}",
                    )
                )
                continue
            state.target = goal * pct / 100
    elif current > 0 and goal >= current:
        basis = {m.asset: m.value if mix is None else mix.get(m.asset, ZERO) for m in members}
        whole = sum(basis.values(), ZERO)
        if whole <= 0:
            basis, whole = {m.asset: m.value for m in members}, current
        for member in members:
            member.target = basis[member.asset] * goal / whole
    elif current > 0:
        cut = current - goal
        free = sum((m.sellable for m in members), ZERO)
        take = min(cut, free)
        locked = current - free
        for member in members:
            member.target = member.value
            if free > 0:
                member.target -= take * member.sellable / free
            if cut > take and locked > 0:
                member.target -= (cut - take) * (member.value - member.sellable) / locked
    elif goal > 0 and group == CASH_GROUP and cash_assets:
        cash = assets.get(cash_assets[0]) or AssetState(cash_assets[0], group, None)
        assets[cash.asset] = cash
        cash.target = goal
    elif goal > 0:
        skipped.append(
            SkippedItem(
                asset=group,
                group=group,
                usd=goal.quantize(Decimal("0.01")),
                reason=SkipReason.NO_BUY_ASSET,
                detail=f"nothing held in {group!r} and no targets.assets for it: "
                "name the assets to buy",
            )
        )


def _fold_small(
    minimum: Decimal,
    targets: Targets,
    assets: dict[str, AssetState],
    cash: set[str],
    skipped: list[SkippedItem],
) -> None:
    """Move changes below ``minimum`` onto the group's largest same-sign change."""
    if minimum <= 0:
        return
    by_group: dict[str, list[AssetState]] = {}
    for state in assets.values():
        if state.asset not in cash and state.group not in targets.assets:
            by_group.setdefault(state.group, []).append(state)
    for group, members in sorted(by_group.items()):
        for buying in (True, False):
            # Largest change first (ties by name): ``side[::-1]`` below walks smallest first.
            # Deltas are read per pass: the buy pass moves the targets the sell pass sees.
            ranked = []
            for m in members:
                delta = m.delta
                if delta > ZERO if buying else delta < ZERO:
                    ranked.append((-abs(delta), m.asset, m))
            ranked.sort()
            side = [m for _, _, m in ranked]
            if len(side) < 2:
                continue
            for small in side[::-1]:
                amount = small.delta
                if abs(amount) >= minimum:
                    break
                largest = next((m for m in side if m is not small and _room(m, amount)), None)
                if largest is None:
                    continue
                small.target -= amount
                largest.target += amount
                skipped.append(
                    SkippedItem(
                        asset=small.asset,
                        group=group,
                        usd=abs(amount).quantize(Decimal("0.01")),
                        reason=SkipReason.FOLDED,
                        detail=f"below the {minimum} USD minimum: moved to {largest.asset}",
                    )
                )


def _room(member: AssetState, amount: Decimal) -> bool:
    """Whether ``member`` can absorb ``amount`` more change (sells: only what it can sell)."""
    if amount > 0:
        return True
    return member.sellable + member.delta + amount >= 0
