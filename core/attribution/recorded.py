"""Attribution of the recorded portfolio by group against the plan's target group weights.

The portfolio's group weights are the recorded ones (the portfolio snapshots' values per group at
the end of the day before) wherever a snapshot exists. Otherwise, and for the returns inside each
group, it is today's merged portfolio (the one valuation's weights per asset), carried back over
the stored daily closes (see :func:`aligned_closes` for gaps and the window): each asset's value
drifts with its close, so a day's group weights are those at the previous close.

The benchmark holds each group at its target weight, rebalanced daily; inside a group it holds
the target's asset split (over the assets with closes) or, with no split, the portfolio's own
assets of the group; a target group with neither earns nothing (cash). Daily periods are rolled
up to calendar months (returns compounded, effects linked), and the months linked with the
chosen method. Pure but for the store reads at the end.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from itertools import groupby
from typing import TYPE_CHECKING

from core.attribution.brinson import Attribution, PeriodAttribution, SegmentInput, attribute_period
from core.attribution.linking import LinkMethod, attribute, roll_up
from core.errors import DataError

if TYPE_CHECKING:
    from core.config import Settings
    from core.portfolio.holdings import PortfolioSnapshot
    from core.risk.inputs import RiskInputs
    from core.store import Store


MAX_DAYS = 730
"""The newest days of stored closes used (two years): older history says little about today's
portfolio and would make the monthly grid mostly one asset."""


def aligned_closes(
    closes: Mapping[str, Sequence[tuple[datetime, float]]], max_days: int = MAX_DAYS
) -> tuple[list[date], dict[str, list[float]]]:
    """Every series on the union of their days (the newest ``max_days``): a missing close is the
    last one before it, and before its first close an asset is flat at that close (it adds no
    return on days it has no history, as cash would)."""
    maps = {a: {ts.date(): c for ts, c in pts} for a, pts in closes.items() if pts}
    if not maps:
        return [], {}
    days = sorted(set().union(*(set(m) for m in maps.values())))[-max_days:]
    out: dict[str, list[float]] = {}
    for asset, m in maps.items():
        known = sorted(m)
        before = [d for d in known if d <= days[0]]
        last = m[before[-1]] if before else m[known[0]]
        values = []
        for day in days:
            last = m.get(day, last)
            values.append(last)
        out[asset] = values
    return days, out


def daily_group_periods(
    closes: Mapping[str, Sequence[tuple[datetime, float]]],
    weights: Mapping[str, float],
    groups: Mapping[str, str],
    target_groups: Mapping[str, float],
    target_assets: Mapping[str, Mapping[str, float]],
    recorded: Mapping[date, Mapping[str, float]] | None = None,
) -> list[PeriodAttribution]:
    """One Brinson–Fachler period per day (see the module docstring). ``weights`` are today's
    weights per asset, ``target_groups`` group -> weight (fractions summing to 1),
    ``target_assets`` group -> asset -> split, ``recorded`` the group weights recorded at the
    end of a day (snapshots): where the day before a period has them, they are the period's
    portfolio weights instead of the carried-back ones."""
    held = {a: w for a, w in weights.items() if w > 0 and a in closes}
    if not held:
        raise DataError("no held asset has stored daily closes: nothing to attribute")
    named = {a for split in target_assets.values() for a in split if a in closes}
    days, series = aligned_closes({a: closes[a] for a in set(held) | named})
    held = {a: w for a, w in held.items() if a in series}  # an empty series has no days
    if len(days) < 2 or not held:
        raise DataError("fewer than two days of stored closes: nothing to attribute")
    last = {a: series[a][-1] for a in held}
    periods: list[PeriodAttribution] = []
    for t in range(1, len(days)):
        values = {a: w * series[a][t - 1] / last[a] for a, w in held.items()}
        total = math.fsum(values.values())
        ret = {a: series[a][t] / series[a][t - 1] - 1.0 for a in series}
        wp: dict[str, float] = defaultdict(float)
        contrib: dict[str, float] = defaultdict(float)
        for a, v in values.items():
            g = groups.get(a, "other")
            wp[g] += v / total
            contrib[g] += v / total * ret[a]
        own_return = {g: contrib[g] / w for g, w in wp.items() if w > 0}
        if recorded is not None and days[t - 1] in recorded:
            wp = defaultdict(float, recorded[days[t - 1]])
        rows = []
        for g in sorted(set(wp) | {g for g, w in target_groups.items() if w > 0}):
            own = own_return.get(g)
            split = {a: s for a, s in target_assets.get(g, {}).items() if a in ret and s > 0}
            if split:
                bench = math.fsum(s * ret[a] for a, s in split.items()) / math.fsum(split.values())
            else:
                bench = own if own is not None else 0.0
            rows.append(
                SegmentInput(
                    segment=g,
                    portfolio_weight=wp.get(g, 0.0),
                    portfolio_return=bench if own is None else own,
                    benchmark_weight=target_groups.get(g, 0.0),
                    benchmark_return=bench,
                )
            )
        periods.append(attribute_period(days[t].isoformat(), rows))
    return periods


def monthly(periods: Sequence[PeriodAttribution], method: LinkMethod) -> list[PeriodAttribution]:
    """Daily periods (labelled ``YYYY-MM-DD``) rolled up to calendar months."""
    return [
        roll_up(list(days), month, method)
        for month, days in groupby(periods, key=lambda p: p.period[:7])
    ]


def recorded_group_weights(snapshots: Sequence[PortfolioSnapshot]) -> dict[date, dict[str, float]]:
    """Group weights at the end of each UTC day: the day's last snapshot, its group values over
    their sum (days whose groups sum to zero or less are left out)."""
    last: dict[date, PortfolioSnapshot] = {}
    for snap in sorted(snapshots, key=lambda s: s.ts):
        last[snap.ts.date()] = snap
    out: dict[date, dict[str, float]] = {}
    for day, snap in last.items():
        total = math.fsum(float(v) for v in snap.by_group.values())
        if total > 0:
            out[day] = {g: float(v) / total for g, v in snap.by_group.items()}
    return out


def target_attribution(
    inputs: RiskInputs,
    settings: Settings,
    method: LinkMethod,
    recorded: Mapping[date, Mapping[str, float]] | None = None,
) -> Attribution:
    """Monthly attribution of the weights and closes in ``inputs`` (and the ``recorded`` group
    weights, see :func:`daily_group_periods`) against the configured targets (group weights and
    asset splits), linked with ``method``."""
    from core.plan.targets import Targets

    targets = Targets.from_config(settings.targets)
    total = math.fsum(float(v) for v in targets.groups.values())
    days = daily_group_periods(
        inputs.closes,
        inputs.weights,
        inputs.groups,
        {g: float(v) / total for g, v in targets.groups.items()},
        {g: {a: float(v) for a, v in split.items()} for g, split in targets.assets.items()},
        recorded,
    )
    return attribute(monthly(days, method), method)


async def recorded_attribution(store: Store, settings: Settings, method: LinkMethod) -> Attribution:
    """The recorded portfolio by group against the configured targets, by month."""
    from core.models import utcnow
    from core.risk.inputs import stored_risk_inputs

    inputs = await stored_risk_inputs(store, settings, utcnow())
    return target_attribution(inputs, settings, method, await stored_group_weights(store))


async def stored_group_weights(store: Store) -> dict[date, dict[str, float]]:
    """:func:`recorded_group_weights` of every snapshot in ``store``."""
    from core.store.portfolio import snapshots

    return recorded_group_weights(await snapshots(store))
