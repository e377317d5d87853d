"""Stress tests: historical windows replayed on today's weights, and instantaneous shocks.

Every result is the signed change of portfolio value (a gain is positive, a loss negative) of
the current weights held through the scenario without trading.

* **Historical**: each asset moves as its own price did from the close before the window's
  first day to the close of its last day. An asset without both closes takes the mean move of
  the assets of its group that have them (``proxied``); with no such asset it is left out
  (``uncovered``). The return is that of the repriced part, rescaled to its weight, never
  "missing = 0 %".
* **Hypothetical**: a signed move per group, so assets with no history at all can be
  stressed; built-in scenarios below, user scenarios from ``risk.scenarios`` in the config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np

from core.risk.groups import group_of
from core.risk.history import DAY, PriceHistory
from core.risk.models import StressKind, StressResult
from core.risk.settings import StressScenarioConfig


@dataclass(frozen=True, slots=True)
class HistoricalWindow:
    """A market episode, first and last UTC day inclusive."""

    name: str
    start: date
    end: date
    description: str = ""


HISTORICAL_WINDOWS: tuple[HistoricalWindow, ...] = (
    HistoricalWindow(
        "2018 bear", date(2018, 1, 6), date(2018, 12, 15), "Post-ICO-bubble bear market"
    ),
    HistoricalWindow(
        "COVID crash", date(2020, 2, 13), date(2020, 3, 12), "Risk-off into 12 March 2020"
    ),
    HistoricalWindow(
        "May-Jul 2021", date(2021, 5, 10), date(2021, 7, 20), "China mining ban, leverage flush"
    ),
    HistoricalWindow(
        "LUNA/UST", date(2022, 5, 5), date(2022, 5, 12), "UST depeg and LUNA collapse"
    ),
    HistoricalWindow(
        "3AC/Celsius", date(2022, 6, 10), date(2022, 6, 18), "Celsius freeze, 3AC liquidation"
    ),
    HistoricalWindow("FTX collapse", date(2022, 11, 6), date(2022, 11, 21), "FTX insolvency"),
    HistoricalWindow(
        "USDC/SVB", date(2023, 3, 8), date(2023, 3, 11), "SVB failure, USDC depeg to 0.88"
    ),
    HistoricalWindow("5 Aug 2024", date(2024, 8, 2), date(2024, 8, 5), "Yen carry-trade unwind"),
)
"""The episodes of the issue, replayed where price history covers them."""


@dataclass(frozen=True, slots=True)
class ShockScenario:
    """Instantaneous signed moves per group (and optionally per asset)."""

    name: str
    group_shocks: Mapping[str, float]
    description: str = ""
    asset_shocks: Mapping[str, float] = field(default_factory=dict)
    default_shock: float | None = None
    kind: StressKind = "hypothetical"

    @classmethod
    def from_config(cls, cfg: StressScenarioConfig) -> ShockScenario:
        return cls(
            name=cfg.name,
            group_shocks=dict(cfg.group_shocks),
            description=cfg.description,
            asset_shocks=dict(cfg.asset_shocks),
            default_shock=cfg.default_shock,
            kind="user",
        )


def _all_groups(
    btc: float, eth: float, stable: float, sol: float, majors: float, alts: float, memes: float
) -> dict[str, float]:
    return {
        "BTC": btc,
        "ETH": eth,
        "Stablecoins": stable,
        "SOL": sol,
        "L1/L0 majors": majors,
        "L2/Scaling": alts,
        "DeFi": alts,
        "AI/Data": alts,
        "Gaming/NFT": alts,
        "Memecoins": memes,
        "Others": alts,
    }


HYPOTHETICAL_SCENARIOS: tuple[ShockScenario, ...] = (
    ShockScenario(
        "Crypto crash",
        _all_groups(-0.50, -0.60, 0.0, -0.70, -0.65, -0.70, -0.85),
        "Deep bear: BTC halves, alts fall further",
    ),
    ShockScenario(
        "Flash crash",
        _all_groups(-0.15, -0.20, 0.0, -0.25, -0.25, -0.30, -0.40),
        "One-day liquidation cascade",
    ),
    ShockScenario(
        "Stablecoin depeg",
        _all_groups(-0.10, -0.12, -0.12, -0.15, -0.15, -0.20, -0.25),
        "A major stablecoin loses its peg; risk-off elsewhere",
    ),
    ShockScenario(
        "Risk-on rally",
        _all_groups(0.30, 0.40, 0.0, 0.60, 0.50, 0.60, 1.00),
        "Broad rally: gains are gains",
    ),
)
"""Per-group shocks for every portfolio, including assets without any history."""


def _result(
    name: str,
    kind: StressKind,
    weights: Mapping[str, float],
    moves: Mapping[str, float],
    proxied: Sequence[str],
    groups: Mapping[str, str] | None,
    *,
    description: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> StressResult:
    held = {s: w for s, w in weights.items() if w > 0}
    priced = [s for s in held if s in moves]
    uncovered = tuple(s for s in held if s not in moves)
    priced_weight = sum(held[s] for s in priced)
    proxied_weight = sum(held[s] for s in proxied)
    contributions: dict[str, float] = {}
    if priced_weight > 0:
        for s in priced:
            g = group_of(s, groups)
            contributions[g] = contributions.get(g, 0.0) + held[s] * moves[s] / priced_weight
    total = sum(contributions.values()) if priced_weight > 0 else None
    return StressResult(
        name=name,
        kind=kind,
        start=start,
        end=end,
        description=description,
        portfolio_return=total,
        covered_weight=priced_weight - proxied_weight,
        proxied_weight=proxied_weight,
        uncovered_weight=sum(held[s] for s in uncovered),
        group_contributions=contributions,
        proxied=tuple(proxied),
        uncovered=uncovered,
    )


def replay(
    history: PriceHistory,
    weights: Mapping[str, float],
    window: HistoricalWindow,
    groups: Mapping[str, str] | None = None,
) -> StressResult:
    """Hold ``weights`` through ``window``; see the module docstring for missing history."""
    start = datetime(window.start.year, window.start.month, window.start.day, tzinfo=UTC)
    end = datetime(window.end.year, window.end.month, window.end.day, tzinfo=UTC)
    bar = history.bar_seconds
    base_t = int(start.timestamp()) - bar  # the bar whose close is the window's opening price
    end_t = int(end.timestamp()) + DAY - bar  # the bar whose close ends the last day
    moves: dict[str, float] = {}
    times = history.times
    if len(times) and times[0] <= base_t and end_t <= times[-1]:
        # the last bar at or before each instant (the same bar on a midnight-aligned grid)
        i, j = (base_t - int(times[0])) // bar, (end_t - int(times[0])) // bar
        change = history.closes[j] / history.closes[i] - 1.0
        for symbol, value in zip(history.symbols, change.tolist(), strict=True):
            if not np.isnan(value):
                moves[symbol] = value
    by_group: dict[str, list[float]] = {}
    for symbol, value in moves.items():
        by_group.setdefault(group_of(symbol, groups), []).append(value)
    proxied = []
    for symbol, w in weights.items():
        if w > 0 and symbol not in moves:
            peers = by_group.get(group_of(symbol, groups))
            if peers:
                moves[symbol] = float(np.mean(peers))
                proxied.append(symbol)
    return _result(
        window.name,
        "historical",
        weights,
        moves,
        proxied,
        groups,
        description=window.description,
        start=start,
        end=end,
    )


def shock(
    weights: Mapping[str, float],
    scenario: ShockScenario,
    groups: Mapping[str, str] | None = None,
) -> StressResult:
    """Apply a per-group / per-asset shock scenario to ``weights``."""
    moves: dict[str, float] = {}
    for symbol in weights:
        move = scenario.asset_shocks.get(symbol)
        if move is None:
            move = scenario.group_shocks.get(group_of(symbol, groups), scenario.default_shock)
        if move is not None:
            moves[symbol] = move
    return _result(
        scenario.name, scenario.kind, weights, moves, (), groups, description=scenario.description
    )


def run_stress(
    history: PriceHistory,
    weights: Mapping[str, float],
    groups: Mapping[str, str] | None = None,
    user_scenarios: Sequence[StressScenarioConfig] = (),
    *,
    windows: Sequence[HistoricalWindow] = HISTORICAL_WINDOWS,
    hypothetical: Sequence[ShockScenario] = HYPOTHETICAL_SCENARIOS,
) -> tuple[StressResult, ...]:
    """Every historical window, then the built-in shocks, then the user's scenarios."""
    results = [replay(history, weights, w, groups) for w in windows]
    results += [shock(weights, s, groups) for s in hypothetical]
    results += [shock(weights, ShockScenario.from_config(c), groups) for c in user_scenarios]
    return tuple(results)
