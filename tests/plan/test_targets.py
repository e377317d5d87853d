"""Targets are validated before any plan: empty, misspelt, incomplete, non-100 % refused."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config import GROUPS, Settings, TargetsConfig, load_settings
from core.errors import ConfigError
from core.plan.spec import BandSpec
from core.plan.targets import Targets, load_targets_file, resolve_targets

ZERO_PLAN = "seed-origin/plan_and_risk_outputs/plan_output_zero_targets.json"


def _even() -> dict[str, Decimal]:
    weights = {g: Decimal(9) for g in GROUPS}
    weights["Others"] = Decimal(10)
    return weights


def test_defaults_are_valid_and_complete() -> None:
    targets = Targets.from_config(Settings().targets)
    assert set(targets.groups) == set(GROUPS)
    assert sum(targets.groups.values()) == 100
    assert targets.band_pp("BTC") == Decimal(2)
    assert targets.in_band("BTC", Decimal("36.5")) and not targets.in_band("BTC", Decimal(38))


def test_real_zero_targets_plan_is_refused(shared_data: Path) -> None:
    """The seed's plan that sold a $453k portfolio came from these all-zero targets."""
    data = json.loads((shared_data / ZERO_PLAN).read_text())
    zero = data["target_weights_pct"]
    assert set(zero) == set(GROUPS) and all(v == 0 for v in zero.values())
    with pytest.raises(ConfigError) as info:
        resolve_targets(zero, source="final_rebal.json")
    assert "all targets are 0%" in str(info.value)
    assert str(info.value).startswith("final_rebal.json: targets:")


def test_empty_targets_refused() -> None:
    with pytest.raises(ConfigError, match="targets are empty"):
        resolve_targets({})


def test_misspelt_group_refused_with_suggestion() -> None:
    weights = _even()
    weights["Stablecoin"] = weights.pop("Stablecoins")
    with pytest.raises(ConfigError) as info:
        resolve_targets(weights)
    text = str(info.value)
    assert "unknown group 'Stablecoin' (did you mean 'Stablecoins'?)" in text
    assert "missing group(s) 'Stablecoins'" in text


def test_missing_group_refused_even_when_sum_is_100() -> None:
    weights = _even()
    weights["BTC"] += weights.pop("Memecoins")
    with pytest.raises(ConfigError, match="missing group\\(s\\) 'Memecoins'"):
        resolve_targets(weights)


@given(st.decimals(min_value=Decimal("-50"), max_value=Decimal("150"), places=3))
def test_sum_must_be_100_within_a_hundredth(btc: Decimal) -> None:
    weights = {g: Decimal(0) for g in GROUPS}
    weights["BTC"] = btc
    weights["ETH"] = Decimal(100) - Decimal(50)
    total = btc + 50
    if abs(total - 100) <= Decimal("0.01") and btc >= 0:
        assert resolve_targets(weights).groups["BTC"] == btc
    else:
        with pytest.raises(ConfigError):
            resolve_targets(weights)


def test_non_numbers_named() -> None:
    weights: dict[str, object] = dict(_even())
    weights["BTC"] = "lots"
    with pytest.raises(ConfigError, match=r"groups\.BTC: 'lots' is not a number"):
        resolve_targets(weights)


def test_asset_splits_validated() -> None:
    ok = resolve_targets(_even(), assets={"ETH": {"ETH": 70, "WSTETH": 30}})
    assert ok.assets["ETH"]["WSTETH"] == 30
    with pytest.raises(ConfigError) as info:
        resolve_targets(
            _even(),
            assets={"ETH": {"ETH": 70, "wsteth": 20}, "Stablecoinz": {"USDT": 100}},
        )
    text = str(info.value)
    assert "sum to 90% of the group" in text
    assert "'wsteth' in group 'ETH': write symbols in upper case" in text
    assert "did you mean 'Stablecoins'" in text


def test_relative_band() -> None:
    targets = resolve_targets(_even(), default_band=BandSpec(kind="relative", value=Decimal(25)))
    assert targets.band_pp("Others") == Decimal("2.5")
    assert targets.in_band("Others", Decimal("12.5")) and not targets.in_band("Others", Decimal(13))


def test_config_section_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("targets:\n  groups: {BTC: 50, ETH: 40}\n  bands: {Bitcoin: {value: 1}}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={}, search=False)
    text = str(info.value)
    assert "missing group(s)" in text and "targets sum to 90%" in text
    assert "unknown group 'Bitcoin'" in text


def test_config_band_and_presets() -> None:
    cfg = TargetsConfig(band_mode="relative", band_pct=Decimal(10), bands={"BTC": {"value": 3}})
    assert cfg.band_for("BTC") == BandSpec(kind="absolute", value=Decimal(3))
    assert cfg.band_for("ETH").kind == "relative"
    with pytest.raises(ValueError, match="strategy 'nope' is not a preset"):
        TargetsConfig(strategy="nope")
    with pytest.raises(ValueError, match="shifts sum to 1 points"):
        TargetsConfig(presets={"r": {"kind": "regime", "shifts": {"bear_calm": {"BTC": 1}}}})


def test_targets_file_flat_and_full(tmp_path: Path) -> None:
    flat = tmp_path / "t.json"
    flat.write_text(json.dumps({g: float(v) for g, v in _even().items()}))
    assert load_targets_file(flat).groups["Others"] == 10
    full = tmp_path / "t.yaml"
    full.write_text(
        "groups: " + json.dumps({g: str(v) for g, v in _even().items()}) + "\nmin_trade_usd: 50\n"
    )
    assert load_targets_file(full).min_trade_usd == 50
    empty = tmp_path / "e.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match=r"e\.yaml: \(top\): the targets file is empty"):
        load_targets_file(empty)
    bad = tmp_path / "b.yaml"
    bad.write_text("groups: {BTC: [\n")
    with pytest.raises(ConfigError, match=r"b\.yaml: line"):
        load_targets_file(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        "groups: " + json.dumps({g: str(v) for g, v in _even().items()}) + "\nmin_trade: 5\n"
    )
    with pytest.raises(ConfigError, match="min_trade: unknown key"):
        load_targets_file(typo)
