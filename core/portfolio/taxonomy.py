"""The asset taxonomy: which of the 11 groups a symbol belongs to, and why.

One module and one data file (``taxonomy_aliases.json``, shipped in this package) are the only
source of truth for groups; everything else (import, valuation, targets, the holdings pane)
asks :meth:`Taxonomy.classify`. The system this project grows from kept four taxonomies that
disagreed; keeping the rules in one place, versioned, is what prevents that.

Resolution, first match wins:

1. a user override from config (``portfolio.taxonomy.overrides``) for the symbol as given or
   its market symbol;
2. the symbol's market spelling: CoinTracking's numeric suffixes (``SOL2`` → ``SOL``,
   ``LUNA2`` → ``LUNC`` Terra Classic, ``LUNA3`` → ``LUNA`` Terra v2) and renames
   (``TONCOIN`` → ``TON``) come from an explicit table, never from a regex;
3. wrapped and staked derivatives take their base's group (``WBTC`` → BTC, ``STETH`` → ETH,
   ``JITOSOL`` → SOL);
4. the alias table (market symbol → group);
5. otherwise a heuristic guess (:mod:`core.portfolio.heuristics`) with a confidence below 1 and
   a reason, so the UI can show it as a guess.

Every :class:`Classification` carries the taxonomy ``version``: the data file's version, plus a
digest of the user's overrides when there are any, so two results are comparable only when
their versions match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from pydantic import Field

from core.config import GROUPS
from core.errors import DataError
from core.models import Model
from core.portfolio.heuristics import guess_group

ALIASES_RESOURCE = "taxonomy_aliases.json"
CT_SHADOW_PREFIX = "CT:"
"""Prefix for CoinTracking tickers whose plain spelling means another asset on markets."""


class ClassificationSource(StrEnum):
    """Which rule decided a group."""

    OVERRIDE = "override"
    ALIAS = "alias"
    DERIVATIVE = "derivative"
    HEURISTIC = "heuristic"
    UNKNOWN = "unknown"


class DerivativeKind(StrEnum):
    """How a token relates to its base asset; neither kind is priced 1:1 with the base."""

    WRAPPED = "wrapped"
    LIQUID_STAKING = "liquid_staking"


class Derivative(Model):
    """A token that stands for another asset (its ``base``)."""

    base: str
    kind: DerivativeKind


class Classification(Model):
    """The group of one symbol, with how sure we are and why."""

    symbol: str = Field(description="The symbol as asked, upper-cased.")
    market_symbol: str = Field(description="The market spelling (suffixes and renames applied).")
    base: str = Field(description="The underlying asset for derivatives, else market_symbol.")
    group: str
    source: ClassificationSource
    confidence: float = Field(ge=0, le=1, description="1 for table entries and overrides.")
    reason: str
    derivative: DerivativeKind | None = None
    version: str

    @property
    def is_guess(self) -> bool:
        """True when no table entry or override decided the group."""
        return self.source in (ClassificationSource.HEURISTIC, ClassificationSource.UNKNOWN)


def normalize_symbol(symbol: str) -> str:
    """Upper-case and strip a symbol, including non-breaking spaces exports leave around it."""
    return symbol.replace("\u00a0", " ").strip().upper()


class Taxonomy:
    """The loaded alias data plus user overrides; immutable after construction."""

    def __init__(self, data: Mapping[str, Any], overrides: Mapping[str, str] | None = None):
        source = ALIASES_RESOURCE
        self._check_groups(data, source)
        self.base_version: str = _require(data, "version", str, source)
        self.aliases: dict[str, str] = _symbol_map(data, "aliases", source, values=GROUPS)
        self.derivatives: dict[str, Derivative] = {
            normalize_symbol(sym): Derivative.model_validate(spec)
            for sym, spec in _require(data, "derivatives", dict, source).items()
        }
        ct = _require(data, "cointracking", dict, source)
        self.ct_suffixes: dict[str, str] = _symbol_map(ct, "suffixes", source)
        self.ct_renames: dict[str, str] = _symbol_map(ct, "renames", source)
        self.ct_shadowed: dict[str, str] = {
            normalize_symbol(k): str(v) for k, v in _require(ct, "shadowed", dict, source).items()
        }
        self.ct_not_suffixes: dict[str, str] = {
            normalize_symbol(k): str(v)
            for k, v in _require(ct, "not_suffixes", dict, source).items()
        }
        self.overrides: dict[str, str] = {}
        for sym, group in (overrides or {}).items():
            if group not in GROUPS:
                raise DataError(f"override {sym}: unknown group {group!r}; groups are {GROUPS}")
            self.overrides[normalize_symbol(sym)] = group
        self.version = self.base_version
        if self.overrides:
            blob = json.dumps(sorted(self.overrides.items())).encode()
            self.version += "+local." + hashlib.sha256(blob).hexdigest()[:8]
        self._check_consistency(source)

    # ------------------------------------------------------------------ construction checks

    @staticmethod
    def _check_groups(data: Mapping[str, Any], source: str) -> None:
        groups = tuple(_require(data, "groups", list, source))
        if groups != GROUPS:
            raise DataError(f"groups are {groups}, expected {GROUPS}", path=source)

    def _check_consistency(self, source: str) -> None:
        for sym, der in self.derivatives.items():
            if der.base not in self.aliases:
                raise DataError(f"derivative {sym}: base {der.base} has no group", path=source)
            if sym in self.aliases:
                raise DataError(f"{sym} is both an alias and a derivative", path=source)
        both = set(self.ct_suffixes) & set(self.ct_not_suffixes)
        if both:
            raise DataError(f"{sorted(both)} are both suffixes and not suffixes", path=source)

    # ------------------------------------------------------------------ symbols

    def market_symbol(self, symbol: str) -> str:
        """The market spelling of a symbol: ``SOL2`` → ``SOL``, ``TONCOIN`` → ``TON``."""
        sym = normalize_symbol(symbol)
        return self.ct_suffixes.get(sym) or self.ct_renames.get(sym) or sym

    def cointracking_symbol(self, ticker: str) -> str:
        """The market symbol for a CoinTracking ticker, keeping distinct assets distinct.

        CoinTracking gives a plain ticker to whichever coin it listed first: its ``LUNA`` is
        "Luna Coin" and its ``TON`` is "Tokamak Network", while on markets those tickers mean
        Terra v2 and Toncoin (CoinTracking's ``LUNA3``/``TONCOIN``). Such shadowed tickers
        become ``CT:LUNA`` so they never merge with, or get the price of, the market asset.
        """
        sym = normalize_symbol(ticker)
        if sym in self.ct_shadowed:
            return CT_SHADOW_PREFIX + sym
        return self.market_symbol(sym)

    def derivative(self, symbol: str) -> Derivative | None:
        """The derivative entry of a market symbol (``STETH`` → base ETH, liquid staking)."""
        return self.derivatives.get(normalize_symbol(symbol))

    # ------------------------------------------------------------------ classification

    def classify(self, symbol: str, name: str | None = None) -> Classification:
        """The group of ``symbol``; ``name`` (e.g. from an import) only helps heuristics."""
        sym = normalize_symbol(symbol)
        market = self.market_symbol(sym)
        spelled = self._spelling_note(sym, market)
        der = self.derivatives.get(market)
        base = der.base if der else market

        for key in dict.fromkeys((sym, market)):
            if key in self.overrides:
                return self._result(
                    sym,
                    market,
                    base,
                    self.overrides[key],
                    ClassificationSource.OVERRIDE,
                    f"{spelled}user override for {key} in config",
                    der,
                )
        if der is not None:
            group = self.overrides.get(der.base) or self.aliases[der.base]
            why = f"{spelled}{market} is {der.kind.value.replace('_', ' ')} {der.base}"
            if der.base in self.overrides:
                why += f" (user override for {der.base})"
            return self._result(sym, market, base, group, ClassificationSource.DERIVATIVE, why, der)
        if market in self.aliases:
            why = f"{spelled}{market} is in the alias table"
            return self._result(
                sym, market, base, self.aliases[market], ClassificationSource.ALIAS, why, None
            )
        guess = guess_group(market, name, self)
        source = ClassificationSource.HEURISTIC if guess.matched else ClassificationSource.UNKNOWN
        return self._result(
            sym,
            market,
            base,
            guess.group,
            source,
            spelled + guess.reason,
            None,
            confidence=guess.confidence,
        )

    def group_of(self, symbol: str) -> str:
        """Just the group name (see :meth:`classify` for the reason and confidence)."""
        return self.classify(symbol).group

    def _spelling_note(self, sym: str, market: str) -> str:
        if sym == market:
            return ""
        table = "CoinTracking suffix" if sym in self.ct_suffixes else "rename"
        return f"{table} {sym} → {market}; "

    def _result(
        self,
        sym: str,
        market: str,
        base: str,
        group: str,
        source: ClassificationSource,
        reason: str,
        der: Derivative | None,
        *,
        confidence: float = 1.0,
    ) -> Classification:
        return Classification(
            symbol=sym,
            market_symbol=market,
            base=base,
            group=group,
            source=source,
            confidence=confidence,
            reason=reason,
            derivative=der.kind if der else None,
            version=self.version,
        )


# --------------------------------------------------------------------------- loading


@cache
def packaged_data() -> dict[str, Any]:
    """The parsed alias file shipped with the package (read once)."""
    text = resources.files("core.portfolio").joinpath(ALIASES_RESOURCE).read_text("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(exc.msg, path=ALIASES_RESOURCE, line=exc.lineno, column=exc.colno) from exc
    if not isinstance(data, dict):
        raise DataError("must be a JSON object", path=ALIASES_RESOURCE)
    return data


def load_taxonomy(overrides: Mapping[str, str] | None = None) -> Taxonomy:
    """The packaged taxonomy with the user's overrides (``portfolio.taxonomy.overrides``)."""
    return Taxonomy(packaged_data(), overrides)


@cache
def default_taxonomy() -> Taxonomy:
    """The packaged taxonomy without overrides, shared (it is immutable)."""
    return Taxonomy(packaged_data())


def _require(data: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise DataError(f"'{key}' must be a {kind.__name__}", path=source)
    return value


def _symbol_map(
    data: Mapping[str, Any], key: str, source: str, values: tuple[str, ...] | None = None
) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_key, raw_value in _require(data, key, dict, source).items():
        if not isinstance(raw_value, str) or (values is not None and raw_value not in values):
            raise DataError(f"{key}.{raw_key}: bad value {raw_value!r}", path=source)
        out[normalize_symbol(raw_key)] = (
            raw_value if values is not None else normalize_symbol(raw_value)
        )
    return out
