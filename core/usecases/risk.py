"""The risk report of a portfolio held in a database (``cockpit risk [--db PATH]``).

One writer per database: when a cockpit holds the database and no other window is asked
for, the report is the one its risk pane shows. Otherwise the database, opened read-only,
gives the merged portfolio's weights and the stored daily closes of every source, and the
report is computed here; assets without a price are left out and named in the answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from core.access import reader_client
from core.config import Settings
from core.errors import DataError
from core.models import utcnow
from core.risk.inputs import stored_risk_inputs, with_history
from core.risk.models import RiskReport
from core.risk.report import assess
from core.store import Store


@dataclass(frozen=True, slots=True)
class PortfolioRisk:
    """A database's risk report and the held assets it left out (no price)."""

    report: RiskReport
    unpriced: tuple[str, ...] = ()


async def running_risk(settings: Settings, window: int | None, *, client: str) -> RiskReport | None:
    """The report the running cockpit's risk pane shows, when one holds the database and
    ``window`` is its own; None otherwise (then the database is read)."""
    if window is not None and window != settings.risk.window_days:
        return None
    async with reader_client(settings, client=client) as remote:
        if remote is None:
            return None
        state = remote.latest()
        return state.risk.report if state is not None and state.risk is not None else None


async def stored_risk(path: Path, settings: Settings, window: int | None) -> PortfolioRisk:
    """The report of the database at ``path``, computed from what it stored (read-only)."""
    if not await asyncio.to_thread(path.is_file):
        raise DataError(f"{path}: no cockpit database here (run `cockpit` first, or pass --db)")
    store = await Store.open_readonly(path)
    try:
        inputs = await stored_risk_inputs(store, settings, utcnow())
    finally:
        await store.close()
    risk = (
        settings.risk
        if window is None
        else settings.risk.model_copy(update={"window_days": window})
    )
    report = assess(inputs.closes, inputs.weights, inputs.groups, risk).report
    return PortfolioRisk(with_history(report, inputs.history), tuple(inputs.unpriced))


async def portfolio_risk(
    settings: Settings, db: Path | None, window: int | None, *, client: str
) -> PortfolioRisk:
    """The risk of the database ``db`` (default: the configured one): the running
    cockpit's report when one holds it, else computed from the database."""
    running_settings = settings
    if db is not None:
        running_settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"path": db})}
        )
    report = await running_risk(running_settings, window, client=client)
    if report is not None:
        return PortfolioRisk(report)
    return await stored_risk(db or settings.db_path(), settings, window)
