"""Strategies on real BTC history (seed price files) and on the configured presets."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.config import GROUPS, TargetsConfig
from core.errors import ConfigError, DataError
from core.plan.regime import detect_regime, regime_history
from core.plan.spec import RegimePreset
from core.plan.strategies import MarketContext, next_due, run_strategy

NOW = datetime(2025, 8, 31, tzinfo=UTC)
HISTORY = "seed-origin/price_history"


def _closes(shared: Path, symbol: str) -> list[tuple[datetime, float]]:
    rows = json.loads((shared / HISTORY / f"{symbol}_1d.json").read_text())
    return [(datetime.fromtimestamp(ts, UTC), float(c)) for ts, c in rows]


def _until(series: list[tuple[datetime, float]], day: str) -> list[float]:
    cut = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return [c for ts, c in series if ts <= cut]


def test_regime_on_real_btc_history(shared_data: Path) -> None:
    btc = _closes(shared_data, "BTC")
    preset = RegimePreset()
    assert detect_regime(_until(btc, "2022-06-20"), preset).trend == "bear"  # after the LUNA crash
    assert detect_regime(_until(btc, "2024-03-14"), preset).trend == "bull"  # the March 2024 high
    closes = [c for _, c in btc]
    # Hysteresis keeps the regime from flapping: fewer switches than with zero-width bands.
    sticky = regime_history(closes, preset)
    twitchy = regime_history(
        closes,
        preset.model_copy(update={"trend_band_pct": Decimal(0), "vol_exit_pct": Decimal(80)}),
    )
    flips = [sum(a != b for a, b in itertools.pairwise(h)) for h in (sticky, twitchy)]
    assert 0 < flips[0] < flips[1] / 2


def test_regime_shifts_targets(shared_data: Path) -> None:
    config = TargetsConfig()
    ctx = MarketContext(now=NOW, btc_closes=_until(_closes(shared_data, "BTC"), "2022-06-20"))
    result = run_strategy(config, "regime", ctx)
    regime = result.notes[0].split()[1].rstrip(":")
    shift = config.presets["regime"].shifts[regime]  # type: ignore[union-attr]
    for group in GROUPS:
        assert result.targets.groups[group] == config.groups[group] + shift.get(group, 0)
    with pytest.raises(DataError, match="needs at least"):
        run_strategy(config, "regime", MarketContext(now=NOW, btc_closes=[1.0] * 20))


def test_threshold_acts_only_out_of_band() -> None:
    config = TargetsConfig()
    inside = {g: v + Decimal("0.5") if g == "BTC" else v for g, v in config.groups.items()}
    inside["ETH"] -= Decimal("0.5")
    held = run_strategy(config, "bands", MarketContext(now=NOW, group_weights=inside))
    assert held.hold_reason == "all groups are within their bands"
    outside = dict(inside, BTC=config.groups["BTC"] + 5)
    acted = run_strategy(config, "bands", MarketContext(now=NOW, group_weights=outside))
    assert acted.hold_reason is None and "BTC" in acted.notes[0]


def test_calendar_schedule() -> None:
    last = datetime(2025, 8, 14, 9, 30, tzinfo=UTC)
    assert next_due(last, "daily") == datetime(2025, 8, 15, tzinfo=UTC)
    assert next_due(last, "weekly") == datetime(2025, 8, 18, tzinfo=UTC)  # the next Monday
    assert next_due(last, "monthly") == datetime(2025, 9, 1, tzinfo=UTC)
    assert next_due(datetime(2025, 11, 3, tzinfo=UTC), "quarterly") == datetime(
        2026, 1, 1, tzinfo=UTC
    )
    config = TargetsConfig()
    early = run_strategy(config, "monthly", MarketContext(now=NOW, last_rebalance=last))
    assert early.hold_reason == "next monthly rebalance due 2025-09-01"
    due = MarketContext(now=datetime(2025, 9, 1, 0, 5, tzinfo=UTC), last_rebalance=last)
    assert run_strategy(config, "monthly", due).hold_reason is None


def test_optimiser_targets_from_real_history(shared_data: Path) -> None:
    groups = {
        "BTC": "BTC",
        "ETH": "ETH",
        "SOL": "SOL",
        "ADA": "L1/L0 majors",
        "AVAX": "L1/L0 majors",
        "AAVE": "DeFi",
        "UNI": "DeFi",
        "DOGE": "Memecoins",
        "LINK": "Others",
        "FET": "AI/Data",
    }
    closes = {a: [c for _, c in _closes(shared_data, a)] for a in groups}
    ctx = MarketContext(now=NOW, closes=closes, asset_groups=groups)
    config = TargetsConfig()
    for preset in ("min-variance", "max-sharpe", "risk-parity", "hrp"):
        result = run_strategy(config, preset, ctx)
        targets = result.targets
        assert sum(targets.groups.values()) == 100
        assert targets.groups["Stablecoins"] == 0 and targets.groups["Gaming/NFT"] == 0
        for group, split in targets.assets.items():
            assert sum(split.values()) == 100 and set(split) <= {
                a for a, g in groups.items() if g == group
            }
        if preset != "risk-parity" and preset != "hrp":
            assert max(v for s in targets.assets.values() for v in s.values()) > 0
    capped = {"kind": "optimiser", "method": "min_variance", "group_bounds": {"BTC": ("0", "0.1")}}
    bounded = TargetsConfig.model_validate({"presets": {"capped": capped}, "strategy": "capped"})
    assert run_strategy(bounded, "capped", ctx).targets.groups["BTC"] <= 10


def test_unknown_preset_refused() -> None:
    with pytest.raises(ConfigError, match="unknown preset 'agressive'"):
        run_strategy(TargetsConfig(), "agressive", MarketContext(now=NOW))
