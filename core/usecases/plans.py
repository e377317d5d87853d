"""Plan use cases of ``cockpit plan``: a plan from an inputs snapshot, and the saved plans.

A plan from a snapshot file (``--inputs``) is a pure function of what the file holds:
holdings, locations, instruments, books, fees, closes. The file is checked whole before
anything is built, and a bad one raises a :class:`~core.errors.DataError` naming the file and
the key. The saved plans of a database (``--db``, ``--show``) are read with the database
opened read-only, an executed one with its recorded promise against outcome.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from core.config import TargetsConfig
from core.errors import DataError
from core.models import BookSnapshot, Holding, Instrument, Location, UtcDatetime, utcnow
from core.plan.build import build_plan
from core.plan.models import Plan, PlanPolicy
from core.plan.outcome import PlanOutcome
from core.plan.strategies import MarketContext, run_strategy
from core.store.db import Store
from core.store.plans import PlanSummary, list_plans, load_plan, recorded_outcome

REQUIRED = ("holdings", "locations", "instruments", "books")
"""Keys a snapshot must have; the others default."""


@dataclass(frozen=True)
class PlanSnapshot:
    """What a plan is a function of, as read from an ``--inputs`` file."""

    holdings: list[Holding]
    locations: list[Location]
    instruments: list[Instrument]
    books: list[BookSnapshot]
    as_of: datetime
    fees: dict[str, Decimal] = field(default_factory=dict)
    last_rebalance: datetime | None = None
    btc_closes: list[float] = field(default_factory=list)
    closes: dict[str, list[float]] = field(default_factory=dict)


_FIELDS: dict[str, tuple[Any, Any]] = {
    "holdings": (list[Holding], None),
    "locations": (list[Location], None),
    "instruments": (list[Instrument], None),
    "books": (list[BookSnapshot], None),
    "fees": (dict[str, Decimal], {}),
    "as_of": (UtcDatetime, None),
    "last_rebalance": (UtcDatetime | None, None),
    "btc_closes": (list[float], []),
    "closes": (dict[str, list[float]], {}),
}


def load_snapshot(path: Path) -> PlanSnapshot:
    """Read and check a snapshot file; a :class:`DataError` names the first problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(exc.strerror or str(exc), path=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise DataError(exc.msg, path=str(path), line=exc.lineno, column=exc.colno) from exc
    except RecursionError:
        raise DataError("nested too deep", path=str(path)) from None
    except ValueError as exc:  # not UTF-8, or an integer beyond Python's digit limit
        raise DataError(str(exc)[:120], path=str(path)) from None
    if not isinstance(data, dict):
        raise DataError("must be a JSON object", path=str(path))
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise DataError(f"unknown key(s) {unknown}", path=str(path))
    out: dict[str, Any] = {}
    for key, (kind, default) in _FIELDS.items():
        if key not in data:
            if default is None and key in REQUIRED:
                raise DataError(f"missing {key!r}", path=str(path))
            out[key] = default
            continue
        try:
            out[key] = TypeAdapter(kind).validate_python(data[key])
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in (key, *err["loc"]))
            raise DataError(str(err["msg"]), path=str(path), column=loc) from exc
    out["as_of"] = out["as_of"] or utcnow()
    if not isinstance(out["as_of"], datetime):
        raise DataError("as_of must be a timestamp", path=str(path))
    return PlanSnapshot(**out)


def group_weights(holdings: list[Holding]) -> dict[str, Decimal]:
    """Each group's share of the holdings' value, in percent."""
    totals: dict[str, Decimal] = {}
    for h in holdings:
        totals[h.group] = totals.get(h.group, Decimal(0)) + h.value
    whole = sum(totals.values(), Decimal(0))
    return {g: v * 100 / whole for g, v in totals.items()} if whole else {}


def plan_from_snapshot(snap: PlanSnapshot, config: TargetsConfig, strategy: str | None) -> Plan:
    """The plan of ``strategy`` (default: the configured one) for the snapshot."""
    ctx = MarketContext(
        now=snap.as_of,
        group_weights=group_weights(snap.holdings),
        last_rebalance=snap.last_rebalance,
        btc_closes=snap.btc_closes,
        closes=snap.closes,
        asset_groups={h.asset: h.group for h in snap.holdings},
    )
    result = run_strategy(config, strategy, ctx)
    plan = build_plan(
        snap.holdings,
        snap.locations,
        result.targets,
        snap.instruments,
        snap.books,
        as_of=snap.as_of,
        policy=PlanPolicy.from_config(config),
        fees=snap.fees,
        strategy=result.name,
        hold_reason=result.hold_reason,
    )
    return plan.model_copy(update={"notes": (*result.notes, *plan.notes)})


async def _open(db: Path) -> Store:
    if not await asyncio.to_thread(db.is_file):
        raise DataError("no such database", path=str(db))
    return await Store.open_readonly(db)


async def saved_plans(db: Path) -> list[PlanSummary]:
    """The newest plans saved in the database, newest first."""
    store = await _open(db)
    try:
        return await list_plans(store)
    finally:
        await store.close()


async def saved_plan(db: Path, plan_id: str) -> tuple[Plan, PlanOutcome | None]:
    """A saved plan (``latest`` for the newest) and, if it ran, its promise against outcome."""
    store = await _open(db)
    try:
        found = await load_plan(store, plan_id)
        if found is None:
            raise DataError(f"no saved plan {plan_id!r}", path=str(db))
        return found[0], await recorded_outcome(store, found[0], utcnow())
    finally:
        await store.close()
