"""A wide CSV of real daily closes (the format ``cockpit risk --prices`` and ``cockpit import
prices`` read), written from the shared ``seed-origin/price_history`` files in a test's tmp dir.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

DAY = 86_400


def write_wide_prices(shared_data: Path, out: Path) -> Path:
    """One ``date`` column and one column of closes per asset; empty cells where an asset has
    no close that day. Returns ``out``."""
    series: dict[str, dict[int, float]] = {}
    for path in sorted((shared_data / "seed-origin" / "price_history").glob("*_1d.json")):
        symbol = path.name.removesuffix("_1d.json")
        points = json.loads(path.read_text(encoding="utf-8"))
        series[symbol] = {int(t) // DAY * DAY: float(c) for t, c in points}
    days = sorted({d for closes in series.values() for d in closes})
    symbols = sorted(series)
    rows = ["date," + ",".join(symbols)]
    for day in days:
        stamp = datetime.fromtimestamp(day, UTC).date().isoformat()
        cells = [repr(series[s][day]) if day in series[s] else "" for s in symbols]
        rows.append(stamp + "," + ",".join(cells))
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out
