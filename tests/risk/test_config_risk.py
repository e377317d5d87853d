"""The ``risk`` section of the configuration: limits and user scenarios from YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import ConfigError

YAML = """
risk:
  window_days: 730
  risk_free_rate: 0.04
  calmar_months: 36
  limits:
    max_var_95: 0.05
    max_stress_loss: null
    group_weight_caps: {Memecoins: 0.05, DeFi: 0.2}
  scenarios:
    - name: ETF outflows
      description: Spot ETFs sell for a week
      group_shocks: {BTC: -0.25, ETH: -0.3}
      default_shock: -0.35
"""


def test_defaults_are_valid() -> None:
    risk = load_settings(search=False).risk
    assert risk.limits.max_var_95 == 0.08 and risk.scenarios == ()
    assert risk.risk_free_rate == 0.0 and risk.min_coverage == 0.9


def test_yaml_risk_section(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(YAML)
    risk = load_settings(path, env={}).risk
    assert risk.window_days == 730 and risk.calmar_months == 36
    assert risk.limits.max_stress_loss is None
    assert risk.limits.group_weight_caps == {"Memecoins": 0.05, "DeFi": 0.2}
    (scenario,) = risk.scenarios
    assert scenario.group_shocks["BTC"] == -0.25 and scenario.default_shock == -0.35


def test_every_problem_is_reported_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "risk:\n  min_coverage: 1.5\n  limits: {group_weight_caps: {Memes: 0.1}}\n"
        "  scenarios: [{name: x, group_shocks: {BTC: -3}}]\n"
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    where = [p.location for p in info.value.problems]
    assert where == ["risk.min_coverage", "risk.limits", "risk.scenarios.0"]
    assert "unknown group(s) ['Memes']" in str(info.value)
    assert ">= -1" in str(info.value)
