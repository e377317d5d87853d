"""``portfolio.imports``: CoinTracking exports the core shows as imported holdings, beside the
simulated venues (no ``cockpit import`` needed); a bad file stops the start naming it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import build_core
from core.config import Settings
from core.errors import DataError
from core.portfolio.valuation import exact_sum, exact_value
from tests.foundation.test_service import wait_for_state

EXPORT = "CoinTracking - Balance by Exchange - 26.08.2025.csv"


def settings(tmp_path: Path, *imports: Path) -> Settings:
    return Settings.model_validate(
        {
            "store": {"path": str(tmp_path / "c.db")},
            "portfolio": {
                "imports": [str(p) for p in imports],
                "imports_allow_negative": True,  # the real export's negative dust
            },
        }
    )


async def test_configured_exports_are_merged_with_the_venues(
    tmp_path: Path, shared_data: Path
) -> None:
    core = build_core(settings(tmp_path, shared_data / "cointracking" / EXPORT))
    await core.start()
    try:
        state = await wait_for_state(core, lambda s: s.holdings is not None)
        held = core.analytics.portfolio.holdings
    finally:
        await core.stop()
    assert state.holdings is not None
    imported = [r for r in state.holdings.rows if r.imported]
    assert len(imported) == sum(1 for h in held if h.source == "cointracking") > 200
    assert all(r.source == "cointracking" and r.as_of is not None for r in imported)
    # Cold wallets are known to the registry: custody and not tradable.
    cold = [r for r in imported if r.custody == "cold"]
    assert cold and not any(r.tradable for r in cold)
    # The venues' rows are still there, and the total is every row's exact sum.
    assert any(not r.imported for r in state.holdings.rows)
    assert state.holdings.total == exact_sum(exact_value(h) for h in held)
    sources = {s.source: s for s in state.holdings.sources}
    assert sources["cointracking"].imported and sources["cointracking"].value > Decimal(0)


async def test_a_bad_configured_export_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text('"Currency","Amount"\n"BTC","not a number"\n')
    core = build_core(settings(tmp_path, bad))
    with pytest.raises(DataError, match=r"broken\.csv"):
        await core.start()
    await core.stop()
