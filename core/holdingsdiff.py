"""The holdings section as a row-level difference from the previous one (the journal's delta).

An imported portfolio makes the holdings section large (235 assets: ~300 rows, ~180 KiB of
JSON), and every revaluation changes it a little: a few rows priced from live books, and the
weight of every row (each is ``value / total``). Deflating it against its previous value does
not help much (deflate looks back 32 KiB), so the journal stores the section as:

- the keys whose value changed (``as_of``, ``total``, ``history``, ...), in full;
- for the lists of rows and totals (``rows``, ``groups``, ``locations``), ``"~<key>"``: one
  operation per row of the new list, in order: ``[i, n]`` copies rows ``i..i+n-1`` of the
  previous list, ``{"@": i, field: value, ...}`` is previous row ``i`` with those fields
  replaced, ``{"+": row}`` is a new row in full. Rows are matched by what they are (asset,
  location, source, group), not by position, so a re-sorted list is still mostly copies.
  A row's ``weight`` is sent only when it is not exactly ``float(value / total)`` recomputed
  from the row's (decimal) value and the new total; otherwise the decoder recomputes it.

:func:`holdings_diff` returns None when the section's layout changed; the journal also checks
each difference (applied to the previous value it must give the new value's very bytes) and
stores the section whole when it would not. Sans-I/O, over the JSON values (dicts).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

LISTS: tuple[str, ...] = ("rows", "groups", "locations")
"""Keys whose lists are sent row by row."""
_IDENTITY: tuple[str, ...] = ("asset", "location_id", "source", "group")


class HoldingsDiffError(ValueError):
    """A difference that does not apply to the value it is applied to."""


def _weight(item: dict[str, Any], total: Any) -> float | None:
    """``float(value / total)`` as the portfolio computes it, or None if not computable."""
    value = item.get("value")
    if not isinstance(value, str) or not isinstance(total, str):
        return None
    try:
        divisor = Decimal(total)
        return float(Decimal(value) / divisor) if divisor else 0.0
    except (InvalidOperation, ArithmeticError):
        return None


def _identity(item: Any) -> tuple[Any, ...] | None:
    return tuple(item.get(k) for k in _IDENTITY) if isinstance(item, dict) else None


def _list_ops(previous: list[Any], current: list[Any], total: Any) -> list[Any]:
    where: dict[tuple[Any, ...], int] = {}
    for position, row in enumerate(previous):
        identity = _identity(row)
        if identity is not None:
            where.setdefault(identity, position)
    ops: list[Any] = []
    for item in current:
        key = _identity(item)
        index = where.get(key) if key is not None else None
        base = previous[index] if index is not None else None
        if not isinstance(base, dict) or not isinstance(item, dict) or set(base) != set(item):
            ops.append({"+": item})
            continue
        patch = {f: v for f, v in item.items() if f != "weight" and base[f] != v}
        if "weight" in item and item["weight"] != _weight(item, total):
            patch["weight"] = item["weight"]
        if patch:
            ops.append({"@": index, **patch})
        elif ops and isinstance(ops[-1], list) and ops[-1][0] + ops[-1][1] == index:
            ops[-1][1] += 1
        else:
            ops.append([index, 1])
    return ops


def _apply_ops(previous: list[Any], ops: list[Any], total: Any) -> list[Any]:
    out: list[Any] = []

    def derived(item: dict[str, Any], explicit: bool) -> dict[str, Any]:
        if "weight" in item and not explicit:
            weight = _weight(item, total)
            if weight is None:
                raise HoldingsDiffError("a derived weight without a value and total")
            item["weight"] = weight
        return item

    for op in ops:
        if isinstance(op, list):
            start, count = op
            if start < 0 or count < 1 or start + count > len(previous):
                raise HoldingsDiffError(f"rows {start}+{count} beyond {len(previous)}")
            out.extend(derived(dict(previous[i]), False) for i in range(start, start + count))
        elif "+" in op:
            out.append(op["+"])
        else:
            index = op["@"]
            if not 0 <= index < len(previous):
                raise HoldingsDiffError(f"row {index} beyond {len(previous)}")
            patch = {f: v for f, v in op.items() if f != "@"}
            out.append(derived({**previous[index], **patch}, "weight" in patch))
    return out


def holdings_diff(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any] | None:
    """The difference taking ``previous`` to ``current`` (see the module docs), or None when
    the section is better sent whole (its keys changed)."""
    if list(previous) != list(current):
        return None
    total = current.get("total")
    diff: dict[str, Any] = {}
    for key, value in current.items():
        before = previous[key]
        if value == before:
            continue
        if key in LISTS and isinstance(value, list) and isinstance(before, list):
            diff["~" + key] = _list_ops(before, value, total)
        else:
            diff[key] = value
    return diff


def apply_holdings_diff(previous: dict[str, Any], diff: dict[str, Any]) -> dict[str, Any]:
    """The holdings value ``diff`` describes, from ``previous`` (keys in the same order)."""
    if not isinstance(previous, dict) or not isinstance(diff, dict):
        raise HoldingsDiffError("a holdings difference needs the previous holdings")
    total = diff.get("total", previous.get("total"))
    out: dict[str, Any] = {}
    for key, before in previous.items():
        if "~" + key in diff:
            if not isinstance(before, list):
                raise HoldingsDiffError(f"{key} is not a list")
            out[key] = _apply_ops(before, diff["~" + key], total)
        else:
            out[key] = diff.get(key, before)
    return out
