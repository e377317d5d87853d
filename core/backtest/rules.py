"""Rebalance rules of a backtest: when the portfolio goes back to its targets.

    hold       the first rebalance only (at the first close)
    monthly    the first row of each calendar month (UTC), and the first row
    weekly     the first row of each ISO week (Monday to Sunday, UTC); quarterly: of each quarter
    every:N    every N rows from the first (rows 0, N, 2N...)
    bands:X    the first row, then whenever any asset's weight is more than X (absolute
               fraction, e.g. 0.05) from its target, at that row's close

Rows are the price rows of the backtest: a timestamp with at least one close. The calendar
rules are known in advance (:func:`calendar_rows`); bands depend on the path and are decided by
the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.errors import DataError
from core.risk.history import BoolArray, IntArray

RuleKind = Literal["hold", "weekly", "monthly", "quarterly", "every", "bands"]

RULE_SYNTAX = "hold, monthly, every:N (N >= 1 rows) or bands:X (0 < X < 1)"
CALENDARS = ("hold", "weekly", "monthly", "quarterly")


@dataclass(frozen=True, slots=True)
class RebalanceRule:
    """A parsed rebalance rule; ``every`` and ``band`` are set for their kinds only."""

    kind: RuleKind
    every: int = 0
    """Rows between rebalances (``every``), or between band checks (``bands``; 0 = 1)."""
    band: float = 0.0

    @property
    def spec(self) -> str:
        """The rule as written on the command line (``every:5``, ``bands:0.05``); a band
        checked every N rows (a sweep's combination) is ``bands:0.05/N``."""
        if self.kind == "every":
            return f"every:{self.every}"
        if self.kind == "bands":
            return f"bands:{self.band:g}" + (f"/{self.every}" if self.every > 1 else "")
        return self.kind


def parse_rule(text: str) -> RebalanceRule:
    """Parse ``hold``, ``monthly``, ``every:N`` or ``bands:X``; DataError names the problem."""
    raw = text.strip().lower()
    if raw in CALENDARS:
        return RebalanceRule(raw)  # type: ignore[arg-type]
    kind, sep, arg = raw.partition(":")
    if sep and kind == "every":
        try:
            n = int(arg)
        except ValueError:
            n = 0
        if n < 1:
            raise DataError(f"rebalance {text!r}: every:N needs a whole number of rows N >= 1")
        return RebalanceRule("every", every=n)
    if sep and kind == "bands":
        try:
            x = float(arg)
        except ValueError:
            x = math.nan
        if not 0 < x < 1:
            raise DataError(
                f"rebalance {text!r}: bands:X needs an absolute weight X between 0 and 1 "
                "(0.05 = five percentage points)"
            )
        return RebalanceRule("bands", band=x)
    raise DataError(f"rebalance {text!r} is not one of {RULE_SYNTAX}")


def _starts(period: IntArray) -> BoolArray:
    first = np.ones(period.shape, dtype=bool)
    first[1:] = period[1:] != period[:-1]
    return first


def month_starts(times: IntArray) -> BoolArray:
    """True on the first row of each calendar month (UTC), and on the first row."""
    return _starts(times.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64))


def period_starts(times: IntArray, kind: str) -> BoolArray:
    """True on the first row of each ISO week, month or quarter (UTC), and on the first row."""
    if kind == "weekly":
        return _starts((times // 86_400 + 3) // 7)  # 1970-01-01 was a Thursday
    months = times.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return _starts(months // 3 if kind == "quarterly" else months)


def calendar_rows(times: IntArray, rule: RebalanceRule) -> IntArray:
    """Rebalance rows of a calendar rule (``hold``, ``monthly``, ``every:N``) over ``times``."""
    n = times.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if rule.kind == "hold":
        return np.zeros(1, dtype=np.int64)
    if rule.kind in ("weekly", "monthly", "quarterly"):
        return np.flatnonzero(period_starts(times, rule.kind)).astype(np.int64)
    if rule.kind == "every":
        return np.arange(0, n, rule.every, dtype=np.int64)
    raise ValueError(f"{rule.spec} is not a calendar rule")
