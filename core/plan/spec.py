"""What a user can write in the ``targets`` section: bands, strategy presets, and their checks.

These are configuration shapes plus the validation shared by the config loader and the
planner. They take the list of known groups as an argument instead of importing
:data:`core.config.GROUPS`, because :mod:`core.config` imports this module.

The checks return *every* problem found, as strings that name the group or asset, so a user
fixes a targets file in one pass. The rule that matters most: targets that are empty, all
zero, misspelt or that do not sum to 100 % are refused, never read as "sell everything".
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from core.config_base import Section

SUM_TOLERANCE = Decimal("0.01")
"""How far from 100 % a set of targets may sum (rounding in hand-written files)."""

REGIMES: tuple[str, ...] = ("bull_calm", "bull_stormy", "bear_calm", "bear_stormy")
"""Market regimes: BTC trend (bull/bear) crossed with realised volatility (calm/stormy)."""


class BandSpec(Section):
    """The tolerance around one group's target.

    ``absolute``: ``value`` percentage points either side (target 20 %, value 2 → 18–22 %).
    ``relative``: ``value`` percent *of the target* (target 20 %, value 25 → 15–25 %).
    """

    kind: Literal["absolute", "relative"] = Field(default="absolute", description="Band type.")
    value: Decimal = Field(ge=0, description="Points (absolute) or percent of target (relative).")

    def width_pp(self, target_pct: Decimal) -> Decimal:
        """Half-width of the band in percentage points for a group targeted at ``target_pct``."""
        if self.kind == "absolute":
            return self.value
        return target_pct * self.value / 100


def _default_indicative_fees() -> dict[str, Decimal]:
    return {"kraken": Decimal("0.0026"), "binance": Decimal("0.001")}


def _default_indicative_quotes() -> dict[str, tuple[str, ...]]:
    return {
        "kraken": ("USD", "USDT", "USDC", "BTC", "ETH"),
        "binance": ("USDT", "USDC", "BTC", "ETH"),
    }


class IndicativeSettings(Section):
    """How the planner prices orders at a venue it has no live book for (an *indicative* plan).

    Such orders use the last known price of each asset, the configured taker fee and an assumed
    spread and slippage; they are marked indicative and can never be sent to execution. The
    venue's markets come from the last ``load_markets`` the cockpit stored, or failing that
    from ``quotes``: every asset is then assumed tradable against each configured quote.
    """

    spread_bps: Decimal = Field(
        default=Decimal(20), ge=0, le=5000, description="Assumed bid/ask spread, basis points."
    )
    slippage_bps: Decimal = Field(
        default=Decimal(30),
        ge=0,
        le=5000,
        description="Assumed slippage beyond half the spread, basis points of the price.",
    )
    fees: dict[str, Decimal] = Field(
        default_factory=_default_indicative_fees,
        description="Venue -> taker fee rate assumed without live markets (0.001 = 0.1 %).",
    )
    default_fee: Decimal = Field(
        default=Decimal("0.002"), ge=0, lt=1, description="Taker fee rate for other venues."
    )
    quotes: dict[str, tuple[str, ...]] = Field(
        default_factory=_default_indicative_quotes,
        description="Venue -> quote currencies assumed when no markets were ever stored.",
    )
    default_quotes: tuple[str, ...] = Field(
        default=("USDT", "USD"), description="Quote currencies assumed for other venues."
    )

    def fee(self, venue: str) -> Decimal:
        """The taker fee rate assumed at ``venue``."""
        return self.fees.get(venue, self.default_fee)

    def quotes_for(self, venue: str) -> tuple[str, ...]:
        """The quote currencies assumed at ``venue``."""
        return self.quotes.get(venue, self.default_quotes)

    @property
    def half_spread_and_slippage(self) -> Decimal:
        """The fraction of the price an indicative order pays beyond the mid."""
        return (self.spread_bps / 2 + self.slippage_bps) / Decimal(10_000)


class FixedPreset(Section):
    """Rebalance every group to its configured target whenever a plan is asked for."""

    kind: Literal["fixed"] = "fixed"


class ThresholdPreset(Section):
    """Act only when at least one group has left its band; then go back to target."""

    kind: Literal["threshold"] = "threshold"


class CalendarPreset(Section):
    """Act on a schedule (UTC): daily, weekly on Mondays, monthly or quarterly on day 1."""

    kind: Literal["calendar"] = "calendar"
    every: Literal["daily", "weekly", "monthly", "quarterly"] = Field(
        default="monthly", description="How often a rebalance is due."
    )


class RegimePreset(Section):
    """Shift the configured targets by the amounts set for the current market regime.

    The regime comes from BTC's daily closes: trend is the close against its moving average,
    volatility the annualised realised volatility. Both switch with hysteresis (enter and
    leave at different levels), so a price hovering at a threshold does not flap the targets.
    """

    kind: Literal["regime"] = "regime"
    trend_days: int = Field(default=100, ge=5, le=1000, description="Moving-average length.")
    trend_band_pct: Decimal = Field(
        default=Decimal(3), ge=0, description="Close must cross the MA by this % to flip trend."
    )
    vol_days: int = Field(default=30, ge=5, le=365, description="Realised-volatility window.")
    vol_enter_pct: Decimal = Field(
        default=Decimal(80), gt=0, description="Annualised vol % that enters 'stormy'."
    )
    vol_exit_pct: Decimal = Field(
        default=Decimal(60), gt=0, description="Annualised vol % below which 'stormy' ends."
    )
    shifts: dict[str, dict[str, Decimal]] = Field(
        default_factory=dict,
        description="Regime -> group -> percentage points added (each regime sums to 0).",
    )


class OptimiserPreset(Section):
    """Targets from an optimiser run on recorded daily closes."""

    kind: Literal["optimiser"] = "optimiser"
    method: Literal["min_variance", "max_sharpe", "erc", "hrp"] = Field(
        default="min_variance", description="Which optimiser."
    )
    window_days: int = Field(default=365, ge=30, le=3000, description="History used.")
    min_weight: Decimal = Field(default=Decimal(0), ge=0, le=1, description="Per-asset floor.")
    max_weight: Decimal = Field(default=Decimal("0.35"), gt=0, le=1, description="Per-asset cap.")
    group_bounds: dict[str, tuple[Decimal, Decimal]] = Field(
        default_factory=dict, description="Group -> (min, max) total weight, fractions."
    )
    turnover_penalty: Decimal = Field(
        default=Decimal(0), ge=0, description="L1 penalty on the change from current weights."
    )
    risk_free_rate: Decimal = Field(default=Decimal(0), description="Annual, for max Sharpe.")


StrategyPreset = Annotated[
    FixedPreset | ThresholdPreset | CalendarPreset | RegimePreset | OptimiserPreset,
    Field(discriminator="kind"),
]


def default_presets() -> dict[str, StrategyPreset]:
    """The presets every configuration starts with; a config may add or replace them."""
    return {
        "fixed": FixedPreset(),
        "bands": ThresholdPreset(),
        "monthly": CalendarPreset(every="monthly"),
        "regime": RegimePreset(
            shifts={
                "bull_calm": {"BTC": Decimal(2), "Stablecoins": Decimal(-2)},
                "bull_stormy": {},
                "bear_calm": {
                    "Stablecoins": Decimal(5),
                    "Memecoins": Decimal(-2),
                    "Others": Decimal(-1),
                    "ETH": Decimal(-2),
                },
                "bear_stormy": {
                    "Stablecoins": Decimal(10),
                    "ETH": Decimal(-3),
                    "SOL": Decimal(-2),
                    "Memecoins": Decimal(-2),
                    "Others": Decimal(-1),
                    "L1/L0 majors": Decimal(-2),
                },
            }
        ),
        "min-variance": OptimiserPreset(method="min_variance"),
        "max-sharpe": OptimiserPreset(method="max_sharpe"),
        "risk-parity": OptimiserPreset(method="erc"),
        "hrp": OptimiserPreset(method="hrp"),
    }


# --------------------------------------------------------------------------- checks


def _unknown(name: str, known: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {name!r}{hint}; {what}s are {', '.join(known)}"


def group_weight_problems(groups: Mapping[str, Decimal], known: Sequence[str]) -> list[str]:
    """Every problem with a group → percent mapping: empty, unknown, missing, negative, sum."""
    if not groups:
        return [f"targets are empty: give a percentage for every group ({', '.join(known)})"]
    problems = [_unknown(g, known, "group") for g in groups if g not in known]
    missing = [g for g in known if g not in groups]
    if missing:
        problems.append(
            f"missing group(s) {', '.join(repr(g) for g in missing)}: every group needs a "
            "target (write 0 to hold none), so a forgotten group is never sold off"
        )
    problems += [f"group {g!r}: target {v}% is negative" for g, v in groups.items() if v < 0]
    total = sum(groups.values(), Decimal(0))
    if total == 0:
        problems.append("all targets are 0%: refusing a plan that would sell everything")
    elif abs(total - 100) > SUM_TOLERANCE:
        problems.append(f"targets sum to {total}%, not 100% (± {SUM_TOLERANCE})")
    return problems


def asset_split_problems(
    assets: Mapping[str, Mapping[str, Decimal]], known: Sequence[str]
) -> list[str]:
    """Problems with per-asset targets: group → asset → percent *of the group*, summing to 100."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for group, split in assets.items():
        if group not in known:
            problems.append(_unknown(group, known, "group") + " (in targets.assets)")
            continue
        if not split:
            problems.append(f"assets of group {group!r} are empty: list assets or drop the group")
            continue
        for asset, pct in split.items():
            if not asset or asset != asset.strip() or asset != asset.upper():
                problems.append(f"asset {asset!r} in group {group!r}: write symbols in upper case")
            if pct < 0:
                problems.append(f"asset {asset!r} in group {group!r}: {pct}% is negative")
            if asset in seen and seen[asset] != group:
                problems.append(f"asset {asset!r} is in both {seen[asset]!r} and {group!r}")
            seen[asset] = group
        total = sum(split.values(), Decimal(0))
        if abs(total - 100) > SUM_TOLERANCE:
            problems.append(f"assets of group {group!r} sum to {total}% of the group, not 100%")
    return problems


