"""Validated targets: what the planner aims for, checked before any plan is built.

:class:`Targets` is the resolved, validated form the planner consumes: one percentage per group
(all 11 groups, summing to 100 %), optional per-asset splits inside groups, the band of each
group in percentage points and the minimum trade. It can only be built through
:func:`resolve_targets` (or :meth:`Targets.from_config`), which refuses empty, misspelt,
incomplete or non-100 % targets with a :class:`~core.errors.ConfigError` naming every problem.
That is the guard against the failure this project grew from: all-zero targets read as "sell
the whole portfolio".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from core.config import GROUPS, TargetsConfig
from core.config_yaml import read_config_file
from core.errors import ConfigError, ConfigProblem
from core.models import Model
from core.plan.spec import BandSpec, asset_split_problems, group_weight_problems


class Targets(Model):
    """Validated targets in percent; every group present, groups summing to 100 ± 0.01."""

    groups: dict[str, Decimal]
    assets: dict[str, dict[str, Decimal]] = Field(default_factory=dict)
    bands: dict[str, BandSpec] = Field(default_factory=dict)
    min_trade_usd: Decimal = Decimal(20)

    @model_validator(mode="after")
    def _validate(self) -> Targets:
        problems = group_weight_problems(self.groups, GROUPS)
        problems += asset_split_problems(self.assets, GROUPS)
        problems += [f"no band for group {g!r}" for g in GROUPS if g not in self.bands]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def band_pp(self, group: str) -> Decimal:
        """Half-width of ``group``'s band in percentage points."""
        return self.bands[group].width_pp(self.groups[group])

    def in_band(self, group: str, weight_pct: Decimal) -> bool:
        """Whether a group weight (percent) is within tolerance of its target."""
        return abs(weight_pct - self.groups[group]) <= self.band_pp(group)

    def with_groups(self, groups: Mapping[str, Decimal]) -> Targets:
        """The same bands and splits with other group weights (validated again)."""
        return resolve_targets(
            groups, assets=self.assets, bands=self.bands, min_trade_usd=self.min_trade_usd
        )

    @classmethod
    def from_config(cls, config: TargetsConfig) -> Targets:
        """Resolve a (validated) config section, expanding each group's band."""
        return resolve_targets(
            config.groups,
            assets=config.assets,
            bands={g: config.band_for(g) for g in GROUPS},
            min_trade_usd=config.min_trade_usd,
        )


def resolve_targets(
    groups: Mapping[str, Any],
    *,
    assets: Mapping[str, Mapping[str, Any]] | None = None,
    bands: Mapping[str, BandSpec] | None = None,
    default_band: BandSpec | None = None,
    min_trade_usd: Decimal = Decimal(20),
    source: str = "targets",
) -> Targets:
    """Validate group (and asset) percentages into :class:`Targets`.

    Raises :class:`ConfigError` listing every problem (``source`` names the file or origin).
    Values may be numbers or numeric strings; floats go through ``str`` so 33.3 stays 33.3.
    """
    problems: list[ConfigProblem] = []
    parsed = _decimals(groups, "groups", problems)
    parsed_assets = {
        str(g): _decimals(split, f"assets.{g}", problems) for g, split in (assets or {}).items()
    }
    if problems:
        raise ConfigError(source, problems)
    band = default_band or BandSpec(kind="absolute", value=Decimal(2))
    all_bands = {g: (bands or {}).get(g, band) for g in GROUPS}
    try:
        return Targets(
            groups=parsed, assets=parsed_assets, bands=all_bands, min_trade_usd=min_trade_usd
        )
    except ValidationError as exc:
        messages = [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
        lines = [m for msg in messages for m in msg.split("; ")]
        raise ConfigError(source, [ConfigProblem("targets", m) for m in lines]) from exc


def _decimals(
    values: Mapping[str, Any] | Any, where: str, problems: list[ConfigProblem]
) -> dict[str, Decimal]:
    if not isinstance(values, Mapping):
        problems.append(ConfigProblem(where, "must be a mapping of name -> percent"))
        return {}
    out: dict[str, Decimal] = {}
    for key, raw in values.items():
        try:
            if isinstance(raw, bool) or raw is None:
                raise InvalidOperation
            value = Decimal(str(raw))
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            problems.append(ConfigProblem(f"{where}.{key}", f"{raw!r} is not a number"))
            continue
        out[str(key)] = value
    return out


def load_targets_file(path: Path, base: TargetsConfig | None = None) -> TargetsConfig:
    """Read a targets file (YAML or JSON) into a validated :class:`TargetsConfig`.

    The file holds either the ``targets`` section's fields (``groups``, ``assets``, ``bands``...)
    or just a flat ``group: percent`` mapping. Fields it omits come from ``base``.
    Raises :class:`ConfigError` naming the file and every problem.
    """
    source = str(path)
    if path.suffix != ".json":
        data, duplicates = read_config_file(path)  # strict YAML: no tags, duplicates, depth
        if duplicates:
            raise ConfigError(source, duplicates)
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(source, [ConfigProblem("file", exc.strerror or str(exc))]) from exc
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise ConfigError(source, [ConfigProblem(where, exc.msg)]) from exc
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            problem = "nested too deep" if isinstance(exc, RecursionError) else str(exc)[:80]
            raise ConfigError(source, [ConfigProblem("file", problem)]) from None
    if not data:
        raise ConfigError(source, [ConfigProblem("(top)", "the targets file is empty")])
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigProblem("(top)", "must be a mapping")])
    if not set(data) & set(TargetsConfig.model_fields):
        data = {"groups": data}
    merged = (base or TargetsConfig()).model_dump()
    merged.update(data)
    try:
        return TargetsConfig.model_validate(merged)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "targets"
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (typo?)"
            problems += [ConfigProblem(loc, m) for m in msg.split("; ")]
        raise ConfigError(source, problems) from exc