def band_problems(bands: Mapping[str, BandSpec], known: Sequence[str]) -> list[str]:
    """Per-group band overrides must name real groups."""
    return [_unknown(g, known, "group") + " (in targets.bands)" for g in bands if g not in known]


def shift_problems(name: str, preset: RegimePreset, known: Sequence[str]) -> list[str]:
    """A regime preset's shifts: known regimes and groups, each regime summing to 0 points."""
    problems: list[str] = []
    if preset.vol_exit_pct > preset.vol_enter_pct:
        problems.append(f"preset {name!r}: vol_exit_pct must not exceed vol_enter_pct")
    for regime, shift in preset.shifts.items():
        if regime not in REGIMES:
            problems.append(f"preset {name!r}: " + _unknown(regime, REGIMES, "regime"))
            continue
        problems += [
            f"preset {name!r}, regime {regime!r}: " + _unknown(g, known, "group")
            for g in shift
            if g not in known
        ]
        total = sum(shift.values(), Decimal(0))
        if abs(total) > SUM_TOLERANCE:
            problems.append(
                f"preset {name!r}, regime {regime!r}: shifts sum to {total} points, not 0"
            )
    return problems


def optimiser_problems(name: str, preset: OptimiserPreset, known: Sequence[str]) -> list[str]:
    """An optimiser preset's bounds must be coherent and name real groups."""
    problems: list[str] = []
    if preset.min_weight > preset.max_weight:
        problems.append(f"preset {name!r}: min_weight exceeds max_weight")
    for group, (lo, hi) in preset.group_bounds.items():
        if group not in known:
            problems.append(f"preset {name!r}: " + _unknown(group, known, "group"))
        if not 0 <= lo <= hi <= 1:
            problems.append(f"preset {name!r}: bounds of {group!r} must satisfy 0 ≤ min ≤ max ≤ 1")
    return problems


def preset_problems(presets: Mapping[str, StrategyPreset], known: Sequence[str]) -> list[str]:
    """Every problem in a set of presets."""
    problems: list[str] = []
    for name, preset in presets.items():
        if isinstance(preset, RegimePreset):
            problems += shift_problems(name, preset, known)
        elif isinstance(preset, OptimiserPreset):
            problems += optimiser_problems(name, preset, known)
    return problems
